// A server that dies during a run (a crash, the OOM killer, a stray kill) is noticed after each
// sample through its exitReason(), restarted once on the same port, and given up on at its
// second death: the samples of its cases from then on are recorded as failed, not run.
import type { ServerAddress, ServerEndpoint } from '../endpoints/types.js';
import type { Sample } from '../results/schema.js';

export interface RunServer {
  endpoint: ServerEndpoint;
  address: ServerAddress;
  /** Restarts after a death so far (at most one). */
  restarts: number;
  /** Set once the server is given up on: the error of every sample its cases still had to take. */
  gaveUp?: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why `server` is dead now, or null while it serves. */
export function deathOf(server: RunServer): string | null {
  return server.endpoint.exitReason?.() ?? null;
}

/**
 * Handles `server`'s death (`reason` says which and when): restarts it once, or gives up on it.
 * Resolves with the line for the result's errors; `onAddress` gets the restarted server's address.
 */
export async function afterServerDeath(server: RunServer, reason: string, onAddress: (address: ServerAddress) => void): Promise<string> {
  if (server.restarts >= 1) {
    server.gaveUp = `not run: ${reason}, after one restart`;
    return `${reason}, after one restart: the rest of its samples are not run`;
  }
  server.restarts++;
  try {
    await server.endpoint.stop();
    server.address = await server.endpoint.start();
    onAddress(server.address);
    return `${reason}; restarted`;
  } catch (error) {
    server.gaveUp = `not run: ${reason}, and its restart failed`;
    await server.endpoint.stop().catch(() => undefined);
    return `${reason}; restarting it failed (${message(error)}): the rest of its samples are not run`;
  }
}

/** A sample the loop did not take because its server was given up on. */
export function notRunSample(index: number, error: string): Sample {
  return { index, status: 'failed', error, startedAt: new Date().toISOString(), metrics: {} };
}

/** A sample taken while its server died: failed samples carry the death first, their own error after. */
export function withDeath(sample: Sample, reason: string): Sample {
  return sample.status === 'failed' ? { ...sample, error: `${reason} (${sample.error ?? 'no error given'})` } : sample;
}
