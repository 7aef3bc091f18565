// Which server the stacks bench measures with which client: every available HTTP/3 server, with
// its own client where it has one, else the first available fallback client.
import t from 'tap';
import { H1_H2, H3, defineImplementation, knownVersion, type ImplementationDescriptor, type RoleDescriptor } from '../../harness/endpoints/descriptor.js';
import { stackPairs } from '../../harness/bench/stacks.js';

const role = (name: string, speaks: RoleDescriptor['speaks']) => ({ name, implementation: name, selectable: true, speaks, sessionModes: ['cold'] as const, version: () => knownVersion('1') });
const can = { exchange: true, batch: true, copy: 'no', messages: 'no' } as const;
const both = (name: string): ImplementationDescriptor => defineImplementation({ name, install: '-', server: role(name, H3), client: { ...role(name, H3), can }, open: () => ({}) });

const LIST: ImplementationDescriptor[] = [
  defineImplementation({ name: 'node', install: '-', server: role('node', H1_H2), open: () => ({}) }),
  both('ngtcp2'),
  defineImplementation({ name: 'caddy', install: '-', server: role('caddy', [...H3, ...H1_H2]), open: () => ({}) }),
  both('quic-go'),
  both('aioquic'),
  defineImplementation({ name: 'chromium', install: '-', client: { ...role('chromium', H3), can }, open: () => ({}) }),
];

t.test('each available HTTP/3 server with its own client; Caddy with quic-go', async (t) => {
  t.same(stackPairs(LIST, new Set(['node', 'ngtcp2', 'caddy', 'quic-go', 'aioquic', 'chromium'])), [
    { stack: 'ngtcp2', server: 'ngtcp2', client: 'ngtcp2' },
    { stack: 'caddy', server: 'caddy', client: 'quic-go' },
    { stack: 'quic-go', server: 'quic-go', client: 'quic-go' },
    { stack: 'aioquic', server: 'aioquic', client: 'aioquic' },
  ]);
});

t.test('an unavailable stack is left out, and a server without a client falls back in order', async (t) => {
  t.same(stackPairs(LIST, new Set(['ngtcp2', 'caddy', 'chromium'])), [
    { stack: 'ngtcp2', server: 'ngtcp2', client: 'ngtcp2' },
    { stack: 'caddy', server: 'caddy', client: 'ngtcp2' },
  ]);
  t.same(stackPairs(LIST, new Set(['caddy', 'chromium'])), [], 'no fallback client: no pair (Chromium is no fallback)');
});
