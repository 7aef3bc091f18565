// Debian's headless Chromium, to check that an HTML report opens and renders offline. It runs
// under `unshare --net`: a fresh network namespace whose only interface is a loopback that is
// down, so any fetch fails at once instead of reaching out or hanging. Profile, HOME and caches
// live in a private temporary directory removed afterwards; a run that outlives its time is
// killed with its whole process group (Chromium's helpers included).
//
// Started by root, it runs as the lab's unprivileged user (setpriv) with its own sandbox on
// (no --no-sandbox): on this kernel (6.x, user namespaces allowed) its renderers get their own
// user and PID namespaces and a seccomp filter. The page is a copy in the private directory, which
// is that user's, and a screenshot is written there and copied out by root.
import { access, constants, copyFile, open, rm, stat } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ownLikeDir, withLabUserDir } from '../../files/lab-user-dir.js';
import { runCommand } from '../../process/managed-process.js';
import { onceUntilFailure } from '../../process/prepare-once.js';
import { asUser, labUserIfRoot, type UnprivilegedUser } from '../../process/unprivileged.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
/** mkdtemp prefix of the per-run directory (profile, HOME, caches) under the system temp dir. */
export const CHROMIUM_DIR_PREFIX = 'quic-lab-chromium-';

/** Flags every headless Chromium run of the lab starts with (the report checks and the browser client). */
export const CHROMIUM_BASE_FLAGS: readonly string[] = [
  '--headless=new',
  '--disable-dev-shm-usage', // containers often have a small /dev/shm
  '--disable-background-networking',
  '--disable-sync',
  '--disable-component-update',
  '--no-first-run',
  '--no-default-browser-check',
];

/** Lines Chromium always prints without a system bus, and the Debian launcher's /dev/shm check. */
export const CHROMIUM_STDERR_NOISE = /ERROR:dbus\/|unexpected operator/;

/** The `chromium` on PATH; throws saying how to install it when there is none. */
export async function chromiumPath(): Promise<string> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'chromium');
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('chromium not found on PATH: run `npm run setup` (it installs the Debian package chromium)');
}

/** The environment of a Chromium run whose HOME, config and caches all live in the private directory `dir`. */
export function chromiumPrivateEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, ...chromiumHomeEnv(dir) };
}

/**
 * The command line of Chromium with its private directory `dir` (profile, HOME, caches) and
 * `args`: as `user` when given (root drops to it through setpriv; the sandbox needs no root and
 * refuses to run as root), as the caller otherwise. The sandbox is on either way. The report
 * checks and the browser client both start Chromium through this.
 */
export function chromiumCommand(chromium: string, dir: string, args: readonly string[], user: UnprivilegedUser | null): { command: string; args: string[] } {
  const browser = [...CHROMIUM_BASE_FLAGS, `--user-data-dir=${join(dir, 'profile')}`, ...args];
  if (user === null) return { command: chromium, args: browser };
  // setpriv's --reset-env would drop the private HOME: `env` sets it again for the browser.
  return asUser(user, 'env', [...Object.entries(chromiumHomeEnv(dir)).map(([k, v]) => `${k}=${v}`), chromium, ...browser]);
}

/** The command line that runs Chromium with `args` in a fresh network namespace, as `user` when given (root drops to it), sandboxed. */
export function offlineChromiumCommand(chromium: string, dir: string, args: readonly string[], user: UnprivilegedUser | null): { command: string; args: string[] } {
  const inner = chromiumCommand(chromium, dir, args, user);
  const dropped = [inner.command, ...inner.args];
  // Root makes the network namespace, then drops; without root a user namespace supplies the privilege.
  if (user !== null) return { command: 'unshare', args: ['--net', ...dropped] };
  return { command: 'unshare', args: [...(process.getuid?.() === 0 ? ['--net'] : ['--net', '--map-root-user']), ...dropped] };
}

function chromiumHomeEnv(dir: string): Record<string, string> {
  return { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
}

/**
 * Runs Chromium offline with `args` (made from the private directory, where `page` is copied
 * when given); resolves with its stdout, rejects with the end of its stderr.
 */
async function runChromium(argsIn: (dir: string) => readonly string[] | Promise<readonly string[]>, timeoutMs: number, what: string, after: (dir: string) => Promise<void> = async () => undefined): Promise<string> {
  const chromium = await chromiumPath();
  const user = await labUserIfRoot();
  return withLabUserDir(CHROMIUM_DIR_PREFIX, async (dir) => {
    const line = offlineChromiumCommand(chromium, dir, await argsIn(dir), user);
    const run = await runCommand({
      name: `chromium (${what})`,
      ...line,
      env: chromiumPrivateEnv(dir),
      timeoutMs,
      processGroup: true,
    });
    const { code, stdout, stderr, timedOut } = run;
    const failure = /spawn failed: (.*)/.exec(stderr)?.[1];
    const tail = stderr
      .split('\n')
      .filter((line) => line.trim() !== '' && !CHROMIUM_STDERR_NOISE.test(line))
      .slice(-8)
      .join('\n');
    const detail = failure ?? tail;
    if (timedOut) throw new Error(`chromium: ${what} did not finish within ${timeoutMs} ms${detail ? `:\n${detail}` : ''}`);
    if (code !== 0) throw new Error(`chromium: ${what} failed (exit code ${code})${detail ? `:\n${detail}` : ''}`);
    await after(dir);
    return stdout;
  });
}

async function checkedPage(htmlPath: string): Promise<string> {
  const path = resolve(htmlPath);
  if (!(await stat(path).catch(() => null))?.isFile()) throw new Error(`chromium: no such file: ${path}`);
  return path;
}

/** The page copied into the private directory (a report is one self-contained file), readable by the browser's user; its URL. */
async function pageIn(dir: string, path: string): Promise<string> {
  const copy = join(dir, 'page.html');
  await copyFile(path, copy, constants.COPYFILE_EXCL);
  await ownLikeDir(dir, [copy]);
  return pathToFileURL(copy).href;
}

/** "Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)", asked once (it starts a browser). */
export const chromiumVersion = onceUntilFailure(async () => (await runChromium(() => ['--version'], 10_000, 'version')).trim());

/** The page's DOM after load (and after `virtualTimeBudgetMs` of virtual time for scripts and timers). */
export async function dumpDom(htmlPath: string, options: { timeoutMs?: number; virtualTimeBudgetMs?: number } = {}): Promise<string> {
  const path = await checkedPage(htmlPath);
  const budget = options.virtualTimeBudgetMs !== undefined ? [`--virtual-time-budget=${options.virtualTimeBudgetMs}`] : [];
  return runChromium(async (dir) => ['--dump-dom', ...budget, await pageIn(dir, path)], options.timeoutMs ?? DEFAULT_TIMEOUT_MS, `dump-dom ${htmlPath}`);
}

/** Size of a PNG from its IHDR chunk (the first after the signature). */
export async function pngSize(pngPath: string): Promise<{ widthPx: number; heightPx: number }> {
  const file = await open(pngPath);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(24), 0, 24, 0);
    const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    if (bytesRead < 24 || !buffer.subarray(0, 8).equals(signature) || buffer.toString('latin1', 12, 16) !== 'IHDR') {
      throw new Error(`${pngPath} is not a PNG`);
    }
    return { widthPx: buffer.readUInt32BE(16), heightPx: buffer.readUInt32BE(20) };
  } finally {
    await file.close();
  }
}

/** Renders the page into a PNG of a `widthPx` x `heightPx` window (default 1280 x 1024). */
export async function screenshot(htmlPath: string, pngPath: string, options: { widthPx?: number; heightPx?: number; timeoutMs?: number } = {}): Promise<{ widthPx: number; heightPx: number; bytes: number }> {
  const path = await checkedPage(htmlPath);
  const output = resolve(pngPath);
  await rm(output, { force: true }); // never mistake an old picture for this one
  const window = `${options.widthPx ?? 1280},${options.heightPx ?? 1024}`;
  // Written in the private directory (the browser's user may write nowhere else), copied out by root.
  await runChromium(
    async (dir) => [`--screenshot=${join(dir, 'screenshot.png')}`, `--window-size=${window}`, '--hide-scrollbars', await pageIn(dir, path)],
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    `screenshot ${htmlPath}`,
    (dir) => copyFile(join(dir, 'screenshot.png'), output).catch(() => undefined),
  );
  const written = await stat(output).catch(() => null);
  if (!written) throw new Error(`chromium: screenshot ${htmlPath} wrote no ${output}`);
  return { ...(await pngSize(output)), bytes: written.size };
}
