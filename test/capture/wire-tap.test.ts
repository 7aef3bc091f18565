import t from 'tap';
import { captureFilter } from '../../harness/capture/wire-tap.js';

t.test('the capture filter names only the run servers, per transport', async (t) => {
  t.equal(
    captureFilter([
      { address: { host: '198.18.0.2', port: 4433, serverName: 's' }, protocol: 'quic' },
      { address: { host: '198.18.0.2', port: 39000, serverName: 's' }, protocol: 'tcp-tls' },
      { address: { host: '198.18.0.2', port: 4433, serverName: 's' }, protocol: 'quic' },
    ]),
    '(host 198.18.0.2 and ((udp port 4433) or (tcp port 39000)))',
  );
  t.throws(() => captureFilter([]), /no servers/);
});
