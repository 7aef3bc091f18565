// The UDP buffers gtlsclient and gtlsserver record are those the kernel gave, read back through
// the shim (native/udp-buffers) from a socket opened with it; not the request.
import t from 'tap';
import { udpBuffers } from '../../harness/endpoints/ngtcp2/common.js';

t.test("the kernel's UDP buffer sizes, read back through the shim", async (t) => {
  const asked = 1024 * 1024;
  const buffers = await udpBuffers(asked);
  t.equal(buffers.rcvbufBytes, asked);
  // Root sets them past net.core.rmem_max (SO_RCVBUFFORCE); Linux reports twice the size set.
  if (process.getuid?.() === 0) t.same([buffers.rcvbufKernelBytes, buffers.sndbufKernelBytes], [2 * asked, 2 * asked]);
  else t.ok((buffers.rcvbufKernelBytes ?? 0) > 0 && (buffers.sndbufKernelBytes ?? 0) > 0, 'capped by rmem_max/wmem_max, but read');
});
