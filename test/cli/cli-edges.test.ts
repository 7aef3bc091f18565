// The CLI's edges: no command, an unknown subcommand, negative durations, an option given
// twice, hex where a decimal is wanted, a newline in a value. Each one line (or the usage) and
// exit 2. Every scenario line ends in `--variants nosuch`: were the check under test missing,
// that one still stops the command before any lab is built.
import t from 'tap';
import { runCli } from '../fixtures/run-cli.js';

const SAFETY = ['--variants', 'nosuch'];

t.test('no command: the usage and exit 2', async (t) => {
  const none = await runCli([]);
  t.equal(none.code, 2);
  t.match(
    none.stderr,
    /^error: name a command: scenario, campaign, report, compare, smb-probe, h3-probe, target-files, lab, history, certs, schema\nusage: npm run <scenario\|campaign\|report\|compare\|smb-probe\|h3-probe\|target-files\|lab\|history\|certs\|schema> -- \[options\]\n\nUsage: quic-lab/,
  );
  t.equal(none.stdout, '');
  const lab = await runCli(['lab']);
  t.equal(lab.code, 2);
  t.match(lab.stderr, /^error: name a command: up, status, exec, down\nusage: npm run lab -- <up\|status\|exec\|down> \[options\]\n\nUsage: quic-lab lab/);
  t.equal((await runCli(['lab', '--help'])).code, 0, 'asking for help is no error');
});

t.test('an unknown subcommand lists the subcommands of the command named', async (t) => {
  t.same(await runCli(['lab', 'bogus']), { code: 2, stdout: '', stderr: "error: unknown command 'bogus' (commands: up, status, exec, down)\n" });
  t.same(await runCli(['bogus']), { code: 2, stdout: '', stderr: "error: unknown command 'bogus' (commands: scenario, campaign, report, compare, smb-probe, h3-probe, target-files, lab, history, certs, schema)\n" });
});

t.test('values: one line each, exit 2', async (t) => {
  const rows: Array<[string[], string]> = [
    [['scenario', '--rtt', '-5ms', ...SAFETY], 'error: --rtt "-5ms" is negative: no negative durations (e.g. 30ms)'],
    [['scenario', '--delay', '-1s', ...SAFETY], 'error: --delay "-1s" is negative: no negative durations (e.g. 30ms)'],
    [['scenario', '--loss', '-1%', ...SAFETY], 'error: --loss "-1%" is negative: no negative percentages (e.g. 1%)'],
    [['scenario', '--rtt', '5ms', '--rtt', '6ms', ...SAFETY], 'error: --rtt given twice (give each option once)'],
    [['scenario', '--samples', '3', '--samples=4', ...SAFETY], 'error: --samples given twice (give each option once)'],
    [['scenario', '--list', '--list'], 'error: --list given twice (give each option once)'],
    [['compare', 'a.json', 'b.json', '--threshold', '5%', '--threshold', '6%'], 'error: --threshold given twice (give each option once)'],
    [['scenario', '--burst-loss', '2%:0x3', ...SAFETY], 'error: --burst-loss "2%:0x3": the mean burst must be a decimal number of packets >= 1 (e.g. 3)'],
    [['scenario', '--burst-loss', '0x2%:3', ...SAFETY], 'error: --burst-loss rate "0x2%" must be a percentage, e.g. 1% or 0.5%'],
    [['scenario', '--profile', '4g\nnext line', ...SAFETY], 'error: --profile: unknown profile "4g\\nnext line" (one of: '],
    [['scenario', '--profile', '\u001b[2J', ...SAFETY], 'error: --profile: unknown profile "\\x1b[2J" (one of: '],
  ];
  for (const [args, expected] of rows) {
    const result = await runCli(args);
    t.equal(result.code, 2, `${JSON.stringify(args)}: exit 2`);
    t.ok(result.stderr.startsWith(expected), `${JSON.stringify(args)}: ${JSON.stringify(result.stderr)}`);
    t.equal(result.stderr.split('\n').length, 2, 'one line');
    t.equal(result.stdout, '');
  }
  const outages = await runCli(['scenario', '--outage', '1s+100ms', '--outage', '3s+100ms', '--rtt', 'x', ...SAFETY]);
  t.equal(outages.stderr, 'error: --rtt "x" needs a unit: us, ms or s (e.g. 30ms)\n', '--outage repeats on purpose');
});
