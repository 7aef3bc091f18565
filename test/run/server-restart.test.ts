// A server that dies during a run: the sample it broke fails with the reason, the server is
// restarted once on the same address, a second death fails the rest of its samples unrun.
import t from 'tap';
import { runScenario, type RunOptions } from '../../harness/run/loop.js';
import { runExitCode, EXIT_NO_SAMPLE_SUCCEEDED } from '../../harness/run/session.js';
import type { EndpointFactory, RequestSpec, ServerEndpoint } from '../../harness/endpoints/types.js';
import { resultSchema } from '../../harness/results/schema.js';

import { certificates, link, scriptedScenario, tls } from '../fixtures/scripted-run.js';

/** One server process stand-in: `kill()` makes it dead until the next start. */
class FakeServer implements ServerEndpoint {
  readonly implementation = 'fake';
  readonly speaks = [];
  dead: string | null = null;
  starts = 0;
  constructor(private readonly calls: string[]) {}
  async start() {
    this.starts++;
    this.dead = null;
    this.calls.push(`start ${this.starts}`);
    return { host: '127.0.0.1', port: 4433, serverName: 'server.lab.example' };
  }
  async stop() {
    this.dead = null;
  }
  exitReason() {
    return this.dead;
  }
  info() {
    return { implementation: 'fake', version: '1', settings: {} };
  }
}

function factory(server: FakeServer, calls: string[], onExchange: (caseId: string, n: number) => void): EndpointFactory {
  const counts = new Map<string, number>();
  return {
    server: () => server,
    client: (name, definition) => ({
      implementation: name,
      protocol: definition.protocol,
      application: definition.application,
      sessionModes: ['cold'],
      timingSources: {},
      prepare: async () => {},
      exchange: async ({ target }: RequestSpec) => {
        const n = counts.get(definition.id) ?? 0;
        counts.set(definition.id, n + 1);
        calls.push(`${definition.id}#${n}`);
        onExchange(definition.id, n);
        if (server.dead !== null) throw new Error(`no answer from ${target.host}:${target.port}`);
        return { handshakeMs: 1 };
      },
      info: () => ({ implementation: name, version: '1', settings: {} }),
    }),
  };
}

// Both cases on one server: its death and restart concern both.
const scenario = scriptedScenario(
  ['a', 'b'].map((id) => ({ id, protocol: 'quic' as const, application: 'h3' as const, client: 'ngtcp2', server: 'ngtcp2', workload: { kind: 'handshake' as const, bodyBytes: 1 } })),
  { samples: 3, warmup: 0, sampleTimeoutMs: 1000 },
);

const run = (server: FakeServer, calls: string[], samples: number, onExchange: (caseId: string, n: number) => void, onProgress?: RunOptions['onProgress']) =>
  runScenario(scenario, { samples, warmup: 0, sampleTimeoutMs: 1000, tls, certificates, link, endpoints: factory(server, calls, onExchange), ...(onProgress ? { onProgress } : {}) });

t.test('a death during a sample fails that sample with the reason; the server is restarted once and the run goes on', async (t) => {
  const calls: string[] = [];
  const server = new FakeServer(calls);
  const document = await run(server, calls, 3, (id, n) => {
    if (id === 'b' && n === 1) server.dead = 'gtlsserver exited with signal SIGKILL';
  });
  t.equal(document.status, 'completed');
  t.equal(resultSchema.safeParse(document).success, true);
  t.same(calls, ['start 1', 'a#0', 'b#0', 'b#1', 'start 2', 'a#1', 'a#2', 'b#2']);
  const [a, b] = document.cases;
  t.same(
    a?.samples.map((s) => s.status),
    ['ok', 'ok', 'ok'],
  );
  t.same(
    b?.samples.map((s) => [s.status, s.error]),
    [
      ['ok', undefined],
      ['failed', 'gtlsserver exited with signal SIGKILL during sample 1 of b (no answer from 127.0.0.1:4433)'],
      ['ok', undefined],
    ],
  );
  t.same(document.errors, ['gtlsserver exited with signal SIGKILL during sample 1 of b; restarted']);
  t.equal(runExitCode(document), 0, 'some samples succeeded');
});

t.test('a second death fails the rest of the samples unrun; every sample failed exits 3', async (t) => {
  const calls: string[] = [];
  const server = new FakeServer(calls);
  const document = await run(server, calls, 3, () => {
    server.dead = 'gtlsserver exited with code 1';
  });
  t.same(calls, ['start 1', 'a#0', 'start 2', 'b#0'], 'no exchange after the second death');
  const [a, b] = document.cases;
  t.same(
    a?.samples.map((s) => s.error),
    [
      'gtlsserver exited with code 1 during sample 0 of a (no answer from 127.0.0.1:4433)',
      'not run: gtlsserver exited with code 1 during sample 0 of b, after one restart',
      'not run: gtlsserver exited with code 1 during sample 0 of b, after one restart',
    ],
  );
  t.same(
    b?.samples.map((s) => [s.index, s.status]),
    [
      [0, 'failed'],
      [1, 'failed'],
      [2, 'failed'],
    ],
  );
  t.same(document.errors, ['gtlsserver exited with code 1 during sample 0 of a; restarted', 'gtlsserver exited with code 1 during sample 0 of b, after one restart: the rest of its samples are not run']);
  t.equal(document.status, 'completed');
  t.equal(runExitCode(document), EXIT_NO_SAMPLE_SUCCEEDED);
  t.equal(EXIT_NO_SAMPLE_SUCCEEDED, 3);
});

t.test('a death between samples restarts the server before the next one, no sample lost', async (t) => {
  const calls: string[] = [];
  const server = new FakeServer(calls);
  const document = await run(server, calls, 2, () => {});
  t.same(
    calls.filter((c) => c.startsWith('start')),
    ['start 1'],
  );
  t.same(document.errors, []);
  const second: string[] = [];
  const again = new FakeServer(second);
  const result = await run(
    again,
    second,
    2,
    () => {},
    (event) => {
      if (event.kind === 'sample' && event.done === 1) again.dead = 'caddy exited with signal SIGTERM';
    },
  );
  t.same(second, ['start 1', 'a#0', 'start 2', 'b#0', 'b#1', 'a#1']);
  t.same(result.errors, ['caddy exited with signal SIGTERM before sample 0 of b; restarted']);
  t.same(
    result.cases.flatMap((c) => c.samples.map((s) => s.status)),
    ['ok', 'ok', 'ok', 'ok'],
  );
});

t.test('exit codes: completed 0, no sample succeeded 3, failed 1, aborted 130', async (t) => {
  const sample = (status: 'ok' | 'failed') => ({ index: 0, status, startedAt: '', metrics: {} });
  const doc = (status: 'completed' | 'failed' | 'aborted', samples: Array<'ok' | 'failed'>) => ({ status, cases: [{ samples: samples.map(sample) }] }) as unknown as Parameters<typeof runExitCode>[0];
  t.equal(runExitCode(doc('completed', ['ok', 'failed'])), 0);
  t.equal(runExitCode(doc('completed', ['failed', 'failed'])), 3);
  t.equal(runExitCode(doc('completed', [])), 0, 'no samples (every case unsupported): nothing failed');
  t.equal(runExitCode(doc('failed', ['failed'])), 1);
  t.equal(runExitCode(doc('aborted', ['failed'])), 130);
});
