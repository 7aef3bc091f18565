import t from 'tap';
import type { TopLevelSpec } from 'vega-lite';
import { boxPlotSpec, bytesOverTimeSpec, cdfSpec, ecdfPoints, heatmapSpec, ratioDomain, renderSvg } from '../../harness/report/charts.js';

const caseOrder = ['tcp-tls-h2', 'quic-h3', 'quic-h3-0rtt'];
const samples = [
  { caseId: 'quic-h3', value: 62 },
  { caseId: 'tcp-tls-h2', value: 91 },
  { caseId: 'quic-h3', value: 60 },
  { caseId: 'tcp-tls-h2', value: 93 },
  { caseId: 'quic-h3', value: 61 },
  { caseId: 'tcp-tls-h2', value: 91 },
];

function dataValues(spec: TopLevelSpec): unknown {
  return (spec as { data?: { values?: unknown } }).data?.values;
}

const box = boxPlotSpec({ metric: 'handshakeMs', axisTitle: 'handshake (ms)', caseOrder, samples });
const cdf = cdfSpec({ metric: 'ttfbMs', axisTitle: 'time to first byte (ms)', caseOrder, samples });
const heatmap = heatmapSpec({
  title: 'download time, QUIC / TCP+TLS',
  rows: ['lan', '4g'],
  columns: ['1MB', '10MB'],
  cells: [
    { row: 'lan', column: '1MB', ratio: 0.5, significant: true, label: '0.50' },
    { row: 'lan', column: '10MB', ratio: 1.05, significant: false, label: '1.05' },
    { row: '4g', column: '1MB', ratio: null, significant: false, label: 'unsupported' },
  ],
});
const bytes = bytesOverTimeSpec({
  caseOrder,
  series: [
    {
      caseId: 'quic-h3',
      sampleIndex: 0,
      points: [
        [0, 0],
        [10, 500_000],
        [250, 500_000],
        [260, 1_000_000],
      ],
    },
    {
      caseId: 'tcp-tls-h2',
      sampleIndex: 0,
      points: [
        [0, 0],
        [20, 1_000_000],
      ],
    },
  ],
});

t.test('ECDF points: sorted values at cumulative fractions i/n', async (t) => {
  t.same(ecdfPoints([3, 1, 2, 2]), [
    { value: 1, fraction: 0.25 },
    { value: 2, fraction: 0.5 },
    { value: 2, fraction: 0.75 },
    { value: 3, fraction: 1 },
  ]);
  t.same(ecdfPoints([]), []);
});

t.test('box plot: min-max boxes per case with the samples as ticks, colors by case order', async (t) => {
  t.match(box, {
    title: 'handshakeMs',
    width: 560,
    layer: [
      {
        mark: { type: 'boxplot', extent: 'min-max' },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: 'handshake (ms)' },
          y: { field: 'caseId', type: 'nominal', sort: caseOrder },
          color: { field: 'caseId', scale: { domain: caseOrder } },
        },
      },
      { mark: { type: 'tick' }, encoding: { x: { field: 'value' }, y: { field: 'caseId', sort: caseOrder } } },
    ],
  });
  t.same(dataValues(box), samples);
  t.throws(() => boxPlotSpec({ metric: 'm', axisTitle: 'm (ms)', caseOrder: ['a'], samples: [{ caseId: 'b', value: 1 }] }), /case b is not in caseOrder/);
  t.throws(() => boxPlotSpec({ metric: 'm', axisTitle: 'm (ms)', caseOrder: ['a'], samples: [{ caseId: 'a', value: NaN }] }), /finite/);
});

t.test('CDF: step lines of the ECDF per case, in case order', async (t) => {
  t.same(dataValues(cdf), [
    { caseId: 'tcp-tls-h2', value: 91, fraction: 1 / 3 },
    { caseId: 'tcp-tls-h2', value: 91, fraction: 2 / 3 },
    { caseId: 'tcp-tls-h2', value: 93, fraction: 1 },
    { caseId: 'quic-h3', value: 60, fraction: 1 / 3 },
    { caseId: 'quic-h3', value: 61, fraction: 2 / 3 },
    { caseId: 'quic-h3', value: 62, fraction: 1 },
  ]);
  t.match(cdf, {
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'value', title: 'time to first byte (ms)' },
      y: { field: 'fraction', title: 'fraction of samples', scale: { domain: [0, 1] } },
      color: { field: 'caseId', scale: { domain: caseOrder } },
      order: { field: 'fraction' },
    },
  });
});

t.test('heatmap: every row x column cell, n.s. and missing cells marked', async (t) => {
  t.same(dataValues(heatmap), [
    { row: 'lan', column: '1MB', ratio: 0.5, significant: true, lines: ['0.50'] },
    { row: 'lan', column: '10MB', ratio: 1.05, significant: false, lines: ['1.05', 'n.s.'] },
    { row: '4g', column: '1MB', ratio: null, significant: false, lines: ['-'] },
    { row: '4g', column: '10MB', ratio: null, significant: false, lines: ['-'] },
  ]);
  t.match(heatmap, {
    title: { text: 'download time, QUIC / TCP+TLS', subtitle: [/log scale centered on 1/, /"n.s.": difference not significant/] },
    encoding: { x: { field: 'column', sort: ['1MB', '10MB'] }, y: { field: 'row', sort: ['lan', '4g'] } },
    layer: [
      { mark: { type: 'rect', fill: '#e0e0e0' } },
      {
        transform: [{ filter: 'datum.ratio !== null' }],
        encoding: {
          color: { field: 'ratio', scale: { type: 'log', domain: [0.5, 2], domainMid: 1 }, legend: { values: [0.5, 1 / 1.5, 1, 1.5, 2] } },
          opacity: { condition: { test: 'datum.significant', value: 1 }, value: 0.35 },
        },
      },
      { transform: [{ filter: 'datum.ratio !== null && !datum.significant' }], mark: { type: 'rect', strokeDash: [4, 3] } },
      { mark: { type: 'text' }, encoding: { text: { field: 'lines' } } },
    ],
  });
  t.same(ratioDomain([0.5, 1.05]), [0.5, 2]);
  t.same(ratioDomain([1.2, 0.95]), [0.8, 1.25]);
  t.same(ratioDomain([]), [1 / 1.1, 1.1]);
  t.same(ratioDomain([2500]), [1 / 2500, 2500]);
});

t.test('bytes over time: a line per sample in MB, colored by case', async (t) => {
  t.same(dataValues(bytes), [
    { caseId: 'quic-h3', sampleIndex: 0, i: 0, timeMs: 0, megabytes: 0 },
    { caseId: 'quic-h3', sampleIndex: 0, i: 1, timeMs: 10, megabytes: 0.5 },
    { caseId: 'quic-h3', sampleIndex: 0, i: 2, timeMs: 250, megabytes: 0.5 },
    { caseId: 'quic-h3', sampleIndex: 0, i: 3, timeMs: 260, megabytes: 1 },
    { caseId: 'tcp-tls-h2', sampleIndex: 0, i: 0, timeMs: 0, megabytes: 0 },
    { caseId: 'tcp-tls-h2', sampleIndex: 0, i: 1, timeMs: 20, megabytes: 1 },
  ]);
  t.match(bytes, {
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'timeMs', title: 'time since request (ms)' },
      y: { field: 'megabytes', title: 'body bytes received (MB)' },
      color: { field: 'caseId', scale: { domain: caseOrder } },
      detail: { field: 'sampleIndex' },
      order: { field: 'i' },
    },
  });
});

const charts: Array<[string, TopLevelSpec, string[]]> = [
  ['box plot', box, ['handshakeMs', 'handshake (ms)', 'quic-h3']],
  ['CDF', cdf, ['time to first byte (ms)', 'fraction of samples']],
  ['heatmap', heatmap, ['download time, QUIC / TCP+TLS', 'QUIC / TCP+TLS', 'n.s.', '0.50']],
  ['bytes over time', bytes, ['time since request (ms)', 'body bytes received (MB)']],
];

t.test('renderSvg: standalone SVG, no URLs, the same every time', async (t) => {
  for (const [name, spec, texts] of charts) {
    const warnings: string[] = [];
    const started = performance.now();
    const svg = await renderSvg(spec, { onWarning: (message) => warnings.push(message) });
    t.comment(`${name}: ${(performance.now() - started).toFixed(0)} ms, ${svg.length} characters`);
    t.ok(svg.startsWith('<svg'), `${name} starts with <svg`);
    for (const text of texts) t.ok(svg.includes(`>${text}<`), `${name} shows ${text}`);
    t.same(svg.match(/https?:\/\/[^"]*/g), ['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink'], `${name}: only the namespaces`);
    t.same(warnings, [], `${name}: no warnings`);
    t.equal(await renderSvg(spec), svg, `${name} renders the same again`);
  }
  const concurrent = await Promise.all(charts.map(([, spec]) => renderSvg(spec)));
  const sequential: string[] = [];
  for (const [, spec] of charts) sequential.push(await renderSvg(spec));
  t.same(concurrent, sequential, 'concurrent renders are the same as one at a time');
});

t.test('renderSvg: the heatmap marks its n.s. cell and keeps its ids its own', async (t) => {
  const svg = await renderSvg(heatmap);
  t.equal(svg.match(/stroke-dasharray="4,3"/g)?.length, 1, 'one dashed outline, for the one n.s. cell');
  t.equal(svg.match(/>n\.s\.</g)?.length, 1);
  t.equal(svg.match(/>-</g)?.length, 2, 'two cells without a ratio');
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  t.ok(ids.length > 0, 'the legend gradient has an id');
  for (const id of ids) t.match(id, /^c[0-9a-f]{10}-/, `${id} is scoped to this chart`);
  for (const [, id] of svg.matchAll(/url\(#([^)]+)\)/g)) t.ok(ids.includes(id), `url(#${id}) points into this SVG`);
});

t.test('renderSvg: loads nothing', async (t) => {
  const spec: TopLevelSpec = { data: { url: 'http://198.18.0.1/data.json' }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } };
  await t.rejects(renderSvg(spec, { onWarning: () => {} }), /refusing to load/);
  t.ok((await renderSvg(box)).startsWith('<svg'), 'a failed chart does not stop the next');
});
