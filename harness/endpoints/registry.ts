// Endpoints by name, from the implementations' descriptors: the one place that maps a case's
// client and server names to drivers.
import type { ClientRole, ImplementationDescriptor, ImplementationEndpoints, ServerRole } from './descriptor.js';
import { IMPLEMENTATIONS, type ClientName, type ServerName } from './implementations.js';
import type { EndpointFactory, EndpointPlacement } from './types.js';

type Role = 'server' | 'client';

function roleOf(descriptor: ImplementationDescriptor, role: Role): ServerRole | ClientRole | undefined {
  return role === 'server' ? descriptor.server : descriptor.client;
}

/** The descriptor whose `role` is called `name`; throws for a name none has. */
export function implementationOf(role: Role, name: string, implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): ImplementationDescriptor {
  const found = implementations.find((d) => roleOf(d, role)?.name === name);
  if (!found) throw new Error(`no ${role} called "${name}" (known: ${namesOf(role, implementations).join(', ')})`);
  return found;
}

export function serverRole(name: string, implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): ServerRole {
  return implementationOf('server', name, implementations).server as ServerRole;
}

export function clientRole(name: string, implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): ClientRole {
  return implementationOf('client', name, implementations).client as ClientRole;
}

/** The names of every server or client in the list, in its order (selectable ones only when asked). */
export function namesOf(role: Role, implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS, selectableOnly = false): string[] {
  return implementations.flatMap((d) => {
    const r = roleOf(d, role);
    return r !== undefined && (!selectableOnly || r.selectable) ? [r.name] : [];
  });
}

/** The servers --server offers: "node", "ngtcp2", "caddy". */
export const SERVER_NAMES = namesOf('server', IMPLEMENTATIONS, true) as ServerName[];
/** The clients --client offers: "undici", "ngtcp2", "curl", "chromium". */
export const CLIENT_NAMES = namesOf('client', IMPLEMENTATIONS, true) as ClientName[];

/**
 * The run's endpoint factory: each implementation is opened once, on first use, with the
 * run's placement (so per-run state such as ports handed out lives with the implementation).
 */
export function endpointFactory(placement: EndpointPlacement, implementations: readonly ImplementationDescriptor[] = IMPLEMENTATIONS): EndpointFactory {
  const opened = new Map<ImplementationDescriptor, ImplementationEndpoints>();
  const open = (descriptor: ImplementationDescriptor): ImplementationEndpoints => {
    let endpoints = opened.get(descriptor);
    if (!endpoints) {
      endpoints = descriptor.open(placement);
      opened.set(descriptor, endpoints);
    }
    return endpoints;
  };
  return {
    server(name, tls) {
      const build = open(implementationOf('server', name, implementations)).server;
      if (!build) throw new Error(`${name}: its implementation builds no server`);
      return build(tls);
    },
    client(name, caseDefinition, tls) {
      const build = open(implementationOf('client', name, implementations)).client;
      if (!build) throw new Error(`${name}: its implementation builds no client`);
      return build(caseDefinition, tls);
    },
  };
}
