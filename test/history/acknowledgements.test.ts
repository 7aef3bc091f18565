// The acknowledgements file: good entries by seriesId and by case, and bad input named by its line.
import t, { type Test } from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acknowledgementsFor, AcknowledgementsError, parseAcknowledgements, readAcknowledgements } from '../../harness/history/acknowledgements.js';

const GOOD = `# known shifts
acknowledgements:
  - seriesId: 3f2a9c
    runId: handshake-20261201T000000Z-aaaaaa
    reason: ngtcp2 1.12 enlarged the initial window
  - scenario: handshake
    caseId: quic-h3
    metric: handshakeMs
    runId: handshake-20261202T000000Z-bbbbbb
    reason: kernel 6.8 on the lab host
`;

t.test('a good file: entries with their lines, matched to a series', async (t) => {
  const entries = parseAcknowledgements(GOOD, 'known.yaml');
  t.strictSame(entries, [
    { line: 3, seriesId: '3f2a9c', scenario: null, caseId: null, metric: null, runId: 'handshake-20261201T000000Z-aaaaaa', reason: 'ngtcp2 1.12 enlarged the initial window' },
    { line: 6, seriesId: null, scenario: 'handshake', caseId: 'quic-h3', metric: 'handshakeMs', runId: 'handshake-20261202T000000Z-bbbbbb', reason: 'kernel 6.8 on the lab host' },
  ]);
  const series = { seriesId: '3f2a9c', scenario: 'handshake', caseId: 'quic-h3', metric: 'handshakeMs' };
  t.strictSame(
    [...acknowledgementsFor(entries, series)],
    [
      ['handshake-20261201T000000Z-aaaaaa', 'ngtcp2 1.12 enlarged the initial window'],
      ['handshake-20261202T000000Z-bbbbbb', 'kernel 6.8 on the lab host'],
    ],
  );
  t.strictSame([...acknowledgementsFor(entries, { ...series, seriesId: 'other', metric: 'ttfbMs' })], []);
  t.strictSame([...acknowledgementsFor(entries, { ...series, seriesId: 'other' })], [['handshake-20261202T000000Z-bbbbbb', 'kernel 6.8 on the lab host']]);
});

t.test('JSON is accepted; an empty file or list dismisses nothing', async (t) => {
  t.strictSame(parseAcknowledgements('{"acknowledgements": [{"seriesId": "a", "runId": "r", "reason": "x"}]}'), [{ line: 1, seriesId: 'a', scenario: null, caseId: null, metric: null, runId: 'r', reason: 'x' }]);
  t.strictSame(parseAcknowledgements(''), []);
  t.strictSame(parseAcknowledgements('acknowledgements: []\n'), []);
});

function refuses(t: Test, text: string, message: string, line: number | null): void {
  t.throws(() => parseAcknowledgements(text, 'known.yaml'), { constructor: AcknowledgementsError, message, line }, message);
}

t.test('bad files: one error naming the line', async (t) => {
  refuses(t, GOOD.replace('    reason: kernel', '    resaon: kernel'), 'known.yaml:10: unknown field "resaon" (valid fields: seriesId, scenario, caseId, metric, runId, reason)', 10);
  refuses(t, GOOD.replace('    reason: kernel 6.8 on the lab host\n', ''), 'known.yaml:6: missing "reason": say why the change is known', 6);
  refuses(t, GOOD.replace('    runId: handshake-20261201T000000Z-aaaaaa\n', ''), 'known.yaml:3: missing "runId": the run where the change starts', 3);
  refuses(t, GOOD.replace('    metric: handshakeMs\n', ''), 'known.yaml:6: name the series: seriesId, or all of scenario, caseId and metric (missing metric)', 6);
  refuses(t, GOOD.replace('  - seriesId: 3f2a9c\n', '  - seriesId: 3f2a9c\n    caseId: quic-h3\n'), 'known.yaml:3: name the series by seriesId or by scenario, caseId and metric, not both', 3);
  refuses(t, GOOD.replace('reason: ngtcp2 1.12 enlarged the initial window', 'reason: ""'), 'known.yaml:5: "reason" must be a non-empty string (quote a value that looks like a number)', 5);
  refuses(t, GOOD.replace('runId: handshake-20261201T000000Z-aaaaaa', 'runId: 12345'), 'known.yaml:4: "runId" must be a non-empty string (quote a value that looks like a number)', 4);
  refuses(t, GOOD + 'extra: 1\n', 'known.yaml:11: unknown field "extra" (the file holds one field: acknowledgements)', 11);
  refuses(t, GOOD.replace('    reason: kernel', '   reason: kernel'), 'known.yaml:10: Sequence item without - indicator', 10);
  refuses(t, GOOD.replace('    reason: kernel', '    runId: again\n    reason: kernel'), 'known.yaml:10: Map keys must be unique', 10);
  refuses(t, '- a list\n', 'known.yaml:1: expected a mapping with an "acknowledgements" list', 1);
  refuses(t, 'acknowledgements: yes\n', 'known.yaml:1: "acknowledgements" must be a list of entries', 1);
  refuses(t, 'acknowledgements:\n  - just a string\n', 'known.yaml:2: each acknowledgement must be a mapping with runId, reason and the series', 2);
  refuses(t, `${GOOD}  - seriesId: 3f2a9c\n    runId: handshake-20261201T000000Z-aaaaaa\n    reason: twice\n`, 'known.yaml:11: the same series and runId are acknowledged already on line 3', 11);
});

t.test('readAcknowledgements names the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'acks-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'known.yaml');
  await writeFile(path, 'acknowledgements:\n  - seriesId: a\n    runId: r\n');
  await t.rejects(readAcknowledgements(path), { message: `${path}:2: missing "reason": say why the change is known` });
});
