// Numbers by unit: counts whole, 0/1 metrics as yes n/m, rates in Mbit/s in every table.
import t from 'tap';
import { formatCount, formatMetricValue, isYesNoMetric } from '../../harness/report/format.js';
import { payloadCapacity } from '../../harness/measure/payload-capacity.js';
import { formatSummaryCell, linkTable, noteLines } from '../../harness/report/sections.js';
import type { MetricDefinition, MetricSummary } from '../../harness/results/schema.js';
import { calibrationOf, labLink, sampleResultDocument } from '../fixtures/result-document.js';

const summary = (values: number[], p5: number, median: number, p95: number): MetricSummary => ({
  n: values.length,
  median,
  p5,
  p95,
  mean: values.reduce((a, b) => a + b, 0) / values.length,
  stddev: 0,
  min: Math.min(...values),
  max: Math.max(...values),
});
const certificate: MetricDefinition = {
  name: 'serverCertificateSent',
  unit: 'count',
  better: 'neither',
  description: 'capture (decrypted): 1 when the server sent a Certificate, 0 when not',
  provenance: { kind: 'measured', sources: ['packet-capture'] },
};
const retransmitted: MetricDefinition = { name: 'retransmittedPackets', unit: 'count', better: 'lower', description: 'packets sent again', provenance: { kind: 'measured', sources: ['ngtcp2-qlog'] } };
const goodput: MetricDefinition = { name: 'goodputBitsPerSecond', unit: 'bits/s', better: 'higher', description: '', provenance: { kind: 'derived', from: ['bodyBytes'], method: 'bits over the body time' } };

t.test('counts are whole, or one decimal between two', async (t) => {
  t.same([0, 3, 2.5, 2.25, 1200].map(formatCount), ['0', '3', '2.5', '2.3', '1200']);
  t.equal(formatMetricValue(0, 'count'), '0');
  t.equal(formatMetricValue(3.5, 'count'), '3.5');
});

t.test("rates are Mbit/s with the tables' precision everywhere", async (t) => {
  t.equal(formatMetricValue(5_884_000, 'bits/s'), '5.88 Mbit/s');
  t.equal(formatMetricValue(18_040_000, 'bits/s'), '18.0 Mbit/s');
  t.equal(formatSummaryCell(summary([5_690_000], 5_600_000, 5_690_000, 5_884_000), goodput), '5.69 (5.60-5.88)');
});

t.test('0/1 metrics read as how many samples said yes', async (t) => {
  t.equal(isYesNoMetric(certificate), true);
  t.equal(isYesNoMetric(retransmitted), false);
  t.equal(formatSummaryCell(summary([1, 1, 0, 1, 1], 0.4, 1, 1), certificate), 'yes 4/5');
  t.equal(formatSummaryCell(summary([0, 0, 0], 0, 0, 0), certificate), 'yes 0/3');
  t.equal(formatSummaryCell(summary([0, 0, 0], 0, 0, 0), retransmitted), '0 (0-0)', 'a count that happens to be 0 is a count');
  t.equal(formatSummaryCell(summary([2, 3, 4, 9], 2.15, 3.5, 8.25), retransmitted), '3.5 (2.1-8.3)');
});

t.test("the TCP reference row is in the unit column's unit, as the rate rows", async (t) => {
  const document = sampleResultDocument();
  document.link = labLink({ delay: '30ms', rate: '6mbit' });
  document.link.achieved = {
    calibration: calibrationOf({ rttMedianMs: 60.3, up: { delayMedianMs: 30.1, lossRate: 0, rateBitsPerSecond: 5_690_000 }, down: { delayMedianMs: 30.2, lossRate: 0, rateBitsPerSecond: 5_700_000 } }),
    tcpReference: { tool: 'iperf3 TCP', goodputBitsPerSecond: 5_884_000, direction: 'down', congestionControl: 'cubic', seconds: 5, omittedSeconds: 1, retransmits: 0 },
  };
  const rows = linkTable(document)?.rows ?? [];
  t.same(
    rows.find((r) => r[0] === 'down rate'),
    ['down rate', '6.00', '5.70', 'Mbit/s'],
  );
  t.same(rows[rows.length - 1], ['TCP reference (iperf3 cubic, down)', '-', '5.88', 'Mbit/s']);
});

t.test('the payload capacity, the reference on the wire, iperf3 beside it, and the fraction of the capacity', async (t) => {
  const document = sampleResultDocument();
  document.link = labLink({ delay: '20ms', rate: '20mbit' });
  if (document.link.configured === null) throw new Error('a lab link');
  document.link.configured.payloadCapacity = payloadCapacity({ upBitsPerSecond: 20e6, downBitsPerSecond: 20e6, mtuBytes: 1500, ipVersion: 4, rateFramingBytes: 0, tcpTimestamps: true });
  const reference = { tool: 'iperf3 TCP', goodputBitsPerSecond: 19_560_000, direction: 'down' as const, congestionControl: 'cubic', seconds: 5, omittedSeconds: 1, retransmits: 0 };
  document.link.achieved = {
    calibration: calibrationOf({ rttMedianMs: 40.2, up: { delayMedianMs: 20.1, lossRate: 0, rateBitsPerSecond: 20_000_000 }, down: { delayMedianMs: 20.1, lossRate: 0, rateBitsPerSecond: 20_000_000 } }),
    tcpReference: {
      ...reference,
      wire: { goodputBitsPerSecond: 19_290_000, payloadBytes: 14_467_500, firstToLastMs: 6000, packets: 9991, repeatedPackets: 0 },
      flags: ["iperf3's own figure 19.560 Mbit/s exceeds the link's TCP payload capacity 19.307 Mbit/s (down) by 1.31%"],
    },
  };
  t.same((linkTable(document)?.rows ?? []).slice(-5), [
    ['TCP payload capacity (1448 of 1500 bytes, each way)', '19.31', '-', 'Mbit/s'],
    ['QUIC payload capacity (1454 of 1500 bytes, each way)', '19.39', '-', 'Mbit/s'],
    ['TCP reference (iperf3 cubic, down) on the wire', '-', '19.29', 'Mbit/s'],
    ["  iperf3's own figure", '-', '19.56', 'Mbit/s'],
    ['  of the TCP payload capacity', '-', '99.91', '%'],
  ]);
  t.ok(noteLines(document).includes("TCP reference: iperf3's own figure 19.560 Mbit/s exceeds the link's TCP payload capacity 19.307 Mbit/s (down) by 1.31%"), 'the flag is in the notes');
  document.link.achieved.tcpReference = { ...reference, wire: null, wireError: 'not captured (the run has no packet capture)' };
  t.same((linkTable(document)?.rows ?? []).slice(-2), [
    ['TCP reference (iperf3 cubic, down)', '-', '19.56', 'Mbit/s'],
    ['  of the TCP payload capacity', '-', '101.31', '%'],
  ]);
  t.ok(noteLines(document).includes("TCP reference: iperf3's own figure, not the wire's: not captured (the run has no packet capture)"));
});
