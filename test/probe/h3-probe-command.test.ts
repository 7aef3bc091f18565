// Bad input to h3-probe is exit 2 with one line, before anything is sent.
import t from 'tap';
import { runCli } from '../fixtures/run-cli.js';

t.test('bad input: exit 2, one line naming it', async (t) => {
  t.same(await runCli(['h3-probe', 'http://server.lab.example/']), { code: 2, stdout: '', stderr: 'error: the target must be an https:// URL (HTTP/3 needs TLS), got "http://server.lab.example/"\n' });
  t.same(await runCli(['h3-probe', 'https://a.example/', '--resolve', 'b.example:443:198.18.0.2']), { code: 2, stdout: '', stderr: "error: --resolve b.example:443:198.18.0.2 does not match the URL's a.example:443\n" });
  t.same(await runCli(['h3-probe', 'https://a.example/', '--resolve', 'a.example:443:not-an-address']), {
    code: 2,
    stdout: '',
    stderr: 'error: --resolve wants HOST:PORT:ADDRESS with an IP address, got "a.example:443:not-an-address"\n',
  });
  t.same(await runCli(['h3-probe', 'https://a.example/', '--ca', '/nonexistent/ca.pem']), { code: 2, stdout: '', stderr: 'error: --ca: cannot read /nonexistent/ca.pem\n' });
  const client = await runCli(['h3-probe', 'https://a.example/', '--quic-client', 'curl']);
  t.equal(client.code, 2);
  t.match(client.stderr, /--quic-client/);
  const missing = await runCli(['h3-probe']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /missing required argument 'url'/);
});
