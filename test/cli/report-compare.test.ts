// report and compare through the real CLI: formats, exit codes (0 fine, 1 regression, 2 bad
// input) and a one-line error naming the file for every kind of bad input.
import t, { type Test } from 'tap';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findScenario } from '../../scenarios/index.js';
import { readResult } from '../../harness/results/read.js';
import { writeResult } from '../../harness/results/write.js';
import { caseWithSamples, documentWithCases, labLink, sampleResultDocument } from '../fixtures/result-document.js';
import { runCli } from '../fixtures/run-cli.js';

const base = [100, 101, 102, 103, 104, 105, 106, 107];
const run = (scale: number, scenario = 'throughput') =>
  documentWithCases(
    [
      caseWithSamples('tcp-tls-h2-1MB', 'tcp-tls', 'h2', { bodyBytes: 1_000_000, direction: 'down' }, { handshakeMs: base.map((v) => v * 2) }),
      caseWithSamples('quic-h3-1MB', 'quic', 'h3', { bodyBytes: 1_000_000, direction: 'down' }, { handshakeMs: base.map((v) => v * scale) }),
    ],
    { scenario },
  );

async function files(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-compare-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = async (name: string, document: ReturnType<typeof run>) => (await writeResult(document, [join(dir, name)]))[0] as string;
  return { dir, a: await path('a.json', run(1)), same: await path('same.json', run(1)), slower: await path('slower.json', run(1.3)), faster: await path('faster.json', run(0.7)) };
}

t.test('compare: 0 without a regression, 1 with one, markdown for CI, a trend over several runs', async (t) => {
  const { dir, a, same, slower, faster } = await files(t);
  const unchanged = await runCli(['compare', a, same]);
  t.equal(unchanged.code, 0, unchanged.stderr);
  t.match(unchanged.stdout, /0 significant regressions beyond 5%, 0 significant improvements/);
  const regressed = await runCli(['compare', a, slower]);
  t.equal(regressed.code, 1);
  t.match(regressed.stdout, /quic-h3-1MB\s+loopback\s+handshakeMs\s+104 ms\s+135 ms\s+1\.30 \(1\.2\d-1\.3\d\)\s+<0\.001\s+0\.002\s+REGRESSION/);
  t.match(regressed.stdout, /1 significant regression beyond 5%/);
  t.equal((await runCli(['compare', a, slower, '--threshold', '40%'])).code, 0, 'a 30% change is within 40%');
  const improved = await runCli(['compare', a, faster, '--format', 'md', '--out', join(dir, 'compare.md')]);
  t.equal(improved.code, 0);
  const md = await readFile(join(dir, 'compare.md'), 'utf8');
  t.match(md, /^# QUIC lab: compare/);
  t.match(md, /\| case \| profile \| metric \| #1 median \| #2 median \| #2 \/ #1 \(95% CI\) \| p \| p holm \| {2}\|/);
  t.match(md, /\| :--- \| :--- \| :--- \| ---: \| ---: \| ---: \| ---: \| ---: \| :--- \|/, 'numbers right-aligned');
  t.match(md, /improvement \|/);
  const trend = await runCli(['compare', a, same, faster, slower]);
  t.equal(trend.code, 1, 'the last run against the first');
  t.match(trend.stdout, /#1 median\s+#2 median\s+#3 median\s+#4 median/);
});

t.test('compare warns when the environments differ', async (t) => {
  const { dir, a } = await files(t);
  const other = run(1);
  other.host.kernel = '6.12.0-other';
  const [b] = await writeResult(other, [join(dir, 'kernel.json')]);
  const result = await runCli(['compare', a, b as string]);
  t.equal(result.code, 0);
  t.match(result.stderr, /warning: kernel differs: 6\.1\.0 \(#1\) vs 6\.12\.0-other \(#2\)/);
  t.match(result.stdout, /warning: kernel differs/);
});

t.test('bad input: one line naming the file, exit 2, no stack trace', async (t) => {
  const { dir, a } = await files(t);
  const good = JSON.stringify(run(1));
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };
  const [handshake] = await writeResult(run(1, 'handshake'), [join(dir, 'handshake.json')]);
  const cases: Array<[string[], RegExp]> = [
    [[a, await write('truncated.json', good.slice(0, 200))], /truncated\.json: not JSON \(truncated or not a result file\)/],
    [[a, await write('text.json', 'not json at all')], /text\.json: not JSON/],
    [[a, await write('v9.json', JSON.stringify({ ...run(1), schemaVersion: 9 }))], /v9\.json: schemaVersion 9 is not supported \(this tool reads 1-3\)/],
    [
      [a, await write('kind.json', JSON.stringify({ ...run(1), cases: run(1).cases.map((c) => ({ ...c, workload: { kind: 'download', bodyBytes: 1_000_000 } })) }))],
      /kind\.json: cases\.0\.workload\.kind: Invalid discriminator value\. Expected 'handshake' \| 'transfer' \| 'batch' \| 'copy'/,
    ],
    [[a, await write('missing.json', JSON.stringify({ ...run(1), host: undefined }))], /missing\.json: host: /],
    [[a, await write('package.json', JSON.stringify({ name: 'x' }))], /package\.json: not a QUIC lab result/],
    [[a, handshake as string], /handshake\.json: a result of scenario handshake, but .*a\.json is of throughput/],
    [[a, join(dir, 'absent.json')], /absent\.json: cannot read \(ENOENT\)/],
    [[a, a, '--threshold', 'five'], /--threshold "five" must be a percentage/],
    [[a, a, '--metrics', 'nope'], /--metrics: no metric nope in these runs/],
    [[a], /missing required argument 'runs'/],
  ];
  for (const [args, expected] of cases) {
    const result = await runCli(['compare', ...args]);
    t.equal(result.code, 2, args.join(' '));
    t.match(result.stderr, expected);
    t.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
    t.equal(result.stdout, '');
  }
  const empty = documentWithCases([caseWithSamples('quic-h3-10MB', 'quic', 'h3', { bodyBytes: 10_000_000 }, { handshakeMs: base })]);
  const [other] = await writeResult(empty, [join(dir, 'other.json')]);
  const nothing = await runCli(['compare', a, other as string]);
  t.equal(nothing.code, 2);
  t.match(nothing.stderr, /other\.json: no case matches one of .*a\.json/);
  const report = await runCli(['report', join(dir, 'truncated.json')]);
  t.equal(report.code, 2);
  t.match(report.stderr, /truncated\.json: not JSON/);
  t.equal((await runCli(['report', a, '--format', 'pdf'])).code, 2);
  t.same(
    (await readdir(dir)).filter((f) => f.startsWith('.') || f.endsWith('.tmp')),
    [],
    'no temporary files left',
  );
});

t.test('report: text and md of one run, several runs in one report, format from --out', async (t) => {
  const { dir, a } = await files(t);
  const text = await runCli(['report', a]);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /^throughput \(loopback\): 2 samples per case/);
  t.match(text.stdout, /QUIC vs TCP\+TLS\nprofile\s+workload\s+cases\s+metric/);
  t.match(text.stdout, /loopback\s+1MB\s+quic-h3-1MB vs tcp-tls-h2-1MB\s+handshakeMs\s+104 ms\s+207 ms\s+0\.50 \(0\.4\d-0\.5\d\)\s+<0\.001\s+QUIC better/);
  const out = join(dir, 'report.md');
  const md = await runCli(['report', a, '--out', out]);
  t.equal(md.code, 0);
  t.match(md.stderr, /wrote .*report\.md/);
  const markdown = await readFile(out, 'utf8');
  t.match(markdown, /^# throughput: QUIC vs TCP\+TLS 1\.3\n/);
  t.match(markdown, /\n## Run `handshake-20261126T070000Z-abcdef`\n/);
  t.match(markdown, /\| case \| ok\/n \| handshakeMs \|\n\| :--- \| ---: \| ---: \|\n\| tcp-tls-h2-1MB \| 8\/8 \| 207 \(200-214\) \|/);
  t.match(markdown, /\n## QUIC vs TCP\+TLS\n\n\| profile \| workload \| cases \| metric \| QUIC median \| TCP\+TLS median \| QUIC \/ TCP\+TLS \(95% CI\) \| p \| verdict \|/);
  t.match(markdown, /\| loopback \| 1MB \| quic-h3-1MB vs tcp-tls-h2-1MB \| handshakeMs \| 104 ms \| 207 ms \| 0\.50 \(0\.4\d-0\.5\d\) \| <0\.001 \| QUIC better \|/);
  t.match(markdown, /seed 1\)/);
  t.match(markdown, /\n## Environment\n/);
  const seeded = await runCli(['report', a, '--format', 'md', '--seed', '42']);
  t.match(seeded.stdout, /seed 42\)/);
  const two = await runCli(['report', a, a, '--format', 'md']);
  t.equal((two.stdout.match(/\n## Run /g) ?? []).length, 2);
});

t.test('a real v1 result of an earlier version reports through its migration', async (t) => {
  const result = await runCli(['report', resolve(import.meta.dirname, '../fixtures/results/handshake-v1.json'), '--format', 'md']);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /\| handshake-loss \| 1KB \| quic-h3 vs tcp-tls-h2 \| handshakeMs \|/);
  t.ok(sampleResultDocument());
});

t.test('a real v2 result reports through its migration, and compares with the same run written as v3', async (t) => {
  const v2 = resolve(import.meta.dirname, '../fixtures/results/handshake-v2.json');
  const report = await runCli(['report', v2, '--format', 'md']);
  t.equal(report.code, 0, report.stderr);
  t.match(report.stdout, /\| loopback \| 1KB \| quic-h3 vs tcp-tls-h2 \| handshakeMs \|/);
  t.match(report.stdout, /\| loopback \| 1KB resumed \| quic-h3-resumed vs tcp-tls-h2-resumed \| handshakeMs \|/);
  const dir = await mkdtemp(join(tmpdir(), 'qlab-compare-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const [v3] = await writeResult(await readResult(v2, findScenario), [join(dir, 'v3.json')]);
  t.equal((JSON.parse(await readFile(v3 as string, 'utf8')) as { schemaVersion: number }).schemaVersion, 3);
  const compared = await runCli(['compare', v2, v3 as string, '--format', 'md']);
  t.equal(compared.code, 0, compared.stderr);
  t.notMatch(compared.stdout, /only in/i, 'every case of the v2 file pairs with its v3 copy');
  t.match(compared.stdout, /quic-h3-resumed/);
});

t.test('compare states its correction: in the first line, and as a field in --json', async (t) => {
  const { a, slower } = await files(t);
  const text = await runCli(['compare', a, slower]);
  t.match(text.stdout, /^False alarms: Holm correction over a family of 2 tests, alpha 0\.05 \(controls the family-wise error rate\)\.\n/);
  const md = await runCli(['compare', a, slower, '--format', 'md', '--correction', 'bh']);
  t.match(md.stdout, /^# QUIC lab: compare\n\nFalse alarms: Benjamini-Hochberg correction over a family of 2 tests, alpha 0\.05/);
  t.match(md.stdout, /\| p \| p bh \| {2}\|/);
  const json = await runCli(['compare', a, slower, '--json']);
  t.equal(json.code, 1, 'the exit code does not depend on the format');
  const parsed = JSON.parse(json.stdout) as { correction: unknown; regressions: number; cases: Array<{ caseId: string; metrics: Array<{ label: string; adjustedPValue: number }> }> };
  t.same(parsed.correction, { method: 'holm', familySize: 2, alpha: 0.05 });
  t.equal(parsed.regressions, 1);
  t.same(
    parsed.cases.map((c) => [c.caseId, c.metrics[0]?.label]),
    [
      ['tcp-tls-h2-1MB', 'not significant'],
      ['quic-h3-1MB', 'regression'],
    ],
  );
  t.equal((await runCli(['compare', a, slower, '--correction', 'sidak'])).code, 2);
});

t.test('runs on different links: the settings that differ, and --across-links pairs them with a caveat', async (t) => {
  const { dir, a } = await files(t);
  const onLink = (options: Parameters<typeof labLink>[0], scale = 1) => ({ ...run(scale), link: labLink(options) });
  const [near] = await writeResult(onLink({ rtt: '30ms' }), [join(dir, 'near.json')]);
  const [far] = await writeResult(onLink({ rtt: '60ms', loss: '1%' }, 1.3), [join(dir, 'far.json')]);
  const apart = await runCli(['compare', near as string, far as string]);
  t.equal(apart.code, 2);
  t.match(
    apart.stderr,
    /far\.json: no case matches one of .*near\.json on the same link: the runs were made on different links \(delay each way: 15 ms \(#1\) vs 30 ms \(#2\); loss each way: 0% \(#1\) vs 1% \(#2\)\); --across-links pairs cases by scenario, case id and parameters\n$/,
  );
  t.equal(apart.stderr.trim().split('\n').length, 1, 'one line');
  const across = await runCli(['compare', near as string, far as string, '--across-links']);
  t.equal(across.code, 1, 'paired, and the 30% slower QUIC case is a regression');
  const caveat = "caveat: cases paired across different links (--across-links), so a change may be the link's: delay each way: 15 ms (#1) vs 30 ms (#2); loss each way: 0% (#1) vs 1% (#2)";
  t.ok(across.stdout.includes(`\n${caveat}\n`), 'in the output');
  t.ok(across.stderr.includes(`${caveat}\n`), 'and on stderr');
  t.match(across.stdout, /quic-h3-1MB\s+added round trip 30 ms vs added round trip 60 ms, loss 1%\s+handshakeMs\s+104 ms\s+135 ms/);
  const loopback = await runCli(['compare', a, near as string]);
  t.match(loopback.stderr, /on the same link: the runs were made on different links \(backend: loopback \(#1\) vs emulator \(#2\); conditions: not configured \(#1\) vs added round trip 30 ms \(#2\)\)/);
  const json = JSON.parse((await runCli(['compare', near as string, far as string, '--across-links', '--json'])).stdout) as { acrossLinks: boolean; caveats: string[] };
  t.same([json.acrossLinks, json.caveats], [true, [caveat.slice('caveat: '.length)]]);
});
