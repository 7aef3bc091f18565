// The pass/fail/unsupported table of an interop run, in the model and in the text, Markdown
// and HTML reports.
import t from 'tap';
import { verdictTable } from '../../harness/report/interop-table.js';
import { renderTextSummary } from '../../harness/report/text.js';
import { renderMarkdownReport } from '../../harness/report/markdown.js';
import { renderHtmlReport } from '../../harness/report/html.js';
import { DEFAULT_COMPARISON_OPTIONS } from '../../harness/analysis/sample-comparison.js';
import { caseWithSamples, documentWithCases } from '../fixtures/result-document.js';
import type { ResultCase } from '../../harness/results/schema.js';

const judged = (id: string, client: string, server: string, verdict: NonNullable<ResultCase['verdict']>): ResultCase => {
  const c = caseWithSamples(id, 'quic', 'h3', { bodyBytes: 1000 }, verdict.status === 'unsupported' ? {} : { handshakeMs: [30] });
  return { ...c, client: { ...c.client, implementation: client }, server: { ...c.server, implementation: server }, verdict, ...(verdict.status === 'unsupported' ? { unsupported: verdict.reason } : {}) };
};
const NO_RESUME = 'chromium: no resumed sessions (each page load uses a fresh browser profile)';
const cases = [
  judged('handshake@ngtcp2/ngtcp2', 'ngtcp2-gtlsclient', 'ngtcp2-gtlsserver', { status: 'passed' }),
  judged('handshake@caddy/chromium', 'chromium', 'caddy', { status: 'failed', reason: 'timed out (every sample failed; the first: sample 0)' }),
  judged('resumption@ngtcp2/ngtcp2', 'ngtcp2-gtlsclient', 'ngtcp2-gtlsserver', { status: 'passed' }),
  judged('resumption@caddy/chromium', 'chromium', 'caddy', { status: 'unsupported', reason: NO_RESUME }),
  judged('zerortt@caddy/chromium', 'chromium', 'caddy', { status: 'unsupported', reason: NO_RESUME }),
];
const document = documentWithCases(cases, { scenario: 'interop' });

t.test('a row per client and server, a column per test, notes numbered by reason', async (t) => {
  const table = verdictTable(document);
  t.same(table?.table.header, ['client', 'server', 'handshake', 'resumption', 'zerortt']);
  t.same(table?.table.rows, [
    ['ngtcp2-gtlsclient', 'ngtcp2-gtlsserver', 'passed', 'passed', ''],
    ['chromium', 'caddy', 'failed [1]', 'unsupported [2]', 'unsupported [2]'],
  ]);
  t.same(table?.notes, ['[1] timed out (every sample failed; the first: sample 0)', `[2] ${NO_RESUME}`]);
  t.same(table?.counts, { passed: 2, failed: 1, unsupported: 2, unavailable: 0 });
  t.equal(verdictTable(documentWithCases(cases.map(({ verdict: _v, ...c }) => c))), null, 'no verdicts: no table');
});

const TEXT_TABLE = [
  'verdicts (2 passed, 1 failed, 2 unsupported):',
  'client             server             handshake   resumption       zerortt',
  'ngtcp2-gtlsclient  ngtcp2-gtlsserver  passed      passed',
  'chromium           caddy              failed [1]  unsupported [2]  unsupported [2]',
  '[1] timed out (every sample failed; the first: sample 0)',
  `[2] ${NO_RESUME}`,
].join('\n');

t.test('text: the table and its notes after the summary', async (t) => {
  const text = renderTextSummary(document);
  t.ok(text.includes(TEXT_TABLE), text);
});

t.test('Markdown: the table and its notes as a list', async (t) => {
  const md = renderMarkdownReport([document], DEFAULT_COMPARISON_OPTIONS, []);
  const expected = [
    'Verdicts (2 passed, 1 failed, 2 unsupported):',
    '',
    '| client | server | handshake | resumption | zerortt |',
    '| :--- | :--- | :--- | :--- | :--- |',
    '| ngtcp2-gtlsclient | ngtcp2-gtlsserver | passed | passed |  |',
    '| chromium | caddy | failed [1] | unsupported [2] | unsupported [2] |',
    '',
    '- [1] timed out (every sample failed; the first: sample 0)',
    `- [2] ${NO_RESUME}`,
  ].join('\n');
  t.ok(md.includes(expected), md);
});

t.test('HTML: the table and its notes, escaped', async (t) => {
  const html = await renderHtmlReport([document], DEFAULT_COMPARISON_OPTIONS, []);
  t.ok(html.includes('<h3>Verdicts: 2 passed, 1 failed, 2 unsupported</h3>'));
  t.ok(
    html.includes(
      '<table class="verdicts"><thead><tr><th class="left">client</th><th class="left">server</th><th class="left">handshake</th><th class="left">resumption</th><th class="left">zerortt</th></tr></thead><tbody>' +
        '<tr><td class="left">ngtcp2-gtlsclient</td><td class="left">ngtcp2-gtlsserver</td><td class="left">passed</td><td class="left">passed</td><td class="left"></td></tr>' +
        '<tr><td class="left">chromium</td><td class="left">caddy</td><td class="left">failed [1]</td><td class="left">unsupported [2]</td><td class="left">unsupported [2]</td></tr></tbody></table>',
    ),
  );
  t.ok(html.includes('<ul class="note"><li>[1] timed out (every sample failed; the first: sample 0)</li><li>[2] chromium: no resumed sessions (each page load uses a fresh browser profile)</li></ul>'));
});
