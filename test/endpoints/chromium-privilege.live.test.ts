// The measuring Chromium on the lab runs as the unprivileged lab user with its own sandbox on:
// one h3 (gtlsserver) and one h2 (Node) handshake sample through the CLI, with the capture. While
// it runs, every process of the browser is looked at: its user, its command line (no
// --no-sandbox), and, for renderers, the namespace sandbox and seccomp. Then: the capture was
// decrypted with the secrets the browser wrote (wire metrics need the server's Finished and the
// response, both encrypted), the run's kept key log holds them and the result does not, and
// nothing is left (processes, the browser's directories with its key log, the run's key log).
import t from 'tap';
import { readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHROMIUM_CLIENT_DIR_PREFIX } from '../../harness/endpoints/chromium/client.js';
import { chromiumPath } from '../../harness/endpoints/chromium/headless.js';
import { parseKeyLog } from '../../harness/capture/keylog.js';
import { labUser } from '../../harness/process/unprivileged.js';
import { processesNaming, tempEntries } from '../fixtures/leftovers.js';
import { runScenarioCli } from '../fixtures/run-scenario.js';

interface Seen {
  pid: string;
  uids: string[];
  type: string;
  noSandbox: boolean;
  seccomp: string;
  userNs: string;
}

interface SeenDir {
  name: string;
  uid: number;
  mode: number;
}

/** The browser's processes (their command line names a browser directory) and those directories, as they are now. */
async function look(processes: Map<string, Seen>, dirs: Map<string, SeenDir>): Promise<void> {
  for (const pid of await readdir('/proc').catch(() => [])) {
    // A renderer is read again until its seccomp filter is on: it installs it a moment after it starts.
    const known = processes.get(pid);
    if (!/^\d+$/.test(pid) || (known !== undefined && (known.type !== 'renderer' || known.seccomp === '2'))) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(join(tmpdir(), CHROMIUM_CLIENT_DIR_PREFIX))) continue;
    // Chromium's helpers rewrite their command line into one string: split on spaces too.
    const args = cmdline.split(/[\0 ]/);
    // The wrappers (setpriv, ip netns exec, env) exec the browser in the same process: only the browser itself counts.
    if (!/chromium/.test(args[0] ?? '')) continue;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    if (status === '') continue;
    processes.set(pid, {
      pid,
      uids: (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '').split(/\s+/),
      type: args.find((a) => a.startsWith('--type='))?.slice('--type='.length) ?? 'browser',
      noSandbox: args.includes('--no-sandbox'),
      seccomp: /^Seccomp:\s+(\d+)/m.exec(status)?.[1] ?? '',
      userNs: await readlink(`/proc/${pid}/ns/user`).catch(() => ''),
    });
  }
  for (const name of await tempEntries(CHROMIUM_CLIENT_DIR_PREFIX)) {
    const info = await stat(join(tmpdir(), name)).catch(() => null);
    if (info !== null) dirs.set(name, { name, uid: info.uid, mode: info.mode & 0o777 });
  }
}

const missing = await chromiumPath().then(
  () => null,
  (error: Error) => error.message,
);
const skip = missing ?? (process.getuid?.() !== 0 ? 'not root: no lab, nothing to drop' : false);

t.test('the measuring Chromium on the lab runs as the lab user, sandboxed; its secrets decrypt the capture and stay private', { skip }, async (t) => {
  const user = await labUser();
  const runDirsBefore = await tempEntries('quic-lab-');
  const processes = new Map<string, Seen>();
  const dirs = new Map<string, SeenDir>();
  const keep = join(tmpdir(), `qlab-chromium-privilege-${process.pid}`);
  t.teardown(() => rm(keep, { recursive: true, force: true }));
  let running = true;
  const watcher = (async () => {
    // Bounded: the run's own timeout ends it long before this.
    for (let i = 0; running && i < 6000; i++) {
      await look(processes, dirs);
      await sleep(25);
    }
  })();
  let result: Awaited<ReturnType<typeof runScenarioCli>>;
  try {
    result = await runScenarioCli(t, ['handshake', '--rtt', '10ms', '--server', 'ngtcp2,node', '--client', 'chromium', '--variants', 'tcp-tls-h2,quic-h3', '--samples', '1', '--warmup', '0', '--keep-captures', keep], 180_000);
  } finally {
    running = false;
    await watcher;
  }
  const { document, resultPath } = result;

  t.same(
    document.cases.map((c) => c.id),
    ['tcp-tls-h2@node/chromium', 'quic-h3@ngtcp2/chromium'],
  );
  for (const c of document.cases) {
    t.same(
      c.samples.map((s) => s.status),
      ['ok'],
      `${c.id}: ${c.samples.map((s) => s.error ?? '').join(' ')}`,
    );
    for (const s of c.samples) {
      // Both need the key log: the server's Finished and the response are encrypted on the wire.
      t.ok((s.metrics.wireHandshakeMs ?? 0) > 0, `${c.id}: wireHandshakeMs ${s.metrics.wireHandshakeMs} (decrypted)`);
      t.ok((s.metrics.wireTtfbMs ?? 0) > 0, `${c.id}: wireTtfbMs ${s.metrics.wireTtfbMs} (decrypted)`);
    }
  }

  const seen = [...processes.values()];
  t.comment(`seen: ${seen.map((p) => `${p.type}(uid ${p.uids[0]}, seccomp ${p.seccomp})`).join(', ')}`);
  t.ok(
    seen.some((p) => p.type === 'browser'),
    'the browser process was seen',
  );
  t.ok(
    seen.some((p) => p.type === 'renderer'),
    'a renderer was seen',
  );
  for (const p of seen) {
    t.same(p.uids, [String(user.uid), String(user.uid), String(user.uid), String(user.uid)], `${p.type} ${p.pid} runs as ${user.name} (real, effective, saved, fs)`);
    t.notOk(p.noSandbox, `${p.type} ${p.pid}: no --no-sandbox`);
  }
  const browserNs = seen.find((p) => p.type === 'browser')?.userNs;
  for (const p of seen.filter((p) => p.type === 'renderer')) {
    t.equal(p.seccomp, '2', `renderer ${p.pid} under a seccomp filter`);
    t.not(p.userNs, browserNs, `renderer ${p.pid} in a user namespace of its own (the namespace sandbox)`);
  }
  t.ok(dirs.size >= 2, `the browsers' directories were seen (${dirs.size})`);
  for (const d of dirs.values()) t.same({ uid: d.uid, mode: d.mode.toString(8) }, { uid: user.uid, mode: '700' }, `${d.name}: the lab user's, private`);

  // The kept copy of the run's key log: Chromium's secrets for both connections, owner-only.
  const [keys] = (await readdir(keep)).filter((f) => f.endsWith('.keys.log'));
  const keysPath = join(keep, keys ?? 'none');
  t.equal((await stat(keysPath)).mode & 0o777, 0o600, 'the key log is readable by its owner only');
  const keylog = parseKeyLog(await readFile(keysPath, 'utf8'));
  const withTrafficSecrets = [...keylog.values()].filter((labels) => labels.has('SERVER_TRAFFIC_SECRET_0') && labels.has('CLIENT_TRAFFIC_SECRET_0'));
  t.equal(withTrafficSecrets.length, 2, 'one connection each for h2 and h3');
  const resultText = await readFile(resultPath, 'utf8');
  const secrets = [...keylog.values()].flatMap((labels) => [...labels.values()].map((secret) => secret.toString('hex')));
  t.ok(secrets.length > 0 && secrets.every((secret) => !resultText.toLowerCase().includes(secret)), 'no secret in the result');

  t.same(await processesNaming(CHROMIUM_CLIENT_DIR_PREFIX), [], 'no browser process left');
  t.same(
    (await tempEntries('quic-lab-')).filter((name) => !runDirsBefore.includes(name)),
    [],
    `no directory left in ${tmpdir()} (browsers' profiles and key logs, the run's key log and capture)`,
  );
});
