// Debian's Chromium as a lab client: a real browser loading objects over HTTP/2 (TCP+TLS) or
// HTTP/3 (QUIC), driven over the DevTools protocol on a pipe (cdp.ts).
//
// Every exchange (and every batch) runs in a browser of its own, started for it with a fresh
// profile in a private temporary directory (HOME and XDG dirs too), removed afterwards, on
// errors as well: nothing (TLS sessions, QUIC tokens, alt-svc or HTTP/2 knowledge, cache)
// survives from one exchange to the next, so every exchange is cold.
//
// Started by root, the browser runs as the lab's unprivileged user with its own sandbox on, as
// the report checks' does (headless.ts): `ip netns exec` puts it in the lab namespace, then
// setpriv drops to the user. The private directory is that user's (0700); the browser writes its
// TLS secrets into a key log there, and once it is gone the harness appends them to the run's
// key log, which stays root's.
//
// The browser trusts the server by the SPKI hash of the lab leaf
// (--ignore-certificate-errors-spki-list), reaches the lab name at the target address by a
// host-resolver rule (every other name fails to resolve), and for HTTP/3 is forced onto QUIC
// for the origin (--origin-to-force-quic-on: no TCP race, no fallback); for HTTP/2 QUIC is off.
// It never reaches anything else: background networking, sync, component updates, field
// trials, safe browsing, domain reliability, translation and the like are off, and so is
// preloading (which would preconnect to the page's origin before the measured fetches).
//
// The measured page is generated and served by the client itself (page.ts); its
// fetch()es go to the lab server, and the timings are that page's Resource Timing: they
// start when Chromium starts connecting, so the browser's own start never counts. The page
// checks every body against the lab's pattern once the timings are taken; a wrong byte fails
// the exchange, naming its offset.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { onceUntilFailure } from '../../process/prepare-once.js';
import type { EndpointInfo, TimingSource } from '../../results/schema.js';
import { appendKeyLog } from '../../files/key-log-lines.js';
import { ownLikeDir, withLabUserDir } from '../../files/lab-user-dir.js';
import { labUserIfRoot, type UnprivilegedUser } from '../../process/unprivileged.js';
import { CHROMIUM_STDERR_NOISE, chromiumCommand, chromiumPath, chromiumPrivateEnv, chromiumVersion } from './headless.js';
import { CDP_PIPE_FLAG, CdpBrowser, type CdpParams } from './cdp.js';
import { PAGE_HTML, PAGE_PATH, batchTimingsFrom, entriesByFetch, exchangeTimingsFrom, pageResultSchema, pageScript, type FetchResult, type PageResult, type ResourceEntry } from './page.js';
import { NET_LOG_FILE, netLogFlags, webTransportHandshakeMs } from './net-log.js';
import { ECHO_PATH as WEBTRANSPORT_ECHO_PATH } from '../webtransport-go/server.js';
import { NET_LOG_CLOCK, PAGE_CLOCK, messagesPageScript, webTransportSettings, pageMessagesTimings, parsePageMessages, type PageMessagesReport } from './messages-page.js';
import type { BatchSpec, BatchTimings, BatchClient, ExchangeClient, ExchangeTimings, MessagesClient, MessagesSpec, MessagesTimings, Protocol, RequestSpec, ServerAddress, SessionMode, TlsMaterial } from '../types.js';

/** mkdtemp prefix of each exchange's private directory (profile, HOME, caches, its key log). */
export const CHROMIUM_CLIENT_DIR_PREFIX = 'quic-lab-browser-';
/** The browser's own key log, in its private directory. */
const BROWSER_KEY_LOG = 'keys.log';

/**
 * Flags beyond CHROMIUM_BASE_FLAGS: nothing but the measured fetches may use the network, and
 * nothing in the background may compete with them for the CPU.
 */
export const CHROMIUM_CLIENT_FLAGS: readonly string[] = [
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-component-extensions-with-background-pages',
  '--disable-client-side-phishing-detection',
  '--disable-domain-reliability',
  '--disable-field-trial-config',
  '--disable-breakpad',
  '--disable-crash-reporter',
  '--no-pings',
  '--no-service-autorun',
  '--metrics-recording-only',
  '--safebrowsing-disable-auto-update',
  '--password-store=basic',
  '--use-mock-keychain',
  '--mute-audio',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
  '--disable-features=' +
    [
      'Translate',
      'OptimizationHints',
      'OptimizationGuideModelDownloading',
      'MediaRouter',
      'DialMediaRouteProvider',
      'CertificateTransparencyComponentUpdater',
      'AutofillServerCommunication',
      'NetworkTimeServiceQuerying',
      'InterestFeedContentSuggestions',
      'SafeBrowsingOnlineCheck',
      'HttpsUpgrades',
      'DnsOverHttps',
      'LoadingPredictorUseLocalPredictions',
    ].join(','),
];

/**
 * The fresh profile's preferences, written before the browser starts. "No preloading" (2):
 * otherwise Chromium preconnects two sockets to the origin of every page it navigates to, so
 * the page's fetches would find a connection already open and no handshake to time.
 */
export const CHROMIUM_CLIENT_PREFERENCES = {
  net: { network_prediction_options: 2 },
  safebrowsing: { enabled: false },
  translate: { enabled: false },
  alternate_error_pages: { enabled: false },
};

/** A session must be ready within this, unless the sample's bound leaves less. */
const MAX_CONNECT_TIMEOUT_MS = 10_000;
/** What a browser's start and page load may take of a messages sample's bound. */
const BROWSER_START_MS = 5_000;

/** After a completed exchange, the browser gets this long to close its connections (QUIC: CONNECTION_CLOSE) before it is killed. */
const CLOSE_GRACE_MS = 1000;
/** Chromium coarsens page clocks to 100 µs outside cross-origin isolation. */
const RESOURCE_TIMING: TimingSource = { source: 'chromium-resource-timing', resolutionMs: 0.1 };
const MESSAGES_METRICS = ['sessionMs', 'rttP50Ms', 'rttP95Ms', 'rttP99Ms', 'rttMaxMs', 'longestStallMs'] as const;
export const CHROMIUM_DRIVER = 'CDP over --remote-debugging-pipe';

export interface ChromiumClientOptions {
  /** Run the browser inside this network namespace (the harness stays outside). */
  netns?: string;
  /** Default: `chromium` from PATH (Debian's launcher, /usr/bin/chromium). */
  executable?: string;
  /** Append TLS secrets here (NSS key log format), so the run's capture can be decrypted (copied from the browser's own key log once it is gone). */
  keylogFile?: string;
}

/** Base64 SHA-256 of the leaf's SubjectPublicKeyInfo (DER): what --ignore-certificate-errors-spki-list takes. */
export async function leafSpkiHash(chainFile: string): Promise<string> {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(await readFile(chainFile, 'utf8'))?.[0];
  if (pem === undefined) throw new Error(`chromium: no certificate in ${chainFile}`);
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Why a fetch failed, as Chromium's network stack said it, with a hint for the usual cases. */
function failureHint(errorText: string, application: ChromiumApplication, target: ServerAddress): string {
  if (/ERR_CERT_|ERR_SSL_/.test(errorText)) return ` (the server's certificate is not the lab leaf whose SPKI hash Chromium was told to trust, or is not for "${target.serverName}")`;
  if (errorText.includes('ERR_CONNECTION_REFUSED')) return ` (nothing listens on ${application === 'h2' ? 'TCP' : 'UDP'} ${target.host}:${target.port})`;
  if (/ERR_QUIC_(PROTOCOL_ERROR|HANDSHAKE_FAILED)/.test(errorText)) return ` (the QUIC connection to UDP ${target.host}:${target.port} failed: is an HTTP/3 server listening there?)`;
  if (errorText.includes('ERR_NAME_NOT_RESOLVED')) return ' (the host-resolver rule did not map the name)';
  return '';
}

/** What Chromium's network stack reported for each request of the page (the CDP Network domain). */
interface NetworkRecord {
  url: string;
  protocol?: string;
  connectionId?: number;
  errorText?: string;
}

/** One page in a browser of its own, and what its requests did. */
interface Tab {
  browser: CdpBrowser;
  sessionId: string;
  pageUrl: string;
  network: Map<string, NetworkRecord>;
}

/** What the browser is driven to speak: page loads over HTTP/2 or HTTP/3, or WebTransport sessions (over HTTP/3). */
export type ChromiumApplication = 'h2' | 'h3' | 'webtransport';

export class ChromiumClient implements ExchangeClient, BatchClient, MessagesClient {
  readonly implementation = 'chromium';
  readonly protocol: Protocol;
  /** A fresh profile per exchange: cold, always. */
  readonly sessionModes: readonly SessionMode[] = ['cold'];
  readonly timingSources: Readonly<Record<string, TimingSource>>;
  private version: string | null = null;
  private executable: string | null = null;
  private spkiHash: string | null = null;
  private user: UnprivilegedUser | null = null;
  /** What the page found of WebTransport in its last session (messages-page.ts). */
  private webTransportFacts: PageMessagesReport['facts'] | null = null;

  constructor(
    private readonly tls: TlsMaterial,
    readonly application: ChromiumApplication,
    private readonly options: ChromiumClientOptions = {},
  ) {
    this.protocol = application === 'h2' ? 'tcp-tls' : 'quic';
    this.timingSources =
      application === 'webtransport'
        ? { ...Object.fromEntries(MESSAGES_METRICS.map((metric) => [metric, PAGE_CLOCK])), handshakeMs: NET_LOG_CLOCK }
        : {
            ...(application === 'h2' ? { connectMs: RESOURCE_TIMING } : {}),
            handshakeMs: RESOURCE_TIMING,
            ttfbMs: RESOURCE_TIMING,
            totalMs: RESOURCE_TIMING,
            bodyStartMs: RESOURCE_TIMING,
            bodyEndMs: RESOURCE_TIMING,
          };
  }

  readonly prepare = onceUntilFailure(() => this.doPrepare());

  private async doPrepare(): Promise<void> {
    this.executable = this.options.executable ?? (await chromiumPath());
    this.spkiHash = await leafSpkiHash(this.tls.chainFile);
    this.user = await labUserIfRoot();
    const version = await chromiumVersion();
    this.version = /\d+(?:\.\d+){3}/.exec(version)?.[0] ?? version;
  }

  /** h2 or h3: a WebTransport client loads no objects. */
  private httpApplication(): 'h2' | 'h3' {
    if (this.application === 'webtransport') throw new Error('chromium: this client is driven for WebTransport sessions (exchangeMessages), not page loads');
    return this.application;
  }

  async exchange(spec: RequestSpec): Promise<ExchangeTimings> {
    this.httpApplication();
    const mode = spec.session ?? 'cold';
    if (mode !== 'cold') throw new Error(`chromium: session mode "${mode}" is not possible: every exchange starts a browser with a fresh profile (cold only)`);
    if (spec.uploadBytes !== undefined) throw new Error('chromium: uploads are not supported (a page cannot observe when its request body goes out, so there is nothing honest to time)');
    const expected = spec.rangeStartBytes !== undefined ? 206 : 200;
    const { page, tab } = await this.loadFetches(spec.target, [spec.path], spec.timeoutMs, spec.rangeStartBytes ?? null);
    const [entry] = this.checked(page, tab, spec.target, expected);
    return exchangeTimingsFrom(entry as ResourceEntry, page.results[0] as FetchResult, this.httpApplication());
  }

  /**
   * spec.paths fetched all at once by one page, over the one connection Chromium opens for the
   * origin (HTTP/2 and HTTP/3 multiplex them). `connections` counts the distinct connection ids
   * Chromium's network stack reported for the responses.
   */
  async exchangeBatch(spec: BatchSpec): Promise<BatchTimings> {
    this.httpApplication();
    if (spec.paths.length === 0) throw new Error('chromium: a batch needs at least one path');
    const { page, tab } = await this.loadFetches(spec.target, spec.paths, spec.timeoutMs, null);
    const entries = this.checked(page, tab, spec.target, 200);
    const ids = new Set([...tab.network.values()].filter((r) => r.url !== tab.pageUrl && r.connectionId !== undefined && r.connectionId > 0).map((r) => r.connectionId));
    return batchTimingsFrom(entries, page.results, ids.size > 0 ? ids.size : null);
  }

  /**
   * One WebTransport session from the generated page of the target's origin to its echo path,
   * `spec.count` messages on schedule and their echoes (messages-page.ts), in a browser of its
   * own. The whole of it (browser start included) is bounded by spec.timeoutMs; the session must
   * be ready by what that leaves after the sends and the drain.
   */
  async exchangeMessages(spec: MessagesSpec): Promise<MessagesTimings> {
    if (this.application !== 'webtransport') throw new Error(`chromium: this client is driven for ${this.application} page loads, not WebTransport sessions`);
    const sendMs = ((spec.count - 1) / spec.ratePerSecond) * 1000;
    const connectTimeoutMs = Math.min(MAX_CONNECT_TIMEOUT_MS, Math.floor(spec.timeoutMs - sendMs - spec.drainTimeoutMs - BROWSER_START_MS));
    if (connectTimeoutMs < 1) throw new Error(`chromium: ${spec.count} messages at ${spec.ratePerSecond}/s and a ${spec.drainTimeoutMs} ms drain do not fit in ${spec.timeoutMs} ms with the browser's start`);
    const url = `https://${spec.target.serverName}:${spec.target.port}${WEBTRANSPORT_ECHO_PATH}`;
    const script = messagesPageScript({ url, mode: spec.mode, count: spec.count, messageBytes: spec.messageBytes, ratePerSecond: spec.ratePerSecond, drainTimeoutMs: spec.drainTimeoutMs, connectTimeoutMs });
    const what = `WebTransport ${spec.mode} session to ${WEBTRANSPORT_ECHO_PATH} (${spec.count} messages)`;
    const { value, netLog } = await this.loadPage(spec.target, what, script, `exchanging ${spec.count} messages (${spec.mode})`, spec.timeoutMs, true);
    const report = parsePageMessages(value);
    this.webTransportFacts = report.facts;
    return pageMessagesTimings(report, spec.count, () => webTransportHandshakeMs(netLog ?? '', url));
  }

  /** Every fetch succeeded with `status` over the asked protocol; their entries, in fetch order. */
  private checked(page: PageResult, tab: Tab, target: ServerAddress, status: number): ResourceEntry[] {
    for (const result of page.results) {
      if (result.error !== undefined) {
        const record = [...tab.network.values()].find((r) => r.url === result.url && r.errorText !== undefined);
        const why = record?.errorText ?? result.error;
        throw new Error(`chromium: GET ${result.url} over ${this.application} failed: ${why}${failureHint(why, this.application, target)}`);
      }
      if (result.status !== status) throw new Error(`chromium: HTTP status ${result.status} for GET ${result.url} (expected ${status})`);
    }
    const entries = entriesByFetch(page);
    for (const entry of entries) {
      if (entry.nextHopProtocol !== this.application) {
        const quic = this.application === 'h3' ? ': QUIC was not used' : '';
        throw new Error(`chromium: ${entry.name} was fetched over "${entry.nextHopProtocol || 'an unknown protocol'}", not ${this.application}${quic}`);
      }
      if (entry.responseStart <= 0 || entry.responseEnd <= 0) throw new Error(`chromium: ${entry.name}: Resource Timing without detail (no responseStart/responseEnd)`);
    }
    return entries;
  }

  /** The generated page fetches `paths` (page.ts's script); its answer, checked. */
  private async loadFetches(target: ServerAddress, paths: readonly string[], timeoutMs: number, rangeStartBytes: number | null): Promise<{ page: PageResult; tab: Tab }> {
    const relative = paths.find((path) => !path.startsWith('/'));
    if (relative !== undefined) throw new Error(`chromium: paths start with "/", got "${relative}"`);
    const what = paths.length === 1 ? `GET ${paths[0]}` : `${paths.length} GETs`;
    const stage = `fetching ${paths.length === 1 ? paths[0] : `${paths.length} objects`} from the server`;
    const { value, tab } = await this.loadPage(target, what, pageScript(paths, rangeStartBytes), stage, timeoutMs);
    return { page: pageResultSchema.parse(value), tab };
  }

  /**
   * A browser of its own loads the generated page of the target's origin, which runs `script`
   * (`what`, at `stage`); all of it within `timeoutMs`. With `netLog`, the browser writes its
   * net log, read once it is gone.
   */
  private async loadPage(target: ServerAddress, what: string, script: string, scriptStage: string, timeoutMs: number, netLog = false): Promise<{ value: unknown; tab: Tab; netLog?: string }> {
    await this.prepare();
    const state = { stage: 'starting Chromium', browser: undefined as CdpBrowser | undefined };
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const detail = state.browser?.stderr(CHROMIUM_STDERR_NOISE, 3);
        reject(
          new Error(
            `chromium: ${what} over ${this.application} from ${target.serverName}:${target.port} (${target.host}) not done within ${timeoutMs} ms (${state.stage})${detail ? `: ${detail.replaceAll('\n', ' | ')}` : ''}`,
          ),
        );
      }, timeoutMs);
    });
    expired.catch(() => {}); // raced below; a failure before the race must not leave it unhandled
    try {
      return await withLabUserDir(CHROMIUM_CLIENT_DIR_PREFIX, async (dir) => {
        const profile = join(dir, 'profile');
        const preferences = join(profile, 'Default', 'Preferences');
        await mkdir(join(profile, 'Default'), { recursive: true });
        await writeFile(preferences, JSON.stringify(CHROMIUM_CLIENT_PREFERENCES));
        await ownLikeDir(dir, [profile, join(profile, 'Default'), preferences]);
        const browser = new CdpBrowser({
          ...chromiumCommand(this.executable as string, dir, [CDP_PIPE_FLAG, ...this.flags(target, dir), ...(netLog ? netLogFlags(join(dir, NET_LOG_FILE)) : [])], this.user),
          env: chromiumPrivateEnv(dir),
          marker: dir,
          ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
        });
        state.browser = browser;
        let completed = false;
        let result: { value: unknown; tab: Tab };
        try {
          const crashed = browser.exited.then((info) => {
            const detail = browser.stderr(CHROMIUM_STDERR_NOISE);
            throw new Error(`chromium exited (code ${info.code}, signal ${info.signal}) while ${state.stage}${detail ? `:\n${detail}` : ''}`);
          });
          crashed.catch(() => {});
          result = await Promise.race([this.runPage(browser, target, script, scriptStage, state), expired, crashed]);
          completed = true;
        } finally {
          clearTimeout(timer);
          // A completed exchange lets the browser close its connections; a failed one is killed at once.
          await browser.close(completed ? CLOSE_GRACE_MS : 0);
          // Its secrets, all written now; a failed copy fails a completed exchange (its capture could not be read), not a failed one.
          if (this.options.keylogFile !== undefined) {
            const copied = appendKeyLog(join(dir, BROWSER_KEY_LOG), this.options.keylogFile);
            await (completed ? copied : copied.catch(() => 0));
          }
        }
        // Complete once the browser has exited (or was killed: the lines written until then).
        return netLog ? { ...result, netLog: await readFile(join(dir, NET_LOG_FILE), 'utf8') } : result;
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private async runPage(browser: CdpBrowser, target: ServerAddress, script: string, scriptStage: string, state: { stage: string }): Promise<{ value: unknown; tab: Tab }> {
    const pageUrl = `https://${target.serverName}:${target.port}${PAGE_PATH}`;
    const { targetId } = await browser.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const tab: Tab = { browser, sessionId, pageUrl, network: new Map() };
    const mine = (handler: (params: CdpParams) => void) => (params: CdpParams, from: string | undefined) => {
      if (from === sessionId) handler(params);
    };
    browser.on(
      'Network.requestWillBeSent',
      mine((p) => tab.network.set(p.requestId as string, { url: (p.request as { url: string }).url })),
    );
    browser.on(
      'Network.responseReceived',
      mine((p) => {
        const record = tab.network.get(p.requestId as string);
        const response = p.response as { protocol?: string; connectionId?: number };
        if (record) Object.assign(record, { protocol: response.protocol, connectionId: response.connectionId });
      }),
    );
    browser.on(
      'Network.loadingFailed',
      mine((p) => {
        const record = tab.network.get(p.requestId as string);
        if (record) record.errorText = p.errorText as string;
      }),
    );
    // The page itself never goes to the server: Chromium asks, the client answers.
    browser.on(
      'Fetch.requestPaused',
      mine((p) => {
        const requestId = p.requestId as string;
        const url = (p.request as { url: string }).url;
        const answer =
          url === pageUrl
            ? browser.send(
                'Fetch.fulfillRequest',
                {
                  requestId,
                  responseCode: 200,
                  responseHeaders: [
                    { name: 'content-type', value: 'text/html; charset=utf-8' },
                    { name: 'cache-control', value: 'no-store' },
                  ],
                  body: Buffer.from(PAGE_HTML).toString('base64'),
                },
                sessionId,
              )
            : browser.send('Fetch.continueRequest', { requestId }, sessionId);
        answer.catch(() => {}); // a browser going away fails the exchange elsewhere
      }),
    );
    state.stage = 'opening the page';
    await browser.send('Network.enable', {}, sessionId);
    await browser.send('Fetch.enable', { patterns: [{ urlPattern: pageUrl, requestStage: 'Request' }] }, sessionId);
    await browser.send('Page.enable', {}, sessionId);
    const loaded = browser.next('Page.loadEventFired', sessionId);
    loaded.catch(() => {}); // awaited below unless the navigation fails first
    const navigation = await browser.send<{ errorText?: string }>('Page.navigate', { url: pageUrl }, sessionId);
    if (navigation.errorText) throw new Error(`chromium: the generated page ${pageUrl} did not load: ${navigation.errorText}`);
    await loaded;
    state.stage = scriptStage;
    const evaluated = await browser.send<{ result: { value?: unknown }; exceptionDetails?: { text?: string; exception?: { description?: string } } }>(
      'Runtime.evaluate',
      { expression: script, awaitPromise: true, returnByValue: true },
      sessionId,
    );
    if (evaluated.exceptionDetails) {
      throw new Error(`chromium: the page's script failed: ${evaluated.exceptionDetails.exception?.description ?? evaluated.exceptionDetails.text ?? 'unknown error'}`);
    }
    state.stage = 'closing';
    return { value: evaluated.result.value, tab };
  }

  /** The flags beyond the base ones (chromiumCommand): isolation, trust, name mapping, QUIC on or off, the key log in `dir`. */
  flags(target: ServerAddress, dir: string): string[] {
    const address = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
    return [
      ...CHROMIUM_CLIENT_FLAGS,
      // The lab name goes to the target; any other name fails to resolve.
      `--host-resolver-rules=MAP ${target.serverName} ${address},MAP * ~NOTFOUND`,
      `--ignore-certificate-errors-spki-list=${this.spkiHash ?? ''}`,
      ...{
        h3: ['--enable-quic', `--origin-to-force-quic-on=${target.serverName}:${target.port}`],
        h2: ['--disable-quic'],
        // WebTransport over HTTP/3 (a dedicated QUIC connection per session); without the origin
        // forced onto QUIC, Chromium 156 fails the session's opening handshake against the lab leaf.
        webtransport: ['--enable-quic', `--origin-to-force-quic-on=${target.serverName}:${target.port}`],
      }[this.application],
      ...(this.options.keylogFile !== undefined ? [`--ssl-key-log-file=${join(dir, BROWSER_KEY_LOG)}`] : []),
    ];
  }

  info(): EndpointInfo {
    return {
      implementation: this.implementation,
      version: this.version ?? 'unknown',
      settings: {
        application: this.application,
        trust: 'SPKI hash of the lab leaf (--ignore-certificate-errors-spki-list)',
        driver: CHROMIUM_DRIVER,
        profile: 'fresh per exchange, private, deleted afterwards',
        privileges: this.user !== null ? `runs as ${this.user.name}, sandbox on` : 'sandbox on',
        ...(this.application === 'webtransport'
          ? {
              quic: 'enabled and forced for the origin (--origin-to-force-quic-on): WebTransport over HTTP/3, a dedicated QUIC connection per session; without the flag this Chromium fails the opening handshake against the lab leaf',
              session: "new WebTransport(url) from a page of the server's origin, no serverCertificateHashes (the lab leaf, RSA and 30 days, could not be one; the SPKI trust covers QUIC)",
              timings: "performance.now() in the page from just before the constructor (sessionMs: ready; every send and echo); handshakeMs from the browser's net log: the session's first packet to its first 1-RTT packet",
              ...(this.webTransportFacts !== null ? webTransportSettings(this.webTransportFacts) : {}),
            }
          : {
              quic: this.application === 'h3' ? 'forced for the origin (--origin-to-force-quic-on)' : 'disabled (--disable-quic)',
              requests: 'fetch() from a same-origin page, HTTP cache bypassed (no-store)',
              timings: 'Resource Timing, from connectStart',
              bodyCheck: "every byte against the lab's pattern, in the page, after the Resource Timing entries are taken",
            }),
        ...(this.options.netns !== undefined ? { netns: this.options.netns } : {}),
      },
    };
  }
}
