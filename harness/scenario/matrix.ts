// The implementation matrix, as the QUIC interop runner has it: every scenario can run over
// chosen servers x clients. Each implementation's static metadata says what it can do; a
// pair that speaks a case's protocol but cannot do the variant (a session mode, an upload,
// many objects at once) is recorded as unsupported with the reason, never run and failed.
import type { Application, Protocol, SessionMode } from '../endpoints/types.js';
import type { CaseDefinition, ClientName, ScenarioDefinition, ServerName } from './types.js';

export interface Capabilities {
  /** The name the result records (EndpointInfo.implementation). */
  implementation: string;
  speaks: ReadonlyArray<{ protocol: Protocol; application: Application }>;
  sessionModes: readonly SessionMode[];
  /** Why uploads (POST bodies) are not possible; absent when they are. */
  noUploads?: string;
  /** Why many objects at once are not possible (clients); absent when they are. */
  noBatch?: string;
  /** Why a session mode is missing, when it is. */
  sessionNote?: string;
  /** Early data over these protocols only (default: every protocol it speaks), and why. */
  earlyData?: { protocols: readonly Protocol[]; note: string };
}

const H1_H2 = [
  { protocol: 'tcp-tls', application: 'h2' },
  { protocol: 'tcp-tls', application: 'http/1.1' },
] as const;
const H3 = [{ protocol: 'quic', application: 'h3' }] as const;

export const SERVERS: Readonly<Record<ServerName, Capabilities>> = {
  node: {
    implementation: 'node',
    speaks: [...H1_H2, { protocol: 'tcp-tls', application: 'none' }],
    sessionModes: ['cold', 'resumed'],
    sessionNote: "Node's TLS has no early-data API",
  },
  ngtcp2: { implementation: 'ngtcp2-gtlsserver', speaks: H3, sessionModes: ['cold', 'resumed', 'early-data'] },
  caddy: {
    implementation: 'caddy',
    speaks: [...H1_H2, ...H3],
    sessionModes: ['cold', 'resumed', 'early-data'],
    earlyData: { protocols: ['quic'], note: "Go's TLS, which Caddy uses over TCP, has no 0-RTT; quic-go accepts it" },
    noUploads: "Caddy's static file server cannot count and check an upload",
  },
  samba: { implementation: 'samba-smbd', speaks: [{ protocol: 'tcp', application: 'smb3' }], sessionModes: ['cold'] },
};

export const CLIENTS: Readonly<Record<ClientName, Capabilities>> = {
  'node-tls': { implementation: 'node-tls', speaks: [{ protocol: 'tcp-tls', application: 'none' }], sessionModes: ['cold'], noUploads: 'node-tls only handshakes', noBatch: 'node-tls only handshakes' },
  undici: { implementation: 'undici', speaks: H1_H2, sessionModes: ['cold', 'resumed'], sessionNote: "Node's TLS has no early-data API" },
  ngtcp2: { implementation: 'ngtcp2-gtlsclient', speaks: H3, sessionModes: ['cold', 'resumed', 'early-data'] },
  curl: {
    implementation: 'curl',
    speaks: H1_H2,
    sessionModes: ['cold'],
    sessionNote: "curl's command line cannot carry a TLS session from a priming connection to the measured one",
  },
  chromium: {
    implementation: 'chromium',
    speaks: [{ protocol: 'tcp-tls', application: 'h2' }, ...H3],
    sessionModes: ['cold'],
    sessionNote: 'each page load uses a fresh browser profile',
    noUploads: 'the browser client loads pages; it does not upload',
  },
  smbclient: { implementation: 'smbclient', speaks: [{ protocol: 'tcp', application: 'smb3' }], sessionModes: ['cold'], noBatch: 'one copy at a time' },
};

/** SMB's own endpoints run smb-copy only; HTTP scenarios choose among the others. */
export const SERVER_NAMES = (Object.keys(SERVERS) as ServerName[]).filter((name) => name !== 'samba');
/** node-tls is the handshake-only probe, not a client to choose. */
export const CLIENT_NAMES = (Object.keys(CLIENTS) as ClientName[]).filter((name) => name !== 'node-tls' && name !== 'smbclient');

function speaks(capabilities: Capabilities, c: Pick<CaseDefinition, 'protocol' | 'application'>): boolean {
  return capabilities.speaks.some((s) => s.protocol === c.protocol && s.application === c.application);
}

/** Why `server` with `client` cannot do the case's variant; undefined when they can. */
export function unsupportedReason(c: CaseDefinition, server: ServerName, client: ClientName): string | undefined {
  const session = c.session ?? 'cold';
  for (const [name, capabilities] of [[server, SERVERS[server]], [client, CLIENTS[client]]] as const) {
    if (!capabilities.sessionModes.includes(session)) return `${name}: no ${session} sessions${capabilities.sessionNote ? ` (${capabilities.sessionNote})` : ''}`;
    if (session === 'early-data' && capabilities.earlyData && !capabilities.earlyData.protocols.includes(c.protocol)) {
      return `${name}: no early data over ${c.protocol === 'quic' ? 'QUIC' : 'TCP+TLS'} (${capabilities.earlyData.note})`;
    }
    if (c.parameters.direction === 'up' && capabilities.noUploads) return `${name}: ${capabilities.noUploads}`;
    if (c.parameters.objects !== undefined && capabilities.noBatch) return `${name}: ${capabilities.noBatch}`;
  }
  return undefined;
}

/** The id of a case run by other implementations than the scenario's own: "quic-h3-1MB@caddy/chromium". */
export function matrixCaseId(baseId: string, server: ServerName, client: ClientName): string {
  return `${baseId}@${server}/${client}`;
}

/** Whether a case ran on other implementations than the scenario's own (see matrixCaseId). */
export function isMatrixCase(c: { id: string }): boolean {
  return c.id.includes('@');
}

/** The case's variant without the implementations: "quic-h3-1MB@caddy/chromium" -> "quic-h3-1MB". */
export function variantOf(c: { id: string }): string {
  return c.id.replace(/@.*$/, '');
}

/**
 * The scenario's cases over `servers` x `clients` (each defaulting to the case's own). A pair
 * that does not speak the case's protocol and application is left out; one that speaks it
 * but cannot do the variant is kept as unsupported. The scenario's own pair keeps its id.
 */
export function expandMatrix(scenario: ScenarioDefinition, choice: { servers?: readonly ServerName[]; clients?: readonly ClientName[] }): ScenarioDefinition {
  if (!choice.servers && !choice.clients) return scenario;
  const cases = scenario.cases.flatMap((c) =>
    (choice.servers ?? [c.server]).flatMap((server) =>
      (choice.clients ?? [c.client]).flatMap((client): CaseDefinition[] => {
        if (!speaks(SERVERS[server], c) || !speaks(CLIENTS[client], c)) return [];
        const own = server === c.server && client === c.client;
        const id = own ? c.id : matrixCaseId(c.id, server, client);
        // The case's own reason is about its own implementations; other pairs have theirs.
        const reason = own ? (c.unsupported ?? unsupportedReason(c, server, client)) : (unsupportedReason(c, server, client) ?? c.unsupported);
        return [{ ...c, id, server, client, ...(reason !== undefined ? { unsupported: reason } : {}) }];
      }),
    ),
  );
  return { ...scenario, cases };
}
