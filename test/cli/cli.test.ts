// What a person sees from the CLI, including bad input: one line, exit code 2, no stack trace.
import t, { type Test } from 'tap';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../fixtures/run-cli.js';

/** In this process (a spawn per case took 1.5 s each); real processes are in cli-process.live.test.ts. */
async function expectUsageError(t: Test, args: string[], pattern: RegExp): Promise<void> {
  const result = await runCli(args);
  t.equal(result.code, 2, `${args.join(' ')}: exit 2`);
  t.match(result.stderr, pattern, `${args.join(' ')}: says what is wrong`);
  t.equal(result.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line`);
  t.notMatch(result.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
  t.equal(result.stdout, '', 'nothing on stdout');
}

t.test('bad input is one line and exit code 2', async (t) => {
  const resultsDir = await mkdtemp(join(tmpdir(), 'qlab-cli-'));
  t.teardown(() => rm(resultsDir, { recursive: true, force: true }));
  await expectUsageError(t, ['scenario', 'nosuch', '--results-dir', resultsDir], /scenario: unknown "nosuch" \(one of: handshake/);
  await expectUsageError(
    t,
    ['scenario', '--bogus'],
    /unknown option '--bogus' \(valid options: --list, --list-profiles, --samples, --warmup, --timeout, --out, --results-dir, --json, --quic-initial-rtt, --sizes, --direction, --objects, --message-size, --message-rate, --duration, --mix, --stagger, --message-probe, --variants, --server, --client, --target, --resolve, --ca, --via-lab, --max-bytes, --no-capture, --keep-captures, --no-wait, --link, --profile, --rtt,/,
  );
  await expectUsageError(t, ['scenario', 'handshake', '--variants', 'quic-h3-1rtt'], /handshake has no variant "quic-h3-1rtt"; its variants: tcp-tls-h1,/);
  await expectUsageError(t, ['scenario', 'handshake', '--server', 'apache'], /--server: unknown value "apache" \(one of: node, ngtcp2, quic-go, quiche, aioquic, caddy\)/);
  await expectUsageError(t, ['scenario', 'handshake', '--client', 'curl,wget'], /--client: unknown value "wget" \(one of: undici, ngtcp2, quic-go, quiche, aioquic, curl, chromium\)/);
  await expectUsageError(t, ['scenario', 'handshake', '--variants', 'quic-h3', '--client', 'curl'], /no case of handshake \(QUIC h3\) can run on --server its own with --client curl/);
  await expectUsageError(t, ['scenario', 'handshake', '--variants', 'quic-h3,'], /"quic-h3," has an empty item \(a comma-separated list, e.g. a,b\)/);
  await expectUsageError(t, ['scenario', 'handshake', '--no-capture', '--keep-captures', '/tmp/x'], /--keep-captures: drop --no-capture/);
  await expectUsageError(t, ['scenario', 'handshake', '--sizes', '1MB'], /--sizes, --direction: apply to transfer scenarios, not handshake/);
  await expectUsageError(t, ['scenario', 'throughput', '--sizes', '10'], /--sizes: "10" needs a unit/);
  await expectUsageError(t, ['scenario', 'throughput', '--direction', 'sideways'], /--direction: unknown value "sideways" \(one of: down, up\)/);
  await expectUsageError(t, ['scenario', 'throughput', '--cc', 'vegas'], /--cc: unknown value "vegas" \(one of: cubic, reno, bbr\)/);
  await expectUsageError(
    t,
    ['scenario', 'loss-recovery', '--link', 'loopback'],
    /loss-recovery runs on the lab only \(it changes the lab link during the run\): drop --link loopback \(the lab.s default link is the broadband profile\)/,
  );
  await expectUsageError(t, ['scenario', 'multiplexing', '--objects', '100x'], /--objects: "100x" is not COUNTxSIZE/);
  await expectUsageError(t, ['scenario', 'migration', '--link', 'loopback'], /migration runs on the lab only \(it changes the lab link during the run\): drop --link loopback/);
  await expectUsageError(t, ['scenario', 'smb-copy', '--link', 'loopback'], /smb-copy runs on the lab only \(its SMB server runs in the lab's server namespace\): drop --link loopback/);
  await expectUsageError(t, ['scenario', 'smb-copy', '--sizes', '2500001B'], /does not split into 3 equal reads/);
  await expectUsageError(t, ['scenario', 'multiplexing', '--objects', '100x10'], /--objects: size "10" needs a unit/);
  await expectUsageError(t, ['scenario', 'throughput', '--objects', '2x1MB'], /--objects: applies to page-load scenarios, not throughput/);
  await expectUsageError(t, ['scenario', '--samples', '0'], /--samples: 0 is out of range \(1 to 100000\)/);
  await expectUsageError(t, ['scenario', '--samples', 'ten'], /--samples: "ten" is not a whole number \(1 to 100000\)/);
  await expectUsageError(t, ['scenario', '--samples'], /argument missing/);
  await expectUsageError(t, ['scenario', '--timeout', '10'], /"10" is not a duration \(a number with a unit/);
  await expectUsageError(t, ['certs', '--key-type', 'rsa1024'], /--key-type: unknown value "rsa1024" \(one of: rsa2048, rsa4096, ecdsa-p256\)/);
  await expectUsageError(t, ['certs', '--intermediates', '5'], /--intermediates: 5 is out of range \(0 to 3\)/);
  await expectUsageError(t, ['scenario', '--rtt', '60'], /--rtt "60" needs a unit: us, ms or s/);
  await expectUsageError(t, ['scenario', '--profile', '4G'], /^error: --profile: unknown profile "4G", did you mean "4g"\? \(one of: lan,/);
  await expectUsageError(t, ['scenario', '--samples', 'ten'], /^error: --samples: "ten" is not a whole number \(1 to 100000\)\n$/);
  await expectUsageError(t, ['scenario', '--profile', 'moon'], /--profile: unknown profile "moon" \(one of: lan, broadband, cable, dsl, 4g, 3g, 2g-rural/);
  await expectUsageError(t, ['scenario', '--rtt', '60ms', '--delay', '30ms'], /give --rtt .* or --delay .*, not both/);
  await expectUsageError(t, ['scenario', '--loss', '1'], /loss "1" must be a percentage/);
  await expectUsageError(t, ['scenario', '--link', 'carrier-pigeon'], /--link: unknown value "carrier-pigeon" \(one of: emulator, netem, auto, loopback\)/);
  await expectUsageError(t, ['scenario', '--link', 'loopback', '--rtt', '60ms'], /link options need the lab/);
  // Output paths and ranges are checked before anything is set up (no lab, no endpoint).
  await expectUsageError(t, ['scenario', 'handshake', '--link', 'loopback', '--out', '/proc/nope/x.json'], /--out: \/proc\/nope does not exist/);
  await expectUsageError(t, ['scenario', 'handshake', '--link', 'loopback', '--out', '/proc/x.json'], /--out: \/proc is on a kernel file system/);
  await expectUsageError(t, ['scenario', 'handshake', '--link', 'loopback', '--out', resultsDir], /--out: .* is a directory; give a file name/);
  await expectUsageError(t, ['scenario', 'handshake', '--link', 'loopback', '--results-dir', '/nonexistent-parent/results'], /--results-dir: \/nonexistent-parent does not exist/);
  await expectUsageError(t, ['scenario', 'handshake', '--link', 'loopback', '--keep-captures', '/sys/x'], /--keep-captures: \/sys is on a kernel file system/);
  await expectUsageError(t, ['scenario', 'handshake', '--link', 'loopback', '--timeout', `${'9'.repeat(400)}s`], /^error: --timeout: "9{400}s" is out of range \(at most 2147483647 ms\)\n$/);
  await expectUsageError(t, ['scenario', 'handshake', '--link', 'loopback', '--timeout', '2147483s'], /^error: --timeout: 2147483000 ms is out of range \(1 to 86400000 ms\)\n$/);
  // Link values beyond what the emulator takes: refused before the lab is built.
  await expectUsageError(t, ['scenario', 'handshake', '--rtt', '99999999999ms'], /^error: --rtt: "99999999999ms" is out of range \(0 to 2000000000ms\)\n$/);
  await expectUsageError(t, ['scenario', 'handshake', '--rate', '999999gbit'], /^error: --rate: "999999gbit" is out of range \(1kbit to 10000gbit\)\n$/);
  await expectUsageError(t, ['scenario', 'handshake', '--queue', '99999999999'], /^error: --queue: "99999999999" is out of range \(1 to 4294967296 packets\)\n$/);
  await expectUsageError(t, ['lab', 'up', '--rtt', '99999999999ms'], /^error: --rtt: "99999999999ms" is out of range \(0 to 2000000000ms\)\n$/);
  await expectUsageError(t, ['scenario', 'handshake', '--link', 'loopback', '--quic-initial-rtt', '1500us'], /--quic-initial-rtt: 1.5 ms is not a whole number of ms \(1 to 60000 ms\)/);
  await expectUsageError(t, ['scenario', 'calibration', '--link', 'loopback'], /calibration runs on the lab only \(it measures the lab link\)/);
  await expectUsageError(t, ['frobnicate'], /unknown command 'frobnicate' \(commands: scenario, campaign, report, compare, smb-probe, h3-probe, target-files, lab, history, certs, schema\)/);
  t.same(await readdir(resultsDir), [], 'no result file for a refused run');
});
