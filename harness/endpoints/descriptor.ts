// What an implementation is to the harness: one descriptor per folder under endpoints/, listed
// once in implementations.ts. The registry, the name types and the matrix's capability checks
// are all derived from the descriptors.
import type { Application, ClientEndpoint, ClientNeed, EndpointCase, EndpointPlacement, Protocol, ServerEndpoint, SessionMode, TlsMaterial } from './types.js';

/** What one role (server or client) of an implementation speaks and can do. */
export interface RoleDescriptor {
  /** The name on the command line (--server, --client) and in case definitions. */
  readonly name: string;
  /** The name the result records (EndpointInfo.implementation). */
  readonly implementation: string;
  /** Offered by --server / --client (the SMB endpoints and the handshake-only probe are not). */
  readonly selectable: boolean;
  readonly speaks: ReadonlyArray<{ readonly protocol: Protocol; readonly application: Application }>;
  readonly sessionModes: readonly SessionMode[];
  /** Why a session mode is missing, when it is. */
  readonly sessionNote?: string;
  /** Early data over these protocols only (default: every protocol it speaks), and why. */
  readonly earlyData?: { readonly protocols: readonly Protocol[]; readonly note: string };
  /** Why uploads (POST bodies) are not possible; absent when they are. */
  readonly noUploads?: string;
  /** The installed version, or null when it is not installed. */
  version(): Promise<string | null>;
}

export interface ServerRole extends RoleDescriptor {
  /** Why one server serves one client at a time (iperf3): a run starts one per flow that uses it, never shares it. */
  readonly oneClientAtATime?: string;
}

export interface ClientRole extends RoleDescriptor {
  /** Each thing a case may need of a client (see ClientCapabilities): true, or why not. */
  readonly can: Readonly<Record<ClientNeed, true | string>>;
}

/** One run's endpoints of an implementation; per-run state (ports handed out, a server its client needs) lives here. */
export interface ImplementationEndpoints {
  server?: (tls: TlsMaterial) => ServerEndpoint;
  client?: (caseDefinition: EndpointCase, tls: TlsMaterial) => ClientEndpoint;
}

export interface ImplementationDescriptor {
  /** Its folder under endpoints/. */
  readonly name: string;
  /** Where it comes from: the Debian or npm package to install. */
  readonly install: string;
  readonly server?: ServerRole;
  readonly client?: ClientRole;
  /** Called once per run: the endpoints of each role it has, placed as the run says. */
  open(placement: EndpointPlacement): ImplementationEndpoints;
}

/** A descriptor with its names kept literal, so the name types can be derived from the list. */
export function defineImplementation<const D extends ImplementationDescriptor>(descriptor: D): D {
  return descriptor;
}

export type ServerNameOf<D> = D extends { readonly server: { readonly name: infer N extends string } } ? N : never;
export type ClientNameOf<D> = D extends { readonly client: { readonly name: infer N extends string } } ? N : never;

/** Both transports' HTTP over TCP+TLS, and HTTP/3: what most implementations speak. */
export const H1_H2 = [
  { protocol: 'tcp-tls', application: 'h2' },
  { protocol: 'tcp-tls', application: 'http/1.1' },
] as const;
export const H3 = [{ protocol: 'quic', application: 'h3' }] as const;

/** The version probe of something that cannot fail to be there (Node, an npm package): the version as given. */
export async function knownVersion(version: string): Promise<string | null> {
  return version;
}

/** A version probe that answers null instead of failing (not installed, or it says nothing usable). */
export function probeVersion(probe: () => Promise<string | null>): () => Promise<string | null> {
  return () => probe().catch(() => null);
}
