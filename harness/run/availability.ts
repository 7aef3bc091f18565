// Which of a scenario's implementations are installed. A case whose server or client is not
// (a peer setup skipped for want of its toolchain) is "unavailable" in an every-pair run (the
// interop matrix), like an unsupported one, not a failure; a run that names it is refused
// before setup with what to do.
import { IMPLEMENTATIONS } from '../endpoints/implementations.js';
import type { ImplementationDescriptor } from '../endpoints/descriptor.js';
import { RunOptionsError } from './options.js';
import type { AnyScenario } from '../scenario/types.js';

/** Why each role that is not installed is missing, keyed "server:<name>" / "client:<name>". */
export async function missingRoles(scenario: Pick<AnyScenario, 'cases'>, implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): Promise<Map<string, string>> {
  const wanted = new Set(scenario.cases.filter((c) => c.unsupported === undefined).flatMap((c) => [`server:${c.server}`, `client:${c.client}`]));
  const missing = new Map<string, string>();
  await Promise.all(
    implementations.flatMap((descriptor) =>
      (['server', 'client'] as const).map(async (kind) => {
        const role = descriptor[kind];
        if (!role || !wanted.has(`${kind}:${role.name}`)) return;
        if ((await role.version()) === null) missing.set(`${kind}:${role.name}`, `${role.name} is not installed (${descriptor.install})`);
      }),
    ),
  );
  return missing;
}

/** The scenario with cases of missing implementations marked unavailable (pure: unit-tested). */
export function markUnavailable<S extends AnyScenario>(scenario: S, missing: ReadonlyMap<string, string>): S {
  if (missing.size === 0) return scenario;
  if (!scenario.everyPair) {
    throw new RunOptionsError(`${[...new Set(missing.values())].join('; ')}: run \`npm run setup\`, which says why it skipped it`);
  }
  const cases = scenario.cases.map((c) => {
    if (c.unsupported !== undefined) return c;
    const reason = missing.get(`server:${c.server}`) ?? missing.get(`client:${c.client}`);
    return reason === undefined ? c : { ...c, unavailable: reason };
  });
  return { ...scenario, cases };
}
