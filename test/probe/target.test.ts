import t, { type Test } from 'tap';
import { UsageError } from '../../harness/options/usage-error.js';
import { parseProbeUrl, parseResolve, resolveTarget } from '../../harness/probe/target.js';

/** A UsageError whose message matches. */
function usage(t: Test, run: () => unknown, message: RegExp | string): void {
  try {
    run();
    t.fail('expected a UsageError');
  } catch (error) {
    t.ok(error instanceof UsageError, 'a UsageError');
    t.match((error as Error).message, message);
  }
}
async function usageAsync(t: Test, run: () => Promise<unknown>, message: RegExp | string): Promise<void> {
  await run().then(
    () => t.fail('expected a UsageError'),
    (error: unknown) => {
      t.ok(error instanceof UsageError, 'a UsageError');
      t.match((error as Error).message, message);
    },
  );
}

t.test('URLs: host, default and explicit port, path with query, IPv6 literal', async (t) => {
  t.same(parseProbeUrl('https://www.example/'), { url: 'https://www.example/', host: 'www.example', port: 443, path: '/' });
  t.same(parseProbeUrl('https://server.lab.example:8443/files/1000?x=1'), { url: 'https://server.lab.example:8443/files/1000?x=1', host: 'server.lab.example', port: 8443, path: '/files/1000?x=1' });
  t.same(parseProbeUrl('https://[2001:2::2]:443/'), { url: 'https://[2001:2::2]/', host: '2001:2::2', port: 443, path: '/' });
});

t.test('bad URLs are usage errors', async (t) => {
  usage(t, () => parseProbeUrl('server.lab.example'), /https:\/\/ URL/);
  usage(t, () => parseProbeUrl('http://server.lab.example/'), /HTTP\/3 needs TLS/);
  usage(t, () => parseProbeUrl('https://user:pw@server.lab.example/'), /credentials/);
});

t.test('--resolve HOST:PORT:ADDRESS', async (t) => {
  t.same(parseResolve('server.lab.example:443:198.18.0.2'), { host: 'server.lab.example', port: 443, address: '198.18.0.2' });
  t.same(parseResolve('Server.Lab.Example:8443:[2001:2::2]'), { host: 'server.lab.example', port: 8443, address: '2001:2::2' });
  t.same(parseResolve('h:1:2001:2::2'), { host: 'h', port: 1, address: '2001:2::2' });
  usage(t, () => parseResolve('server.lab.example:198.18.0.2'), /HOST:PORT:ADDRESS/);
  usage(t, () => parseResolve('server.lab.example:443:other.example'), /IP address/);
  usage(t, () => parseResolve('server.lab.example:0:198.18.0.2'), /1-65535/);
});

t.test('the address: --resolve (which must match), a literal, or one lookup', async (t) => {
  const url = parseProbeUrl('https://server.lab.example/x');
  const never = async (): Promise<string> => {
    throw new Error('must not look up');
  };
  t.same(await resolveTarget(url, 'server.lab.example:443:198.18.0.2', never), { ...url, address: '198.18.0.2', resolvedBy: '--resolve' });
  await usageAsync(t, () => resolveTarget(url, 'server.lab.example:8443:198.18.0.2', never), /does not match the URL's server.lab.example:443/);
  await usageAsync(t, () => resolveTarget(url, 'other.example:443:198.18.0.2', never), /./);
  t.same(await resolveTarget(parseProbeUrl('https://198.18.0.2/'), undefined, never), { url: 'https://198.18.0.2/', host: '198.18.0.2', port: 443, path: '/', address: '198.18.0.2', resolvedBy: 'literal' });
  const asked: string[] = [];
  const target = await resolveTarget(url, undefined, async (host) => {
    asked.push(host);
    return '198.18.0.2';
  });
  t.same(asked, ['server.lab.example'], 'resolved once');
  t.equal(target.resolvedBy, 'dns');
  await usageAsync(
    t,
    () =>
      resolveTarget(url, undefined, async () => {
        throw new Error('ENOTFOUND');
      }),
    'cannot resolve server.lab.example: ENOTFOUND',
  );
});
