import t from 'tap';
import { UsageError } from '../../harness/options/usage-error.js';
import { TargetRequestError } from '../../harness/target/target-error.js';
import { requestedBodyBytes } from '../../harness/files/generated-body.js';
import { parseTargetUrl, targetPath } from '../../harness/target/target-url.js';

t.test('a template: host, port, the path with {bytes} as its last segment', async (t) => {
  t.same(parseTargetUrl('https://server.lab.example:8443/files/{bytes}'), {
    url: 'https://server.lab.example:8443/files/{bytes}',
    host: 'server.lab.example',
    port: 8443,
    path: '/files/__quic_lab_bytes__',
    template: 'https://server.lab.example:8443/files/{bytes}',
    pathTemplate: '/files/{bytes}',
  });
  t.equal(parseTargetUrl('https://www.example/{bytes}').pathTemplate, '/{bytes}');
  t.equal(parseTargetUrl('https://www.example/{bytes}').port, 443);
});

t.test('bad templates are refused with the reason', async (t) => {
  for (const [value, message] of [
    ['https://www.example/files/1000', /needs \{bytes\} once/],
    ['https://www.example/{bytes}/{bytes}', /needs \{bytes\} once/],
    ['https://www.example/files/{bytes}.bin', /whole last path segment/],
    ['https://www.example/files/{bytes}?x=1', /no query after it/],
    ['https://www.example/{bytes}/file', /whole last path segment/],
    ['http://www.example/{bytes}', /HTTP\/3 needs TLS/],
    ['www.example/{bytes}', /https:\/\/ URL/],
  ] as const) {
    let thrown: unknown;
    try {
      parseTargetUrl(value);
    } catch (error) {
      thrown = error;
    }
    t.ok(thrown instanceof TargetRequestError || thrown instanceof UsageError, `${value}: a usage error`);
    t.match((thrown as Error | undefined)?.message, message, value);
  }
});

t.test('paths of sizes, and the size a client reads back from them', async (t) => {
  t.equal(targetPath('/files/{bytes}', 1_000_000), '/files/1000000');
  t.equal(targetPath('/{bytes}', 0), '/0');
  t.throws(() => targetPath('/{bytes}', -1), /non-negative integer/);
  t.throws(() => targetPath('/{bytes}', 1.5), /non-negative integer/);
  t.equal(requestedBodyBytes('/1000'), 1000);
  t.equal(requestedBodyBytes('/files/1000'), 1000);
  t.equal(requestedBodyBytes('/a/b/1000?3'), 1000);
  t.equal(requestedBodyBytes('/files/x1000'), null);
  t.equal(requestedBodyBytes('/files/'), null);
  t.equal(requestedBodyBytes('files/1000'), null);
  t.equal(requestedBodyBytes('/99999999999'), null);
});
