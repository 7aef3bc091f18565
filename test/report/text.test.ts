// The terminal summary: rows, failures, flags and unsupported variants.
import t from 'tap';
import { renderTextSummary } from '../../harness/report/text.js';
import { sampleResultDocument } from '../fixtures/result-document.js';

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
      'flagged (1, see "flags" in the result):',
      '  quic-h3 #0: handshakeMs 2.000 ms vs wireHandshakeMs 0.500 ms: apart by more than 1 ms',
      'tcp-tls-h2-0rtt: unsupported: no early data in Node',
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
