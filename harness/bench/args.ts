// The bench CLI's arguments: `npm run bench -- NAME [--out FILE]`, `--help` lists the benches.
// Apart from the benches themselves, so the parsing is tested without starting one.
import { npmSlip } from '../cli/npm-slip.js';

export const BENCH_DESCRIPTIONS = {
  link: "the link emulator's fidelity and cost: delay accuracy under load, forwarding capacity against a plain veth pair, CPU per gigabit, achieved loss and rate",
  transfer: 'on a loss-free 20 Mbit/s, 40 ms link: iperf3 TCP, then 10 MB downloads over HTTP/2 and HTTP/3 through the harness, then gtlsclient bare',
  stacks: "every HTTP/3 stack with its own client: handshake round trips at 40 ms, 10 MB goodput against iperf3 and at 1% loss, 50 x 10 KB at 2% loss beside HTTP/2, the loopback ceiling, and the peers' build times",
  truth: 'every endpoint metric against the wire metric of the same definition, for every client of each scenario that moves data, on a 40 ms, 20 Mbit/s link',
  changes:
    'change detection without the lab: synthetic series of runs resampled from real result files ($CHANGES_BENCH_RESULTS, else results/*.json, else a fixture), steps of +10/20/50% and their detection delay in points, false alarms per 100 unchanged points',
} as const;

export type BenchName = keyof typeof BENCH_DESCRIPTIONS;

export class BenchUsageError extends Error {}

export type BenchArgs = { help: true } | { help: false; name: BenchName; out: string | undefined };

export function benchHelp(): string {
  const names = Object.keys(BENCH_DESCRIPTIONS) as BenchName[];
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Usage: npm run bench -- NAME [--out FILE]',
    '',
    'Runs one bench on the lab, prints its JSON on stdout and writes it to FILE',
    '(default: results/bench-NAME-<time>.json); progress goes to stderr.',
    '',
    'Benches:',
    ...names.map((name) => `  ${name.padEnd(width)}  ${BENCH_DESCRIPTIONS[name]}`),
    '',
    'Options:',
    '  --out FILE  where the JSON goes (default: results/bench-NAME-<time>.json)',
    '  -h, --help  this help',
    '',
  ].join('\n');
}

/** `env`: npm's variables, for options typed without `--` (npm run bench transfer --out x). */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): BenchArgs {
  if (env.npm_lifecycle_event === 'bench') {
    const slip = npmSlip({ script: 'bench', words: argv, maxWords: 1, options: [{ long: '--out', takesValue: true, placeholder: 'FILE' }] }, env);
    if (slip) throw new BenchUsageError(slip);
  }
  let name: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--out') {
      if (out !== undefined) throw new BenchUsageError('--out given twice (give each option once)');
      out = argv[++i];
      if (out === undefined || out.startsWith('--')) throw new BenchUsageError('--out needs a file name');
    } else if (arg.startsWith('--out=')) {
      if (out !== undefined) throw new BenchUsageError('--out given twice (give each option once)');
      out = arg.slice('--out='.length);
    } else if (arg.startsWith('-')) {
      throw new BenchUsageError(`unknown option '${arg}' (valid options: --out FILE, --help)`);
    } else if (name === undefined) {
      name = arg;
    } else {
      throw new BenchUsageError(`one bench at a time, got "${name}" and "${arg}"`);
    }
  }
  const valid = Object.keys(BENCH_DESCRIPTIONS).join(', ');
  if (name === undefined) throw new BenchUsageError(`name a bench: ${valid} (npm run bench -- --help describes them)`);
  if (!(name in BENCH_DESCRIPTIONS)) throw new BenchUsageError(`unknown bench "${name}"; choose one of: ${valid}`);
  return { help: false, name: name as BenchName, out };
}
