// The implementation matrix, as the QUIC interop runner has it: every scenario can run over
// chosen servers x clients. Each implementation's descriptor (endpoints/<name>/index.ts) says
// what it can do; a pair that speaks a case's protocol but cannot do the variant (a session
// mode, an upload, many objects at once, a file copy) is recorded as unsupported with the
// reason, never run and failed.
import type { ImplementationDescriptor, RoleDescriptor } from '../endpoints/descriptor.js';
import { IMPLEMENTATIONS } from '../endpoints/implementations.js';
import { clientRole, namesOf, serverRole } from '../endpoints/registry.js';
import type { ClientNeed } from '../endpoints/types.js';
import { sendsBody, sessionOf, type AnyScenario, type CaseDefinition, type ClientName, type ServerName } from './types.js';

export { CLIENT_NAMES, SERVER_NAMES } from '../endpoints/registry.js';

/** What a case needs its client to do: its own `needs`, else its scenario's, else an exchange. */
export function caseNeeds(scenario: Pick<AnyScenario, 'needs'>, c: Pick<CaseDefinition, 'needs'>): ClientNeed {
  return c.needs ?? scenario.needs ?? 'exchange';
}

function speaks(role: RoleDescriptor, c: Pick<CaseDefinition, 'protocol' | 'application'>): boolean {
  return role.speaks.some((s) => s.protocol === c.protocol && s.application === c.application);
}

/**
 * Why `server` with `client` cannot do the case's variant; undefined when they can. `needs`:
 * what the case needs of its client (see caseNeeds).
 */
export function unsupportedReason(c: CaseDefinition, server: string, client: string, needs: ClientNeed = 'exchange', implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): string | undefined {
  const session = sessionOf(c);
  const clientDescriptor = clientRole(client, implementations);
  for (const [name, role] of [
    [server, serverRole(server, implementations)],
    [client, clientDescriptor],
  ] as const) {
    if (!role.sessionModes.includes(session)) return `${name}: no ${session} sessions${role.sessionNote ? ` (${role.sessionNote})` : ''}`;
    if (session === 'early-data' && role.earlyData && !role.earlyData.protocols.includes(c.protocol)) {
      return `${name}: no early data over ${c.protocol === 'quic' ? 'QUIC' : 'TCP+TLS'} (${role.earlyData.note})`;
    }
    if (sendsBody(c.workload) && role.noUploads) return `${name}: ${role.noUploads}`;
  }
  const can = clientDescriptor.can[needs];
  return can === true ? undefined : `${client}: ${can}`;
}

/** The id of a case run by other implementations than the scenario's own: "quic-h3-1MB@caddy/chromium". */
export function matrixCaseId(baseId: string, server: string, client: string): string {
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
 * An every-pair scenario (everyPair) is spread over every selectable server and client of
 * `implementations` that `choice` does not narrow.
 * `implementations`: where the names are looked up (a test may bring its own list; names
 * outside ServerName/ClientName then come from that list).
 */
export function expandMatrix<S extends AnyScenario>(scenario: S, choice: { servers?: readonly string[]; clients?: readonly string[] }, implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): S {
  if (!choice.servers && !choice.clients && !scenario.everyPair) return scenario;
  // An every-pair scenario (the interop matrix) runs on every selectable implementation unless narrowed.
  const servers = choice.servers ?? (scenario.everyPair ? namesOf('server', implementations, true) : undefined);
  const clients = choice.clients ?? (scenario.everyPair ? namesOf('client', implementations, true) : undefined);
  const cases = scenario.cases.flatMap((c) =>
    (servers ?? [c.server]).flatMap((server) =>
      (clients ?? [c.client]).flatMap((client): CaseDefinition[] => {
        if (!speaks(serverRole(server, implementations), c) || !speaks(clientRole(client, implementations), c)) return [];
        // Every case of an every-pair scenario names its pair: no pair is the scenario's own.
        const own = !scenario.everyPair && server === c.server && client === c.client;
        const id = own ? c.id : matrixCaseId(c.id, server, client);
        // The case's own reason is about its own implementations; other pairs have theirs.
        const needs = caseNeeds(scenario, c);
        const reason = own ? (c.unsupported ?? unsupportedReason(c, server, client, needs, implementations)) : (unsupportedReason(c, server, client, needs, implementations) ?? c.unsupported);
        // A name from `implementations`: ServerName/ClientName cover IMPLEMENTATIONS' names.
        return [{ ...c, id, server: server as ServerName, client: client as ClientName, ...(reason !== undefined ? { unsupported: reason } : {}) }];
      }),
    ),
  );
  return { ...scenario, cases };
}
