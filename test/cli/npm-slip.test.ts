// Options typed after `npm run SCRIPT` without `--` reach the CLI only as npm_config_*
// variables: each is noticed before anything runs and answered with the command as it should
// have been typed, exit 2.
import t from 'tap';
import { runCli } from '../fixtures/run-cli.js';
import { npmSlip } from '../../harness/cli/npm-slip.js';

/** main() as npm would start it for `script`, with what npm put into the environment. */
function viaNpm(script: string, argv: string[], config: Record<string, string>): Promise<{ code: number; stderr: string; stdout: string }> {
  const env: NodeJS.ProcessEnv = { npm_lifecycle_event: script, npm_config_cache: '/root/.npm', npm_config_user_agent: 'npm/11', npm_config_yes: '', npm_config_audit: '' };
  for (const [name, value] of Object.entries(config)) env[`npm_config_${name}`] = value;
  return runCli(argv, env);
}

t.test('a forgotten -- is answered with the command as it should have been typed', async (t) => {
  const rows: Array<[string, string[], Record<string, string>, string]> = [
    // npm run scenario --list
    ['scenario', ['scenario'], { list: 'true' }, 'npm took --list for itself (options go after --); did you mean: npm run scenario -- --list'],
    // npm run scenario handshake --profile 4g
    ['scenario', ['scenario', 'handshake', '4g'], { profile: 'true' }, 'npm took --profile for itself (options go after --); did you mean: npm run scenario -- handshake --profile 4g'],
    // npm run scenario --profile=4g --no-capture handshake
    ['scenario', ['scenario', 'handshake'], { profile: '4g', capture: '' }, 'npm took --no-capture, --profile for itself (options go after --); did you mean: npm run scenario -- handshake --no-capture --profile 4g'],
    // npm run scenario handshake --profile 4g --rtt 20ms: npm does not say which word was whose
    [
      'scenario',
      ['scenario', 'handshake', '4g', '20ms'],
      { profile: 'true', rtt: 'true' },
      'npm took --profile, --rtt for itself (options go after --); did you mean: npm run scenario -- handshake --profile <name> --rtt <time> (npm passed 4g 20ms on without its option: put each value after its option)',
    ],
    // npm run lab up --rtt 20ms
    ['lab', ['lab', 'up', '20ms'], { rtt: 'true' }, 'npm took --rtt for itself (options go after --); did you mean: npm run lab -- up --rtt 20ms'],
    // npm run lab status --json
    ['lab', ['lab', 'status'], { json: 'true' }, 'npm took --json for itself (options go after --); did you mean: npm run lab -- status --json'],
    // npm run report r.json --format html: which file name was the value npm cannot say
    ['report', ['report', 'r.json', 'html'], { format: 'true' }, 'npm took --format for itself (options go after --); did you mean: npm run report -- r.json html --format <format>'],
    // npm run compare a.json b.json --threshold=10%
    ['compare', ['compare', 'a.json', 'b.json'], { threshold: '10%' }, 'npm took --threshold for itself (options go after --); did you mean: npm run compare -- a.json b.json --threshold 10%'],
    // npm run scenario "--profile=a b"
    ['scenario', ['scenario'], { profile: "it's 4g" }, `npm took --profile for itself (options go after --); did you mean: npm run scenario -- --profile 'it'\\''s 4g'`],
  ];
  for (const [script, argv, config, expected] of rows) {
    const result = await viaNpm(script, argv, config);
    t.equal(result.code, 2, `${argv.join(' ')} ${JSON.stringify(config)}: exit 2`);
    t.equal(result.stderr, `error: ${expected}\n`);
    t.equal(result.stdout, '', 'nothing ran');
  }
});

t.test('npm run report r.json --format html: npm keeps --format and passes no variable, only "html"', async (t) => {
  const result = await viaNpm('report', ['report', 'r.json', 'html'], {});
  t.equal(result.code, 2);
  t.equal(result.stderr, 'error: "html" is not a result file; if you meant --format html, npm kept --format for itself: type npm run report -- r.json --format html\n');
});

t.test("npm's own settings and other scripts are left alone", async (t) => {
  const list = await viaNpm('scenario', ['scenario', '--list'], {});
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, /handshake/);
  // `npm test` (npm_lifecycle_event=test) running the CLI in-process: not a slip of the CLI's scripts.
  const other = await viaNpm('test:unit', ['scenario', '--list'], { list: 'true' });
  t.equal(other.code, 0, other.stderr);
  // An .npmrc's ca= (npm's own setting) reaches every script as npm_config_ca: not a slip of smb-probe's --ca.
  const probe = await viaNpm('smb-probe', ['smb-probe', '--tcp-port', 'x'], { ca: '-----BEGIN CERTIFICATE-----' });
  t.equal(probe.stderr, 'error: --tcp-port: "x" is not a whole number (1 to 65535)\n');
  // --capture=true is the default; only --no-capture is an option.
  t.equal(npmSlip({ script: 'scenario', words: [], maxWords: 1, options: [{ long: '--no-capture', takesValue: false, placeholder: '<value>' }] }, { npm_config_capture: 'true' }), null);
});
