// The terminal summary: rows, failures, flags and unsupported variants.
import t from 'tap';
import { renderTextSummary } from '../../harness/report/text.js';
import { caseWithSamples, documentWithCases, labLink, sampleResultDocument } from '../fixtures/result-document.js';

t.test('table, failed sample, flag and unsupported variant', async (t) => {
  const document = sampleResultDocument();
  const quic = document.cases[0];
  if (!quic) throw new Error('fixture has a case');
  quic.samples[0] = { ...quic.samples[0], flags: ['handshakeMs 2.000 ms vs wireHandshakeMs 0.500 ms: apart by more than 1 ms'] } as (typeof quic.samples)[number];
  document.cases.push({
    ...quic,
    id: 'tcp-tls-h2-0rtt',
    protocol: 'tcp-tls',
    application: 'h2',
    unsupported: 'no early data in Node',
    samples: [],
    summary: {},
    timingSources: {},
  });
  t.equal(
    renderTextSummary(document, ['handshakeMs', 'ttfbMs']),
    [
      'handshake (loopback): 2 samples per case after 1 warm-up, status completed',
      'case             ok/n       handshakeMs',
      'quic-h3           1/2  2.00 (2.00-2.00)',
      'tcp-tls-h2-0rtt     -       unsupported',
      'median (p5-p95) of the successful samples, in the unit the metric name ends with',
      'failed samples (1):',
      '  quic-h3 #1: timed out',
      'flags (1, see "flags" in the result):',
      '  1x handshakeMs vs wireHandshakeMs: apart by more than 1 ms (quic-h3 1)',
      'tcp-tls-h2-0rtt: unsupported: no early data in Node',
      'QUIC vs TCP+TLS (QUIC median vs TCP+TLS median: ratio of medians with 95% CI, Mann-Whitney p):',
      '  1KB: QUIC (h3, ngtcp2) vs TCP+TLS (h2, ngtcp2): unsupported (no early data in Node)',
      "loopback: no link between the endpoints, so these ratios are the implementations' own costs, not the protocols on a network (give --profile for a lab link)",
      'bottom line: no numbers to compare (a side of every pair is unsupported or has no samples)',
      '',
    ].join('\n'),
  );
});

t.test('rates are shown in Mbit/s, and the header says so', async (t) => {
  const document = sampleResultDocument();
  const quic = document.cases[0];
  if (!quic) throw new Error('fixture has a case');
  quic.summary.goodputBitsPerSecond = { n: 1, median: 18_040_000, p5: 17_650_000, p95: 18_420_000, mean: 18_040_000, stddev: 0, min: 17_650_000, max: 18_420_000 };
  const table = renderTextSummary(document, ['goodputBitsPerSecond']).split('\n');
  t.equal(table[1], 'case     ok/n    goodput Mbit/s');
  t.equal(table[2], 'quic-h3   1/2  18.0 (17.6-18.4)');
});

t.test('the summary ends with the QUIC vs TCP+TLS verdict; three samples a side are too few to test', async (t) => {
  const document = documentWithCases(
    [caseWithSamples('tcp-tls-h2', 'tcp-tls', 'h2', { bodyBytes: 1000 }, { handshakeMs: [1200, 1208, 1215] }), caseWithSamples('quic-h3', 'quic', 'h3', { bodyBytes: 1000 }, { handshakeMs: [605, 609, 612] })],
    { link: labLink({ profile: 'satellite-geo' }, 'satellite-geo') },
  );
  const lines = renderTextSummary(document).split('\n');
  t.same(lines.slice(-5), [
    'QUIC vs TCP+TLS (QUIC median vs TCP+TLS median: ratio of medians with 95% CI, Mann-Whitney p):',
    '  1KB: QUIC (h3, ngtcp2) vs TCP+TLS (h2, node)',
    '    handshakeMs 609 ms vs 1208 ms: 0.50x (95% CI 0.50-0.51), too few samples to test (need at least 4 per side)',
    'bottom line: too few samples to test (need at least 4 per side): run more --samples',
    '',
  ]);
  const more = documentWithCases([
    caseWithSamples('tcp-tls-h2', 'tcp-tls', 'h2', { bodyBytes: 1000 }, { handshakeMs: [1200, 1208, 1215, 1220, 1190] }),
    caseWithSamples('quic-h3', 'quic', 'h3', { bodyBytes: 1000 }, { handshakeMs: [605, 609, 612, 600, 620] }),
  ]);
  const verdict = renderTextSummary(more).split('\n').slice(-5);
  t.equal(verdict[1], '    handshakeMs 609 ms vs 1208 ms: 0.50x (95% CI 0.50-0.51), QUIC better, p 0.012');
  t.match(verdict[2], /^loopback: /, 'loopback says what its ratios are');
  t.equal(verdict[3], 'bottom line, of 1 comparison: QUIC better in 1');
});
