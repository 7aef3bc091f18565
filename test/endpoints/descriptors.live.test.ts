// Every implementation's descriptor: in its own folder, names unique per role, recorded names
// unique, a version probe that answers (a version, or null when it is not installed) and an
// install hint.
import t from 'tap';
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { IMPLEMENTATIONS } from '../../harness/endpoints/implementations.js';
import { CLIENT_NEEDS } from '../../harness/endpoints/types.js';

const ENDPOINTS = fileURLToPath(new URL('../../harness/endpoints/', import.meta.url));

t.test('one folder each, one descriptor in its index.ts', async (t) => {
  for (const descriptor of IMPLEMENTATIONS) {
    await t.resolves(access(`${ENDPOINTS}${descriptor.name}/index.ts`), `${descriptor.name}/index.ts`);
    t.ok(descriptor.install.length > 0, `${descriptor.name}: an install hint`);
    t.ok('server' in descriptor || 'client' in descriptor, `${descriptor.name}: a role`);
  }
  t.equal(new Set(IMPLEMENTATIONS.map((d) => d.name)).size, IMPLEMENTATIONS.length, 'folder names unique');
});

t.test('names unique per role; recorded names unique; every client says what it can do', async (t) => {
  const servers = IMPLEMENTATIONS.flatMap((d) => ('server' in d ? [d.server] : []));
  const clients = IMPLEMENTATIONS.flatMap((d) => ('client' in d ? [d.client] : []));
  t.equal(new Set(servers.map((r) => r.name)).size, servers.length);
  t.equal(new Set(clients.map((r) => r.name)).size, clients.length);
  const recorded = [...servers, ...clients].map((r) => r.implementation);
  t.equal(new Set(recorded).size, recorded.length);
  for (const client of clients) {
    t.same(Object.keys(client.can).sort(), [...CLIENT_NEEDS].sort(), `${client.name}: every need answered`);
    t.ok(
      Object.values(client.can).some((can) => can === true),
      `${client.name}: can do something`,
    );
  }
});

t.test('version probes answer a version or null, never throw', async (t) => {
  for (const role of IMPLEMENTATIONS.flatMap((d) => [...('server' in d ? [d.server] : []), ...('client' in d ? [d.client] : [])])) {
    const version = await role.version();
    t.ok(version === null || (typeof version === 'string' && version.length > 0), `${role.name} (${role.implementation}): ${version}`);
  }
});
