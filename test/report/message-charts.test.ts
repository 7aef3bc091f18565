// The realtime scenario's charts: the per-message RTT CDF (thinned, the tail kept) and
// messages delivered over time.
import t from 'tap';
import type { TopLevelSpec } from 'vega-lite';
import { deliveredOverTimeSpec, messageRttCdfSpec, renderSvg, thinnedEcdfPoints } from '../../harness/report/charts.js';

function dataValues(spec: TopLevelSpec): unknown {
  return (spec as { data?: { values?: unknown } }).data?.values;
}

t.test('thinned ECDF: every k-th point and the last; all of them when few', async (t) => {
  t.same(thinnedEcdfPoints([4, 1, 3, 2], 10), [
    { value: 1, fraction: 0.25 },
    { value: 2, fraction: 0.5 },
    { value: 3, fraction: 0.75 },
    { value: 4, fraction: 1 },
  ]);
  // 10 values, 4 points at most: every 3rd (fractions 0.3, 0.6, 0.9) and the last.
  t.same(
    thinnedEcdfPoints([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 4).map((p) => p.value),
    [3, 6, 9, 10],
  );
  t.same(thinnedEcdfPoints([], 4), []);
});

t.test('per-message RTT CDF: a step line per case, on a log scale when every RTT is above 0', async (t) => {
  const caseOrder = ['wt-h3-datagram', 'wt-h3-long-stream'];
  const spec = messageRttCdfSpec({
    caseOrder,
    rtts: [
      { caseId: 'wt-h3-long-stream', rttsMs: [40, 400] },
      { caseId: 'wt-h3-datagram', rttsMs: [41] },
    ],
  });
  t.same(dataValues(spec), [
    { caseId: 'wt-h3-long-stream', value: 40, fraction: 0.5 },
    { caseId: 'wt-h3-long-stream', value: 400, fraction: 1 },
    { caseId: 'wt-h3-datagram', value: 41, fraction: 1 },
  ]);
  t.match(spec, { mark: { interpolate: 'step-after' }, encoding: { x: { scale: { type: 'log' } }, color: { scale: { domain: caseOrder } } } });
  const linear = messageRttCdfSpec({ caseOrder, rtts: [{ caseId: 'wt-h3-datagram', rttsMs: [0, 1] }] }) as { encoding: { x: { scale?: unknown } } };
  t.equal(linear.encoding.x.scale, undefined, 'an RTT of 0 ms: linear');
  t.throws(() => messageRttCdfSpec({ caseOrder, rtts: [{ caseId: 'other', rttsMs: [1] }] }), /case other is not in caseOrder/);
  t.throws(() => messageRttCdfSpec({ caseOrder, rtts: [{ caseId: 'wt-h3-datagram', rttsMs: [Number.NaN] }] }), /must be finite/);
  t.match(await renderSvg(spec), /^<svg/);
});

t.test('delivered over time: a line per sample, counts as they are', async (t) => {
  const spec = deliveredOverTimeSpec({
    caseOrder: ['wt-h3-stream'],
    series: [
      {
        caseId: 'wt-h3-stream',
        sampleIndex: 2,
        points: [
          [100, 0],
          [145, 1],
          [2180, 1],
        ],
      },
    ],
  });
  t.same(dataValues(spec), [
    { caseId: 'wt-h3-stream', sampleIndex: 2, i: 0, timeMs: 100, delivered: 0 },
    { caseId: 'wt-h3-stream', sampleIndex: 2, i: 1, timeMs: 145, delivered: 1 },
    { caseId: 'wt-h3-stream', sampleIndex: 2, i: 2, timeMs: 2180, delivered: 1 },
  ]);
  t.match(await renderSvg(spec), /^<svg/);
});
