// A campaign file (YAML or JSON: JSON parses as YAML): scenarios x links x repetitions, with
// options, an order, a pause and thresholds. Everything a scenario run would refuse is refused
// here, for the whole campaign, before any run starts; every error names the line and column.
import { readFile } from 'node:fs/promises';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { didYouMean } from '../files/did-you-mean.js';
import { TCP_CONGESTION_CONTROLS } from '../lab/lab.js';
import { profileNames } from '../lab/profiles.js';
import { UnitError } from '../lab/units.js';
import { linkConditionsFrom, type LinkCliOptions } from '../options/link-options.js';
import { choiceList, commaListOf, durationMs, integerInRange, mixList, objectSetList, sizeBytes, sizeList } from '../options/parse.js';
import { parseResolve } from '../probe/target.js';
import { TargetRequestError } from '../target/target-error.js';
import { parseTargetUrl } from '../target/target-url.js';
import { planScenarioRun, type ScenarioRunFlags } from '../options/scenario-run.js';
import { UsageError } from '../options/usage-error.js';
import { checkSessionOptions, RunOptionsError } from '../run/options.js';
import { CLIENT_NAMES, SERVER_NAMES } from '../scenario/matrix.js';
import { parseThreshold, ThresholdError, type Threshold } from './thresholds.js';

/** Bad campaign input: "FILE:LINE:COLUMN: what is wrong"; the CLI exits 2. */
export class CampaignFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number | null = null,
    readonly column: number | null = null,
  ) {
    super(line === null ? `${file}: ${message}` : `${file}:${line}:${column ?? 1}: ${message}`);
  }
}

const stringOrList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** What `npm run scenario` takes besides the link, with the same names and units (strings with units). */
const runOptionsSchema = z
  .object({
    samples: z.number().int().describe("Samples per case, after warm-up (default: the scenario's)."),
    warmup: z.number().int().describe("Warm-up samples per case, not recorded (default: the scenario's)."),
    timeout: z.string().describe('A duration with its unit, e.g. "10s".'),
    sizes: stringOrList.describe('Body sizes, e.g. "1MB,10MB" or ["1MB", "10MB"].'),
    objects: stringOrList.describe('Object sets, e.g. "100x10KB".'),
    variants: stringOrList.describe('Case ids to keep.'),
    direction: z.enum(['down', 'up']),
    cc: z.enum(TCP_CONGESTION_CONTROLS),
    quicInitialRtt: z.string().describe("ngtcp2's initial RTT, a duration with its unit."),
    servers: stringOrList,
    clients: stringOrList,
    capture: z.boolean().describe('Packet capture for scenarios that check against the wire (default true).'),
    messageSize: z.string().describe('Message scenarios: bytes per message with the unit, e.g. "200B".'),
    messageRate: z.number().int().describe('Message scenarios: messages a second.'),
    duration: z.string().describe('Message scenarios: how long each sample sends; competition: how long the flows compete at a fair share, e.g. "20s".'),
    mix: stringOrList.describe('Competition: mixes instead of the default pairings, each its flows joined by "+", e.g. ["h3-quic-go+iperf3-bbr"].'),
    stagger: z.string().describe('Competition: each later flow joins this long after the one before, e.g. "5s".'),
    messageProbe: z.string().min(1).describe('Competition: also probe each mix with this realtime case\'s messages, e.g. "wt-h3-datagram".'),
  })
  .partial()
  .strict();

const linkValue = z.union([z.string().min(1), z.number()]);

/** Explicit link options: the CLI's link options by their camelCase names (rtt, upRate, burstLoss...). */
const linkSchema = z
  .object({
    name: z.string().min(1).describe('How results and the index name this link (default: its options, e.g. "rtt=60ms loss=1%").'),
    backend: z.enum(['emulator', 'netem', 'auto', 'loopback']),
    profile: z.string().min(1),
    rtt: linkValue,
    delay: linkValue,
    upDelay: linkValue,
    downDelay: linkValue,
    jitter: linkValue,
    upJitter: linkValue,
    downJitter: linkValue,
    jitterReorders: z.boolean(),
    loss: linkValue,
    upLoss: linkValue,
    downLoss: linkValue,
    burstLoss: linkValue,
    reorder: linkValue,
    duplicate: linkValue,
    corrupt: linkValue,
    rate: linkValue,
    upRate: linkValue,
    downRate: linkValue,
    queue: linkValue,
    seed: linkValue,
    cc: z.enum(TCP_CONGESTION_CONTROLS),
    outage: z.array(z.string().min(1)),
    rebind: z.array(z.string().min(1)),
  })
  .partial()
  .strict();

/** A remote server the campaign's runs measure instead of the lab's (the scenario command's --target flags). */
const targetSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit')
      .optional()
      .describe("How run keys and the index name it (default: the URL's host)."),
    url: z.string().min(1).describe("https://host[:port]/path/{bytes}: where it serves the lab's bodies (npm run target-files)."),
    resolve: z.string().min(1).optional().describe('HOST:PORT:ADDRESS, as curl: the address to use (default one DNS lookup per run).'),
    ca: z.string().min(1).optional().describe("PEM file of the CA(s) to verify it against (default: the system's trust store)."),
    viaLab: z.boolean().default(false).describe("Through the lab's emulated link, on each of the campaign's links (default: directly, no link)."),
    maxBytes: z.string().min(1).optional().describe('The most body bytes one run may move, e.g. "500MB" (default 1GB).'),
  })
  .strict();

const scenarioEntrySchema = z.union([z.string().min(1), z.object({ name: z.string().min(1), options: runOptionsSchema.optional() }).strict()]);

export const campaignFileSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit')
      .describe("Names the campaign's directory and every run's trigger."),
    description: z.string().optional(),
    scenarios: z.array(scenarioEntrySchema).min(1).describe("Scenario names, each optionally with options of its own (over the campaign's)."),
    profiles: z.array(z.string().min(1)).optional().describe('Named link profiles (npm run scenario -- --list-profiles).'),
    links: z.array(linkSchema).optional().describe("Explicit links, each with the CLI's link options."),
    targets: z.array(targetSchema).min(1).optional().describe("Remote servers every run measures instead of the lab's: directly, or through each link (viaLab)."),
    options: runOptionsSchema.optional().describe('Options of every run.'),
    repetitions: z.number().int().min(1).max(1000).default(1).describe('Runs of every scenario on every link.'),
    order: z.enum(['shuffled', 'listed']).default('shuffled').describe('shuffled (default): each repetition runs every scenario x link once, in a seeded random order; listed: as written.'),
    seed: z.number().int().min(0).max(0xffffffff).optional().describe('Seed of the shuffle (default: a random one, recorded in the index).'),
    pauseSeconds: z.number().min(0).max(3600).default(5).describe('Pause between runs, in seconds.'),
    thresholds: z.array(z.string().min(1)).default([]).describe('k6-style: "quic-h3 handshakeRoundTrips p50 < 1.2", "h3 goodputBitsPerSecond >= 0.9 x h2".'),
  })
  .strict();

export type CampaignFileInput = z.input<typeof campaignFileSchema>;
type RunOptionsInput = z.infer<typeof runOptionsSchema>;

/** The options of one run of a scenario, as the scenario command's parsers made them. */
export type ScenarioRunOptions = Partial<
  Pick<
    ScenarioRunFlags,
    'samples' | 'warmup' | 'timeout' | 'sizes' | 'objects' | 'variants' | 'direction' | 'cc' | 'quicInitialRtt' | 'server' | 'client' | 'messageSize' | 'messageRate' | 'duration' | 'stagger' | 'mix' | 'messageProbe'
  >
> & { capture?: boolean };

export interface CampaignScenario {
  name: string;
  options: ScenarioRunOptions;
}

/** A target's flags, as the scenario command takes them. */
export type CampaignTargetFlags = Pick<ScenarioRunFlags, 'target' | 'resolve' | 'ca' | 'viaLab' | 'maxBytes'>;

export interface CampaignLink {
  /** The profile's name, or the explicit link's name; with targets "LINK>TARGET", or "direct>TARGET". */
  name: string;
  options: LinkCliOptions;
  /** The remote target its runs measure. */
  target?: CampaignTargetFlags;
}

export interface Campaign {
  name: string;
  description?: string;
  /** The file as given. */
  file: string;
  scenarios: CampaignScenario[];
  links: CampaignLink[];
  repetitions: number;
  order: 'shuffled' | 'listed';
  seed?: number;
  pauseSeconds: number;
  thresholds: Threshold[];
}

type Path = ReadonlyArray<string | number>;

/** Finds where `path` is in the document: its node, or for a key no schema knows, the key itself. */
function positionOf(doc: Document, lineCounter: LineCounter, path: Path, key?: string): { line: number; col: number } | null {
  let node: unknown = doc.contents;
  for (const step of path) {
    if (isMap(node)) node = node.items.find((pair) => (pair.key as Node & { value?: unknown })?.value === step)?.value;
    else if (isSeq(node) && typeof step === 'number') node = node.items[step];
    else break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => (p.key as Node & { value?: unknown })?.value === key);
    if (pair) node = pair.key;
  }
  const range = (node as Node | null | undefined)?.range ?? doc.contents?.range;
  return range ? lineCounter.linePos(range[0]) : null;
}

function pathText(path: Path): string {
  return path.map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? step : `.${step}`)).join('') || 'the file';
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  errors?: Issue[][];
  expected?: string;
}

/** The issue a person would fix: in a union, the branch whose shape matched (an object, not a string). */
function mainIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !issue.errors) return issue;
  const branches = issue.errors.filter((branch) => branch.length > 0);
  const shaped = branches.find((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0)) ?? branches[0];
  const inner = shaped?.[0];
  return inner ? mainIssue({ ...inner, path: [...issue.path, ...inner.path] }) : issue;
}

const KNOWN_KEYS: Record<string, readonly string[]> = {
  top: Object.keys(campaignFileSchema.shape),
  options: Object.keys(runOptionsSchema.shape),
  link: Object.keys(linkSchema.shape),
  target: Object.keys(targetSchema.shape),
  scenario: ['name', 'options'],
};

function knownKeysAt(path: Path): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS.top as readonly string[];
  const last = path[path.length - 1];
  if (last === 'options') return KNOWN_KEYS.options as readonly string[];
  if (path[0] === 'links') return KNOWN_KEYS.link as readonly string[];
  if (path[0] === 'targets') return KNOWN_KEYS.target as readonly string[];
  if (path[0] === 'scenarios') return KNOWN_KEYS.scenario as readonly string[];
  return [];
}

function issueMessage(issue: Issue): { message: string; key?: string } {
  const where = pathText(issue.path as Path);
  if (issue.code === 'unrecognized_keys' && issue.keys?.[0] !== undefined) {
    const key = issue.keys[0];
    const known = knownKeysAt(issue.path as Path);
    return { message: `${where === 'the file' ? '' : `${where}: `}unknown key "${key}"${didYouMean(key, known)} (known: ${known.join(', ')})`, key };
  }
  return { message: `${where}: ${issue.message}` };
}

/** Reads and checks a campaign file; throws CampaignFileError naming the line of the first thing wrong. */
export async function loadCampaign(path: string): Promise<Campaign> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CampaignFileError(`cannot read: ${error instanceof Error ? error.message : String(error)}`, path);
  }
  return parseCampaign(text, path);
}

/** The same from text (`file` names it in errors). */
export async function parseCampaign(text: string, file: string): Promise<Campaign> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const position = lineCounter.linePos(yamlError.pos[0]);
    throw new CampaignFileError(yamlError.message.split('\n')[0] ?? yamlError.message, file, position.line, position.col);
  }
  const fail = (message: string, path: Path, key?: string): never => {
    const position = positionOf(doc, lineCounter, path, key);
    throw new CampaignFileError(message, file, position?.line ?? null, position?.col ?? null);
  };
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('a campaign is a mapping (name, scenarios, profiles or links, ...)', []);
  const parsed = campaignFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = mainIssue(parsed.error.issues[0] as unknown as Issue);
    const { message, key } = issueMessage(issue);
    return fail(message, issue.path as Path, key);
  }
  const input = parsed.data;
  const needLinks = input.targets === undefined || input.targets.some((target) => target.viaLab);
  if (needLinks && !input.profiles && !input.links) fail(`give profiles or links (or both): the links every ${input.targets ? 'viaLab target' : 'scenario'} runs on`, []);
  if (!needLinks && (input.profiles || input.links)) fail('profiles and links apply to viaLab targets: these targets are measured directly (add viaLab: true)', [input.profiles ? 'profiles' : 'links']);
  let links: CampaignLink[] = [];
  const names = profileNames();
  (input.profiles ?? []).forEach((profile, i) => {
    if (!names.includes(profile)) fail(`unknown profile "${profile}"${didYouMean(profile, names)} (one of: ${names.join(', ')})`, ['profiles', i]);
    links.push({ name: profile, options: { profile } });
  });
  (input.links ?? []).forEach((link, i) => {
    const { name, backend, ...rest } = link;
    const options: LinkCliOptions = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, typeof value === 'number' ? String(value) : value]));
    if (backend !== undefined) options.link = backend;
    if (backend !== 'loopback') {
      try {
        linkConditionsFrom(options);
      } catch (error) {
        if (error instanceof UnitError || error instanceof UsageError) fail(`links[${i}]: ${error.message}`, ['links', i]);
        throw error;
      }
    }
    links.push({ name: name ?? linkName(backend !== undefined ? { backend, ...rest } : rest), options });
  });
  const seen = new Set<string>();
  links.forEach((link, i) => {
    if (seen.has(link.name)) fail(`two links named "${link.name}": give each link a name of its own`, i < (input.profiles?.length ?? 0) ? ['profiles', i] : ['links', i - (input.profiles?.length ?? 0)]);
    seen.add(link.name);
  });
  if (input.targets) links = targetLinks(input.targets, links, fail);
  const common = input.options ? runOptionsFrom(input.options, ['options'], fail) : {};
  const scenarios: CampaignScenario[] = input.scenarios.map((entry, i) => {
    const name = typeof entry === 'string' ? entry : entry.name;
    const own = typeof entry === 'string' || !entry.options ? {} : runOptionsFrom(entry.options, ['scenarios', i, 'options'], fail);
    return { name, options: { ...common, ...own } };
  });
  const seenScenarios = new Set<string>();
  // Every scenario on every link, as the scenario command would take it: refused now, not after hours of runs.
  for (const [i, scenario] of scenarios.entries()) {
    const label = JSON.stringify({ name: scenario.name, options: scenario.options });
    if (seenScenarios.has(label)) fail(`scenario "${scenario.name}" listed twice with the same options`, ['scenarios', i]);
    seenScenarios.add(label);
    for (const link of links) {
      try {
        const planned = planScenarioRun(scenario.name, runFlags(scenario, link, '.'));
        await checkSessionOptions(planned.scenario, { ...planned.sessionOptions, output: undefined });
      } catch (error) {
        if (error instanceof UsageError || error instanceof RunOptionsError) fail(`${scenario.name} on ${link.name}: ${error.message}`, ['scenarios', i]);
        throw error;
      }
    }
  }
  const thresholds = input.thresholds.map((text, i) => {
    try {
      return parseThreshold(text);
    } catch (error) {
      if (error instanceof ThresholdError) return fail(error.message, ['thresholds', i]);
      throw error;
    }
  });
  return {
    name: input.name,
    ...(input.description !== undefined ? { description: input.description } : {}),
    file,
    scenarios,
    links,
    repetitions: input.repetitions,
    order: input.order,
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    pauseSeconds: input.pauseSeconds,
    thresholds,
  };
}

/** One run's flags as the scenario command would have them (a link's cc over the scenario's). */
export function runFlags(scenario: CampaignScenario, link: CampaignLink, resultsDir: string): ScenarioRunFlags {
  const { capture, ...options } = scenario.options;
  return { ...options, ...link.options, ...link.target, resultsDir, capture: capture ?? true, wait: true };
}

type TargetInput = z.infer<typeof targetSchema>;

/** Every target on the links it runs on: directly (one pseudo-link, "direct>NAME"), or through each link ("LINK>NAME"). */
function targetLinks(targets: readonly TargetInput[], links: readonly CampaignLink[], fail: (message: string, path: Path) => never): CampaignLink[] {
  const names = new Set<string>();
  return targets.flatMap((target, i) => {
    const at = (key: string): Path => ['targets', i, key];
    let host: string;
    try {
      host = parseTargetUrl(target.url).host;
      if (target.resolve !== undefined) parseResolve(target.resolve);
    } catch (error) {
      if (error instanceof TargetRequestError || error instanceof UsageError) return fail(`targets[${i}]: ${error.message}`, at(error.message.startsWith('--resolve') ? 'resolve' : 'url'));
      throw error;
    }
    let maxBytes: number | undefined;
    if (target.maxBytes !== undefined) {
      try {
        maxBytes = sizeBytes('--max-bytes')(target.maxBytes);
      } catch (error) {
        if (error instanceof UsageError) return fail(`targets[${i}].maxBytes: ${error.message.replace(/^--[\w-]+:\s*/, '')}`, at('maxBytes'));
        throw error;
      }
    }
    const name = target.name ?? host;
    if (names.has(name)) return fail(`two targets named "${name}": give each a name of its own`, ['targets', i]);
    names.add(name);
    const flags: CampaignTargetFlags = {
      target: target.url,
      ...(target.resolve !== undefined ? { resolve: target.resolve } : {}),
      ...(target.ca !== undefined ? { ca: target.ca } : {}),
      ...(target.viaLab ? { viaLab: true } : {}),
      ...(maxBytes !== undefined ? { maxBytes } : {}),
    };
    return target.viaLab ? links.map((link) => ({ ...link, name: `${link.name}>${name}`, target: flags })) : [{ name: `direct>${name}`, options: {}, target: flags }];
  });
}

/** "rtt=60ms loss=1%": an explicit link's options, as its default name. */
function linkName(options: Record<string, unknown>): string {
  const parts = Object.entries(options).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`);
  return parts.length > 0 ? parts.join(' ') : 'default';
}

const joined = (value: string | string[]): string => (Array.isArray(value) ? value.join(',') : value);

/** The file's options through the scenario command's own parsers (the same units, the same messages). */
function runOptionsFrom(input: RunOptionsInput, path: Path, fail: (message: string, path: Path) => never): ScenarioRunOptions {
  // The CLI's messages name their flag ("--sizes: ..."): here the key's place in the file does.
  const parse = <T>(key: keyof RunOptionsInput, make: () => T): T => {
    try {
      return make();
    } catch (error) {
      if (error instanceof UsageError) return fail(`${pathText([...path, key])}: ${error.message.replace(/^--[\w-]+:\s*/, '')}`, [...path, key]);
      throw error;
    }
  };
  const out: ScenarioRunOptions = {};
  if (input.samples !== undefined) out.samples = input.samples;
  if (input.warmup !== undefined) out.warmup = input.warmup;
  if (input.timeout !== undefined) out.timeout = parse('timeout', () => durationMs('--timeout')(input.timeout as string));
  if (input.quicInitialRtt !== undefined) out.quicInitialRtt = parse('quicInitialRtt', () => durationMs('--quic-initial-rtt')(input.quicInitialRtt as string));
  if (input.sizes !== undefined) out.sizes = parse('sizes', () => sizeList(joined(input.sizes as string | string[])));
  if (input.objects !== undefined) out.objects = parse('objects', () => objectSetList(joined(input.objects as string | string[])));
  if (input.variants !== undefined) out.variants = parse('variants', () => commaListOf('--variants')(joined(input.variants as string | string[])));
  if (input.servers !== undefined) out.server = parse('servers', () => choiceList('--server', SERVER_NAMES)(joined(input.servers as string | string[])));
  if (input.clients !== undefined) out.client = parse('clients', () => choiceList('--client', CLIENT_NAMES)(joined(input.clients as string | string[])));
  if (input.direction !== undefined) out.direction = input.direction;
  if (input.cc !== undefined) out.cc = input.cc;
  if (input.capture !== undefined) out.capture = input.capture;
  if (input.messageSize !== undefined) out.messageSize = parse('messageSize', () => sizeBytes('--message-size')(input.messageSize as string));
  if (input.messageRate !== undefined) out.messageRate = parse('messageRate', () => integerInRange('--message-rate', 1, 10_000)(String(input.messageRate)));
  if (input.duration !== undefined) out.duration = parse('duration', () => durationMs('--duration')(input.duration as string));
  if (input.mix !== undefined) out.mix = parse('mix', () => mixList(joined(input.mix as string | string[])));
  if (input.stagger !== undefined) out.stagger = parse('stagger', () => durationMs('--stagger')(input.stagger as string));
  if (input.messageProbe !== undefined) out.messageProbe = input.messageProbe;
  return out;
}
