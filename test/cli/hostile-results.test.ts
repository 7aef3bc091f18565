// Result files a hostile user (or a slip) hands to report and compare: each refused at once
// with one line naming the file and exit code 2, nothing blocking, no stack trace; and text
// from a file never reaches the terminal as an escape sequence.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeResult } from '../../harness/results/write.js';
import { caseWithSamples, documentWithCases } from '../fixtures/result-document.js';
import { runCli } from '../fixtures/run-cli.js';

const values = [100, 101, 102, 103, 104, 105, 106, 107];
const run = (id = 'quic-h3-1MB') =>
  documentWithCases([
    caseWithSamples('tcp-tls-h2-1MB', 'tcp-tls', 'h2', { bodyBytes: 1_000_000, direction: 'down' }, { handshakeMs: values.map((v) => v * 2) }),
    caseWithSamples(id, 'quic', 'h3', { bodyBytes: 1_000_000, direction: 'down' }, { handshakeMs: values }),
  ]);

t.test('files that are not results, or not sane ones: one line each, exit 2, at once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-hostile-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const [good] = (await writeResult(run(), [join(dir, 'good.json')])) as [string];
  const path = (name: string) => join(dir, name);
  execFileSync('mkfifo', [path('fifo')]);
  // Sparse: 65 MiB on paper, nothing on disk; refused from its size, before any byte is read.
  await writeFile(path('huge.json'), '');
  await truncate(path('huge.json'), 65 * 2 ** 20);
  const deep = 100_000;
  await writeFile(path('deep.json'), `{"schemaVersion":3,"link":${'['.repeat(deep)}${']'.repeat(deep)}}`);
  const duplicate = run();
  duplicate.cases.push(structuredClone(duplicate.cases[0]!));
  await writeFile(path('duplicate.json'), JSON.stringify(duplicate));
  const linkDocument = (link: unknown) => JSON.stringify({ ...run(), link });
  await writeFile(path('link-null.json'), linkDocument(null));
  await writeFile(path('link-number.json'), linkDocument(5));
  await writeFile(path('link-configured.json'), linkDocument({ backend: 'emulator', profile: null, configured: { up: 5 }, achieved: null }));
  const rows: Array<[string, string]> = [
    [path('fifo'), `error: ${path('fifo')}: a FIFO, not a result file (give a result JSON file)`],
    [dir, `error: ${dir}: a directory, not a result file (give a result JSON file)`],
    ['/dev/zero', 'error: /dev/zero: a device, not a result file (give a result JSON file)'],
    [path('huge.json'), `error: ${path('huge.json')}: 65.0 MiB, over the 64 MiB a result file may have`],
    [path('deep.json'), `error: ${path('deep.json')}: nested more than 64 levels deep (a result nests less than 10; not a result file)`],
    [path('duplicate.json'), `error: ${path('duplicate.json')}: cases.2: case id "tcp-tls-h2-1MB" is already that of cases.0 (case ids are unique in a run)`],
    [path('link-null.json'), `error: ${path('link-null.json')}: link: Invalid input: expected object, received null`],
    [path('link-number.json'), `error: ${path('link-number.json')}: link: Invalid input: expected object, received number`],
    [`${dir}/\u001b[31mred.json`, `error: ${dir}/\\x1b[31mred.json: cannot read (ENOENT)`],
  ];
  for (const [file, expected] of rows) {
    for (const args of [
      ['report', file],
      ['compare', good, file],
    ]) {
      const started = Date.now();
      const result = await runCli(args);
      t.equal(result.code, 2, `${args.join(' ')}: exit 2`);
      t.equal(result.stderr, `${expected}\n`, `${args.join(' ')}: one line`);
      t.equal(result.stdout, '');
      t.ok(Date.now() - started < 5000, `${args.join(' ')}: at once (${Date.now() - started} ms)`);
    }
  }
  const configured = await runCli(['report', path('link-configured.json')]);
  t.equal(configured.code, 2);
  t.match(configured.stderr, /^error: .*link-configured\.json: link\.configured\.up: Invalid input: expected object, received number/);
  t.equal(configured.stderr.split('\n').length, 2, 'one line');
});

t.test('escape sequences and control characters in a case id are shown escaped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'qlab-hostile-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const [evil] = (await writeResult(run('quic\u001b]0;owned\u0007-h3\u001b[2J\u009b31m\u202e'), [join(dir, 'evil.json')])) as [string];
  for (const format of ['text', 'md', 'html']) {
    const result = await runCli(['report', evil, '--format', format]);
    t.equal(result.code, 0, result.stderr);
    // eslint-disable-next-line no-control-regex
    t.notMatch(result.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/, `${format}: no control character left`);
    t.match(result.stdout, 'quic\\x1b]0;owned\\x07-h3\\x1b[2J\\x9b31m\\u202e', `${format}: the id shown escaped`);
  }
  const compared = await runCli(['compare', evil, evil]);
  t.equal(compared.code, 0, compared.stderr);
  // eslint-disable-next-line no-control-regex
  t.notMatch(compared.stdout, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  t.match(compared.stdout, 'quic\\x1b]0;owned\\x07-h3');
});
