import t from 'tap';
import { benchHelp, parseBenchArgs } from '../../harness/bench/args.js';

t.test('bench arguments: a name, --out, --help listing every bench', async (t) => {
  t.same(parseBenchArgs(['transfer']), { help: false, name: 'transfer', out: undefined });
  t.same(parseBenchArgs(['link', '--out', 'x.json']), { help: false, name: 'link', out: 'x.json' });
  t.same(parseBenchArgs(['--help']), { help: true });
  t.same(parseBenchArgs(['truth', '-h']), { help: true });
  const help = benchHelp();
  t.match(help, /^Usage: npm run bench -- NAME \[--out FILE\]\n/);
  for (const name of ['link', 'transfer', 'truth']) t.match(help, new RegExp(`\\n  ${name} +\\S`), `${name} listed`);
  const refuses = (argv: string[], message: string, env: NodeJS.ProcessEnv = {}) => t.throws(() => parseBenchArgs(argv, env), { message }, argv.join(' '));
  refuses([], 'name a bench: link, transfer, stacks, truth, changes (npm run bench -- --help describes them)');
  refuses(['fast'], 'unknown bench "fast"; choose one of: link, transfer, stacks, truth, changes');
  refuses(['link', '--bogus'], "unknown option '--bogus' (valid options: --out FILE, --help)");
  refuses(['link', '--out', 'a', '--out=b'], '--out given twice (give each option once)');
  refuses(['link', 'truth'], 'one bench at a time, got "link" and "truth"');
  // npm run bench transfer --out x.json: npm keeps --out (as true) and passes x.json on.
  refuses(['transfer', 'x.json'], 'npm took --out for itself (options go after --); did you mean: npm run bench -- transfer --out x.json', { npm_lifecycle_event: 'bench', npm_config_out: 'true' });
});
