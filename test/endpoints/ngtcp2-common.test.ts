// Flow-control windows sized for a path's bandwidth-delay product.
import t from 'tap';
import { ngtcp2CongestionControl, parseUdpBuffersReport, windowsForBdp } from '../../harness/endpoints/ngtcp2/common.js';
import { NGTCP2_CLIENT_DEFAULT_WINDOWS } from '../../harness/endpoints/ngtcp2/client.js';
import { NGTCP2_SERVER_DEFAULT_WINDOWS } from '../../harness/endpoints/ngtcp2/server.js';

t.test('1 Gbit/s at 600 ms (75 MB BDP): every bulk window at least 150 MB', async (t) => {
  const bdp = (1e9 / 8) * 0.6;
  for (const base of [NGTCP2_CLIENT_DEFAULT_WINDOWS, NGTCP2_SERVER_DEFAULT_WINDOWS]) {
    const w = windowsForBdp(bdp, base);
    for (const key of ['maxDataBytes', 'maxStreamDataBidiLocalBytes', 'maxStreamDataBidiRemoteBytes', 'maxWindowBytes', 'maxStreamWindowBytes'] as const) {
      t.equal(w[key], 150_000_000, key);
    }
    t.equal(w.maxStreamDataUniBytes, base.maxStreamDataUniBytes, 'control streams keep their window');
  }
});

t.test('a small BDP keeps the defaults', async (t) => {
  t.same(windowsForBdp(100_000, NGTCP2_CLIENT_DEFAULT_WINDOWS), NGTCP2_CLIENT_DEFAULT_WINDOWS);
  t.same(windowsForBdp(0, NGTCP2_SERVER_DEFAULT_WINDOWS), NGTCP2_SERVER_DEFAULT_WINDOWS);
  // 100 Mbit/s at 40 ms: 500 KB, above the server's 256 KiB stream windows and 1 MiB connection window only partly.
  const w = windowsForBdp(500_000, NGTCP2_SERVER_DEFAULT_WINDOWS);
  t.equal(w.maxStreamDataBidiRemoteBytes, 1_000_000);
  t.equal(w.maxDataBytes, 1024 * 1024);
  t.equal(w.maxWindowBytes, 6 * 1024 * 1024);
});

t.test('a BDP that is not a byte count is refused', async (t) => {
  t.throws(() => windowsForBdp(-1, NGTCP2_CLIENT_DEFAULT_WINDOWS), /non-negative/);
  t.throws(() => windowsForBdp(Number.NaN, NGTCP2_CLIENT_DEFAULT_WINDOWS), /non-negative/);
});

t.test("the shim's report of the UDP buffers the kernel gave", async (t) => {
  t.same(parseUdpBuffersReport('rcvbuf=33554432 sndbuf=33554432\nrcvbuf=1 sndbuf=2\n'), { rcvbufKernelBytes: 33554432, sndbufKernelBytes: 33554432 }, 'the first socket');
  t.same(parseUdpBuffersReport(''), { rcvbufKernelBytes: null, sndbufKernelBytes: null }, 'no report: unknown, not the request');
});

t.test("the controllers ngtcp2 1.x's --cc offers pass; bbr2 (0.12 only) is refused by name", async (t) => {
  for (const cc of ['cubic', 'reno', 'bbr'] as const) t.equal(ngtcp2CongestionControl(cc), cc);
  t.throws(() => ngtcp2CongestionControl('bbr2'), /ngtcp2 has no congestion controller "bbr2" \(it has cubic, reno, bbr\)/);
});
