// Versions of installed Debian packages, as endpoints record them.
import { runCommand } from './managed-process.js';

const packageVersions = new Map<string, Promise<string | null>>();

/** Version of an installed Debian package (dpkg-query), asked once per process. */
export function dpkgVersion(pkg: string): Promise<string | null> {
  let version = packageVersions.get(pkg);
  if (!version) {
    version = runCommand({ name: `dpkg-query ${pkg}`, command: 'dpkg-query', args: ['-W', '--showformat=${Version}', pkg], timeoutMs: 5000 }).then((r) => (r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null));
    packageVersions.set(pkg, version);
  }
  return version;
}
