// The implementation matrix: which pairs run a case, which are recorded as unsupported and
// why, and that the scenario's own pair keeps its id.
import t from 'tap';
import { CLIENT_NAMES, SERVER_NAMES, caseNeeds, expandMatrix, unsupportedReason } from '../../harness/scenario/matrix.js';
import { handshake } from '../../scenarios/handshake.js';
import { throughput } from '../../scenarios/throughput.js';
import { multiplexing } from '../../scenarios/multiplexing.js';
import { smbCopy } from '../../scenarios/smb-copy.js';
import { clientRole, namesOf, serverRole } from '../../harness/endpoints/registry.js';

t.test('names the CLI offers', async (t) => {
  t.same(SERVER_NAMES, ['node', 'ngtcp2', 'quic-go', 'quiche', 'aioquic', 'caddy']);
  t.same(CLIENT_NAMES, ['undici', 'ngtcp2', 'quic-go', 'quiche', 'aioquic', 'curl', 'chromium']);
});

t.test('no choice: the scenario as it is', async (t) => {
  t.equal(expandMatrix(handshake, {}), handshake);
});

t.test('handshake over caddy with every client: compatible pairs only, gaps as unsupported', async (t) => {
  const expanded = expandMatrix(handshake, { servers: ['caddy'], clients: ['undici', 'curl', 'ngtcp2', 'chromium'] });
  const rows = expanded.cases.map((c) => `${c.id}${c.unsupported ? ` UNSUPPORTED ${c.unsupported}` : ''}`);
  t.same(rows, [
    'tcp-tls-h1@caddy/undici',
    'tcp-tls-h1@caddy/curl',
    'tcp-tls-h1-resumed@caddy/undici',
    "tcp-tls-h1-resumed@caddy/curl UNSUPPORTED curl: no resumed sessions (curl's command line cannot carry a TLS session from a priming connection to the measured one)",
    "tcp-tls-h1-0rtt@caddy/undici UNSUPPORTED caddy: no early data over TCP+TLS (Go's TLS, which Caddy uses over TCP, has no 0-RTT; quic-go accepts it)",
    "tcp-tls-h1-0rtt@caddy/curl UNSUPPORTED caddy: no early data over TCP+TLS (Go's TLS, which Caddy uses over TCP, has no 0-RTT; quic-go accepts it)",
    'tcp-tls-h2@caddy/undici',
    'tcp-tls-h2@caddy/curl',
    'tcp-tls-h2@caddy/chromium',
    'tcp-tls-h2-resumed@caddy/undici',
    "tcp-tls-h2-resumed@caddy/curl UNSUPPORTED curl: no resumed sessions (curl's command line cannot carry a TLS session from a priming connection to the measured one)",
    'tcp-tls-h2-resumed@caddy/chromium UNSUPPORTED chromium: no resumed sessions (each page load uses a fresh browser profile)',
    "tcp-tls-h2-0rtt@caddy/undici UNSUPPORTED caddy: no early data over TCP+TLS (Go's TLS, which Caddy uses over TCP, has no 0-RTT; quic-go accepts it)",
    "tcp-tls-h2-0rtt@caddy/curl UNSUPPORTED caddy: no early data over TCP+TLS (Go's TLS, which Caddy uses over TCP, has no 0-RTT; quic-go accepts it)",
    "tcp-tls-h2-0rtt@caddy/chromium UNSUPPORTED caddy: no early data over TCP+TLS (Go's TLS, which Caddy uses over TCP, has no 0-RTT; quic-go accepts it)",
    'quic-h3@caddy/ngtcp2',
    'quic-h3@caddy/chromium',
    'quic-h3-resumed@caddy/ngtcp2',
    'quic-h3-resumed@caddy/chromium UNSUPPORTED chromium: no resumed sessions (each page load uses a fresh browser profile)',
    'quic-h3-0rtt@caddy/ngtcp2',
    'quic-h3-0rtt@caddy/chromium UNSUPPORTED chromium: no early-data sessions (each page load uses a fresh browser profile)',
  ]);
  t.ok(expanded.cases.every((c) => c.server === 'caddy'));
});

t.test("the scenario's own pair keeps its id; clients alone default the servers", async (t) => {
  const expanded = expandMatrix(throughput, { clients: ['undici', 'curl'] });
  t.same(
    expanded.cases.map((c) => c.id),
    ['tcp-tls-h1-1MB', 'tcp-tls-h1-1MB@node/curl', 'tcp-tls-h2-1MB', 'tcp-tls-h2-1MB@node/curl', 'tcp-tls-h1-10MB', 'tcp-tls-h1-10MB@node/curl', 'tcp-tls-h2-10MB', 'tcp-tls-h2-10MB@node/curl'],
    'no client here speaks HTTP/3, so the QUIC cases are left out',
  );
});

t.test('uploads and many objects at once', async (t) => {
  const upload = throughput.transfers?.cases({ sizesBytes: [1000], direction: 'up' }) ?? [];
  const h2Up = upload.find((c) => c.application === 'h2');
  if (!h2Up) throw new Error('an h2 upload case');
  t.equal(unsupportedReason(h2Up, 'caddy', 'undici'), "caddy: Caddy's static file server cannot count and check an upload");
  t.equal(unsupportedReason(h2Up, 'node', 'chromium'), 'chromium: the browser client loads pages; it does not upload');
  t.equal(unsupportedReason(h2Up, 'node', 'curl'), undefined);
  const batch = multiplexing.cases.find((c) => c.application === 'h3');
  if (!batch) throw new Error('an h3 batch case');
  const needs = caseNeeds(multiplexing, batch);
  t.equal(needs, 'batch', "a page load's client requests its objects at once");
  t.equal(unsupportedReason(batch, 'caddy', 'chromium', needs), undefined);
  t.equal(unsupportedReason({ ...batch, protocol: 'tcp-tls', application: 'none' }, 'node', 'node-tls', needs), 'node-tls: node-tls only handshakes');
});

t.test('smb-copy: the SMB cases copy, the SMB-style ones read at once; each client is checked for its need', async (t) => {
  const smb = smbCopy.cases.find((c) => c.client === 'smbclient');
  const smbStyle = smbCopy.cases.find((c) => c.client === 'undici');
  if (!smb || !smbStyle) throw new Error('smb-copy has both kinds of case');
  t.equal(caseNeeds(smbCopy, smb), 'copy');
  t.equal(caseNeeds(smbCopy, smbStyle), 'batch');
  t.equal(unsupportedReason(smb, 'samba', 'smbclient', 'copy'), undefined);
  t.equal(unsupportedReason(smb, 'samba', 'smbclient', 'exchange'), 'smbclient: smbclient times whole copies only');
  t.equal(unsupportedReason(smb, 'samba', 'smbclient', 'batch'), 'smbclient: one copy at a time');
  t.equal(unsupportedReason(smbStyle, 'node', 'undici', 'copy'), 'undici: an HTTP client: no SMB file copy');
});

t.test('names and recorded implementations come from the descriptors', async (t) => {
  t.same(namesOf('server'), ['node', 'ngtcp2', 'quic-go', 'quiche', 'aioquic', 'caddy', 'samba', 'webtransport-go', 'ws', 'fails-webtransport', 'iperf3', 'target']);
  t.same(namesOf('server', undefined, true), ['node', 'ngtcp2', 'quic-go', 'quiche', 'aioquic', 'caddy'], 'a remote target and the message servers are not --server choices');
  t.same(namesOf('client'), ['node-tls', 'undici', 'ngtcp2', 'quic-go', 'quiche', 'aioquic', 'curl', 'chromium', 'smbclient', 'webtransport-go', 'ws', 'fails-webtransport', 'iperf3']);
  t.same(
    namesOf('server').map((name) => serverRole(name).implementation),
    ['node', 'ngtcp2-gtlsserver', 'quic-go-server', 'quiche-server', 'aioquic-server', 'caddy', 'samba-smbd', 'webtransport-go-server', 'ws-server', 'fails-webtransport-server', 'iperf3-server', 'target'],
  );
  t.same(
    namesOf('client').map((name) => clientRole(name).implementation),
    ['node-tls', 'undici', 'ngtcp2-gtlsclient', 'quic-go-client', 'quiche-client', 'aioquic-client', 'curl', 'chromium', 'smbclient', 'webtransport-go-client', 'ws-client', 'fails-webtransport-client', 'iperf3-client'],
  );
  t.throws(() => serverRole('nginx'), /no server called "nginx" \(known: node, ngtcp2, quic-go, quiche, aioquic, caddy, samba, webtransport-go, ws, fails-webtransport, iperf3, target\)/);
});
