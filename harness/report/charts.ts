// Charts for the HTML report as SVG strings, rendered in Node at report time: Vega-Lite compiles
// the spec, Vega renders it headless (no canvas: text widths are estimated) and loads nothing
// from anywhere, so the report needs no script and no network. The same spec gives the same
// SVG, byte for byte, and several charts can sit in one page (their defs ids do not collide).
import { createHash } from 'node:crypto';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export { boxPlotSpec, bytesOverTimeSpec, cdfSpec, CHART_WIDTH_PX, deliveredOverTimeSpec, ecdfPoints, heatmapSpec, messageRttCdfSpec, probeRttCdfSpec, ratioDomain, thinnedEcdfPoints } from './chart-specs.js';
export { flowGoodputSpec, queueOverTimeSpec } from './competition-chart-specs.js';
export type { CaseSample, HeatmapCell } from './chart-specs.js';

type ViewOptions = NonNullable<ConstructorParameters<typeof vega.View>[1]>;
type Loader = NonNullable<ViewOptions['loader']>;
type Logger = NonNullable<ViewOptions['logger']>;

const WARN_LEVEL = 2; // vega-util's Warn

// Measuring text with the `canvas` package would make the output depend on what is installed
// and on the fonts; the estimate is the same everywhere. (textMetrics is exported, not typed.)
(vega as unknown as { textMetrics?: { canvas?: (use: boolean) => void } }).textMetrics?.canvas?.(false);

/** A loader that loads nothing: Vega only warns when loading fails, so the refusal is also an error. */
function refusingLoader(errors: string[]): Loader {
  const refuse = (what: string): Promise<never> => {
    const message = `refusing to load ${what}: chart data must be inline values`;
    errors.push(message);
    return Promise.reject(new Error(message));
  };
  // A mark's href is a link, followed only when clicked (not a fetch): a relative one (a run's report beside the page) is kept.
  const sanitize = (uri: string, options?: { context?: string }): Promise<{ href: string }> => (options?.context === 'href' && !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(uri) ? Promise.resolve({ href: uri }) : refuse(uri));
  return { load: refuse, sanitize, http: refuse, file: refuse };
}

export interface RenderOptions {
  /** Vega and Vega-Lite warnings (default: printed on stderr). Errors always reject. */
  onWarning?: (message: string) => void;
}

function logger(onWarning: (message: string) => void, errors: string[]): Logger {
  const text = (args: unknown[]): string => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  const self: Logger = {
    level: () => WARN_LEVEL,
    error: (...args) => (errors.push(text(args)), self),
    warn: (...args) => (onWarning(text(args)), self),
    info: () => self,
    debug: () => self,
  };
  return self;
}

/** Prefixes every id the SVG defines (clip paths, gradients) and its references to them. */
function scopeIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] ?? '');
  if (ids.length === 0) return svg;
  const escaped = ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const reference = new RegExp(`(\\sid="|url\\(#|href="#)(${escaped.join('|')})(?=[")])`, 'g');
  return svg.replace(reference, (_, before: string, id: string) => `${before}${prefix}${id}`);
}

async function renderNow(spec: TopLevelSpec, options: RenderOptions): Promise<string> {
  const errors: string[] = [];
  const log = logger(options.onWarning ?? ((message) => process.stderr.write(`chart: ${message}\n`)), errors);
  const compiled = compile(spec, { logger: log }).spec;
  vega.resetSVGDefIds(); // the clip and gradient counters are global: start each chart from 0
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: refusingLoader(errors), logger: log, logLevel: WARN_LEVEL });
  try {
    const svg = await view.toSVG();
    if (errors.length > 0) throw new Error(`chart: ${errors.join('; ')}`);
    const prefix = `c${createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 10)}-`;
    return scopeIds(svg, prefix);
  } finally {
    view.finalize();
  }
}

let queue: Promise<unknown> = Promise.resolve();

/** The chart as a standalone `<svg>` element. Renders one at a time (Vega's id counters are global). */
export function renderSvg(spec: TopLevelSpec, options: RenderOptions = {}): Promise<string> {
  const rendered = queue.then(() => renderNow(spec, options));
  queue = rendered.catch(() => undefined);
  return rendered;
}
