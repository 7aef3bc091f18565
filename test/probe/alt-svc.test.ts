import t from 'tap';
import { ALT_SVC_DEFAULT_MAX_AGE_SECONDS, h3Entry, parseAltSvc } from '../../harness/probe/alt-svc.js';

t.test('h3 and a draft on the same host, with max-age', async (t) => {
  const altSvc = parseAltSvc('h3=":443"; ma=86400, h3-29=":443"; ma=3600');
  t.same(altSvc, {
    clear: false,
    entries: [
      { protocol: 'h3', host: '', port: 443, maxAgeSeconds: 86400, parameters: { ma: '86400' } },
      { protocol: 'h3-29', host: '', port: 443, maxAgeSeconds: 3600, parameters: { ma: '3600' } },
    ],
  });
  t.equal(h3Entry(altSvc)?.port, 443);
});

t.test('another port and host, default max-age, persist kept, IPv6 authority', async (t) => {
  const altSvc = parseAltSvc('h2="alt.example:8443", h3="[2001:2::2]:4433"; persist=1');
  t.same(
    altSvc.entries.map((e) => [e.protocol, e.host, e.port, e.maxAgeSeconds, e.parameters]),
    [
      ['h2', 'alt.example', 8443, ALT_SVC_DEFAULT_MAX_AGE_SECONDS, {}],
      ['h3', '2001:2::2', 4433, 86400, { persist: '1' }],
    ],
  );
  t.equal(h3Entry(altSvc)?.host, '2001:2::2');
});

t.test('an h3 entry on the origin host is preferred; none, clear', async (t) => {
  t.equal(h3Entry(parseAltSvc('h3="other.example:443", h3=":8443"'))?.port, 8443);
  t.equal(h3Entry(parseAltSvc('h2=":443"')), null);
  t.same(parseAltSvc('clear'), { clear: true, entries: [] });
  t.equal(h3Entry(parseAltSvc('clear')), null);
});

t.test('percent-encoded protocol ids and a comma inside quotes', async (t) => {
  t.equal(parseAltSvc('w%3Dx%3Ay=":443"').entries[0]?.protocol, 'w=x:y');
  t.equal(parseAltSvc('h3=":443"; note="a,b"').entries.length, 1);
});

t.test('what cannot be read throws, naming it', async (t) => {
  t.throws(() => parseAltSvc('h3=:443'), /cannot read "h3=:443"/);
  t.throws(() => parseAltSvc('h3="host"'), /"host" has no valid port/);
  t.throws(() => parseAltSvc('h3=":70000"'), /no valid port/);
  t.throws(() => parseAltSvc('h3=":443"; ma=soon'), /ma="soon"/);
});
