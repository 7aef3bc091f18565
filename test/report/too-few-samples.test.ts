// Three samples a side: every report says the test could not decide, not "no significant difference".
import t from 'tap';
import { compareRuns } from '../../harness/analysis/run-comparison.js';
import { comparisonTable } from '../../harness/report/compare-report.js';
import { renderMarkdownReport } from '../../harness/report/markdown.js';
import { reportPairs } from '../../harness/report/report-parts.js';
import { caseWithSamples, documentWithCases } from '../fixtures/result-document.js';

const options = { seed: 1, alpha: 0.05, resamples: 200 };
const run = (tcp: number[], quic: number[]) =>
  documentWithCases([caseWithSamples('tcp-tls-h2', 'tcp-tls', 'h2', { bodyBytes: 1000 }, { handshakeMs: tcp }), caseWithSamples('quic-h3', 'quic', 'h3', { bodyBytes: 1000 }, { handshakeMs: quic })]);

t.test('compare marks a change it cannot test', async (t) => {
  const comparison = compareRuns([run([100, 101, 102], [50, 51, 52]), run([200, 201, 202], [50, 51, 52])], { ...options, threshold: 0.05 });
  const table = comparisonTable(comparison, 2);
  t.same(
    table.rows.map((row) => row[row.length - 1]),
    ['too few samples to test (need at least 4 per side)', 'too few samples to test (need at least 4 per side)'],
  );
});

t.test('the Markdown table says so in its verdict column', async (t) => {
  const document = run([1200, 1208, 1215], [605, 609, 612]);
  const markdown = renderMarkdownReport([document], options, reportPairs([document], options));
  t.match(markdown, /\| handshakeMs \| 609 ms \| 1208 ms \| 0\.50 \(0\.50-0\.51\) \| 0\.081 \| too few samples to test \(need at least 4 per side\) \|/);
  t.notMatch(markdown, /no significant difference/);
});
