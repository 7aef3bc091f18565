// The pieces a run against a target adds to the session: the bodies' paths, the interface a
// direct run captures on, the path's own round trip and loss, and the record of it all.
import { ip, routeDeviceOf } from '../lab/namespaces.js';
import { measurePath } from '../measure/path-probe.js';
import type { TargetInfo } from '../results/schema.js';
import type { AnyScenario } from '../scenario/types.js';
import type { PreparedTarget } from './prepare.js';
import { plannedBodyBytes, type TargetRequest } from './target-run.js';
import { targetPath } from './target-url.js';

/** TCP connects timed before the run: enough for a median, bounded in count and time. */
export const PATH_PROBE_CONNECTS = 10;
const PATH_PROBE_TIMEOUT_MS = 3000;

export function bodyPathOf(pathTemplate: string): (bytes: number) => string {
  return (bytes) => targetPath(pathTemplate, bytes);
}

/** The interface of `ip route get`'s answer; throws when it names none. */
export function routeDevice(routeGetOutput: string): string {
  const device = routeDeviceOf(routeGetOutput);
  if (device === null) throw new Error(`no route's device in "${routeGetOutput.trim()}"`);
  return device;
}

export async function routeInterface(address: string): Promise<string> {
  return routeDevice(await ip(['route', 'get', address]));
}

/** The sum of the parts that are known; undefined when none is. */
export function sumDefined(...parts: Array<number | undefined>): number | undefined {
  const known = parts.filter((part): part is number => part !== undefined);
  return known.length === 0 ? undefined : known.reduce((sum, part) => sum + part, 0);
}

/** The target as the result records it, its path measured now (from this host: with --via-lab, the part beyond the emulated link). */
export async function targetInfoOf(remote: PreparedTarget, request: TargetRequest, scenario: AnyScenario, options: { samples?: number; warmup?: number }): Promise<TargetInfo> {
  const path = await measurePath({ address: remote.resolved.address, port: remote.resolved.port, count: PATH_PROBE_CONNECTS, timeoutMs: PATH_PROBE_TIMEOUT_MS });
  return {
    url: request.url.template,
    host: remote.resolved.host,
    port: remote.resolved.port,
    pathTemplate: request.url.pathTemplate,
    address: remote.resolved.address,
    resolvedBy: remote.resolved.resolvedBy,
    via: request.viaLab ? 'lab' : 'direct',
    server: remote.probe.server,
    altSvc: remote.probe.altSvc,
    plannedBodyBytes: plannedBodyBytes(scenario, options),
    maxBytes: request.maxBytes,
    path,
  };
}
