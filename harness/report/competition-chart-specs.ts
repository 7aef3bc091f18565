// The competition's over-time charts of one sample: every flow's goodput per interval (a line
// per flow, colored by flow), and the bottleneck's queue with its overflow drops. Inline data,
// units in the axis titles, as chart-specs.ts.
import type { TopLevelSpec } from 'vega-lite';
import { CHART_WIDTH_PX, checkFinite } from './chart-specs.js';
import type { FlowGoodputPoint } from './competition.js';

const SECONDS = 'seconds since the first flow started';

/** Goodput per interval, a line per flow in `flowOrder` (its color the same in the legend's order). */
export function flowGoodputSpec(options: { title: string; flowOrder: string[]; points: FlowGoodputPoint[] }): TopLevelSpec {
  const known = new Set(options.flowOrder);
  for (const p of options.points) if (!known.has(p.flow)) throw new Error(`chart: flow ${p.flow} is not in flowOrder (${options.flowOrder.join(', ')})`);
  checkFinite(
    options.points.flatMap((p) => [p.timeS, p.goodputMbps]),
    'flow goodputs',
  );
  return {
    title: options.title,
    width: CHART_WIDTH_PX,
    height: 220,
    data: { values: options.points.map((p) => ({ ...p })) },
    mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'timeS', type: 'quantitative', title: `${SECONDS} (s, interval middle)` },
      y: { field: 'goodputMbps', type: 'quantitative', title: 'goodput (Mbit/s)' },
      color: { field: 'flow', type: 'nominal', title: 'flow (controller)', scale: { domain: [...options.flowOrder], scheme: 'tableau10' }, legend: { labelLimit: 320 } },
      order: { field: 'timeS', type: 'quantitative' },
    },
  };
}

/**
 * The downlink queue in KB against seconds, and when `drops` is given its cumulative overflow
 * drops on a second axis (a step: each rise is packets the full queue dropped).
 */
export function queueOverTimeSpec(options: { title: string; queueKb: Array<[number, number]>; drops: Array<[number, number]> | null }): TopLevelSpec {
  checkFinite([...options.queueKb.flat(), ...(options.drops ?? []).flat()], 'queue series');
  const x = { field: 'timeS', type: 'quantitative' as const, title: `${SECONDS} (s)` };
  const queue = {
    data: { values: options.queueKb.map(([timeS, kb]) => ({ timeS, kb })) },
    mark: { type: 'area' as const, line: true, interpolate: 'step-after' as const, opacity: 0.35, color: '#4c78a8' },
    encoding: { x, y: { field: 'kb', type: 'quantitative' as const, title: 'queue, down (KB)', axis: { titleColor: '#4c78a8' } } },
  };
  const base = { title: options.title, width: CHART_WIDTH_PX, height: 140 };
  if (options.drops === null) return { ...base, ...queue };
  const drops = {
    data: { values: options.drops.map(([timeS, drops]) => ({ timeS, drops })) },
    mark: { type: 'line' as const, interpolate: 'step-after' as const, color: '#e45756', strokeWidth: 1.5 },
    encoding: { x, y: { field: 'drops', type: 'quantitative' as const, title: 'overflow drops (cumulative)', axis: { orient: 'right' as const, titleColor: '#e45756' } } },
  };
  return { ...base, layer: [queue, drops], resolve: { scale: { y: 'independent' } } };
}
