// Which of a scenario's implementations are installed. A case whose server or client is not
// (a peer setup skipped for want of its toolchain) is "unavailable" in an every-pair run (the
// interop matrix), like an unsupported one, not a failure; a run that names it is refused
// before setup with what to do.
import { IMPLEMENTATIONS } from '../endpoints/implementations.js';
import type { ImplementationDescriptor } from '../endpoints/descriptor.js';
import { RunOptionsError } from './options.js';
import { companionFlowsOf, messageProbeOf, type AnyScenario } from '../scenario/types.js';

const roleKey = (kind: 'server' | 'client', name: string): string => `${kind}:${name}`;

/** Why each role of `implementations` that `wanted` names (default: every one) is not installed, keyed "server:<name>" / "client:<name>". */
async function missingRoleReasons(implementations: readonly ImplementationDescriptor[], wanted: (key: string) => boolean = () => true): Promise<Map<string, string>> {
  const missing = new Map<string, string>();
  await Promise.all(
    implementations.flatMap((descriptor) =>
      (['server', 'client'] as const).map(async (kind) => {
        const role = descriptor[kind];
        if (!role || !wanted(roleKey(kind, role.name))) return;
        if ((await role.version()) === null) missing.set(roleKey(kind, role.name), `${role.name} is not installed (${descriptor.install})`);
      }),
    ),
  );
  return missing;
}

/** Why each role the scenario's runnable cases use is not installed, keyed "server:<name>" / "client:<name>". */
export async function missingRoles(scenario: Pick<AnyScenario, 'cases'>, implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): Promise<Map<string, string>> {
  // A competition's companion flows and message probe need their implementations as much as its own flow does.
  const endpoints = (c: AnyScenario['cases'][number]) => [c, ...companionFlowsOf(c), ...[messageProbeOf(c)].filter((p) => p !== undefined)];
  const wanted = new Set(scenario.cases.filter((c) => c.unsupported === undefined).flatMap((c) => endpoints(c).flatMap((e) => [roleKey('server', e.server), roleKey('client', e.client)])));
  return missingRoleReasons(implementations, (key) => wanted.has(key));
}

/** The implementations whose every role is installed, by name. */
export async function installedImplementations(implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): Promise<Set<string>> {
  const missing = await missingRoleReasons(implementations);
  const installed = (i: ImplementationDescriptor) => (['server', 'client'] as const).every((kind) => i[kind] === undefined || !missing.has(roleKey(kind, i[kind].name)));
  return new Set(implementations.filter(installed).map((i) => i.name));
}

/** The scenario with cases of missing implementations marked unavailable (pure: unit-tested). */
export function markUnavailable<S extends AnyScenario>(scenario: S, missing: ReadonlyMap<string, string>): S {
  if (missing.size === 0) return scenario;
  if (!scenario.everyPair) {
    throw new RunOptionsError(`${[...new Set(missing.values())].join('; ')}: run \`npm run setup\`, which says why it skipped it`);
  }
  const cases = scenario.cases.map((c) => {
    if (c.unsupported !== undefined) return c;
    const reason = missing.get(roleKey('server', c.server)) ?? missing.get(roleKey('client', c.client));
    return reason === undefined ? c : { ...c, unavailable: reason };
  });
  return { ...scenario, cases };
}
