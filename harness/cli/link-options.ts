// The link options every lab command shares (scenario, lab up, calibration): declared once,
// resolved once into LinkConditions. Values keep their units as strings until resolved, so
// errors can quote what the user typed.
import { Option, type Command } from 'commander';
import { TCP_CONGESTION_CONTROLS } from '../lab/lab.js';
import { profileNames } from '../lab/profiles.js';
import { oneOf } from '../options/parse.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Options given more than once on purpose (each adds one); every other option given twice is refused. */
export const REPEATABLE_OPTIONS: ReadonlySet<string> = new Set(['--outage', '--rebind']);

export function addLinkOptions(command: Command): Command {
  return command
    .addOption(new Option('--link <backend>', 'link backend: emulator, netem, auto, or loopback (no lab)').argParser(oneOf('--link', ['emulator', 'netem', 'auto', 'loopback'] as const)))
    .option('--profile <name>', `named link profile (${profileNames().join(', ')})`)
    .option('--rtt <time>', 'added round trip, split evenly (e.g. 60ms)')
    .option('--delay <time>', 'one-way delay, each direction (e.g. 30ms)')
    .option('--up-delay <time>', 'one-way delay, client to server')
    .option('--down-delay <time>', 'one-way delay, server to client')
    .option('--jitter <time>', 'uniform jitter, each direction (packets stay in order)')
    .option('--up-jitter <time>', 'jitter, client to server')
    .option('--down-jitter <time>', 'jitter, server to client')
    .option('--jitter-reorders', 'let jitter reorder packets (as netem does by default)')
    .option('--loss <percent>', 'random loss, each direction (e.g. 1%)')
    .option('--up-loss <percent>', 'random loss, client to server')
    .option('--down-loss <percent>', 'random loss, server to client')
    .option('--burst-loss <rate:burst>', 'Gilbert-Elliott loss: average rate and mean burst in packets (e.g. 2%:3)')
    .option('--reorder <percent>', 'share of packets sent ahead of the others')
    .option('--duplicate <percent>', 'share of packets duplicated')
    .option('--corrupt <percent>', 'share of packets with a flipped bit')
    .option('--rate <rate>', 'rate limit, each direction (e.g. 50mbit)')
    .option('--up-rate <rate>', 'rate limit, client to server')
    .option('--down-rate <rate>', 'rate limit, server to client')
    .option('--queue <limit>', 'queue before the rate limit: packets (25) or bytes (64kib); default one bandwidth-delay product, at least 10 packets')
    .option('--outage <start+duration>', 'blackhole both directions, e.g. 2s+500ms (repeatable)', collect)
    .option('--rebind <at:kind>', 'NAT rebinding of the client: 1s:port or 1s:address (repeatable)', collect)
    .option('--seed <n>', 'seed of every random choice of the link')
    .option('--cc <name>', 'congestion control of both transports: TCP in both namespaces and ngtcp2 (cubic, reno, bbr; default cubic)', oneOf('--cc', TCP_CONGESTION_CONTROLS));
}
