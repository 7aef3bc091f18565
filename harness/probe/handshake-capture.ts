// A packet capture of the probe's QUIC connections, taken where the probe's client runs (this
// process's network namespace, on the interface of the route to the target), with the
// clients' TLS key log, so the cold handshake's flight can be read off the wire
// (./amplification-wire.ts). Bounded in packets (tcpdump -c) and in time (it lasts as long as
// the QUIC connections, each bounded by the probe's timeout); stopped and its files removed on
// every path (RunWireTap registers its cleanup for signals too). Where it cannot run (not root,
// no tcpdump or tshark, no route) the probe goes on and says why the wire was not read.
import { RunWireTap } from '../capture/wire-tap.js';
import { packetsOf } from '../capture/wire-analysis.js';
import { routeDeviceOf } from '../lab/namespaces.js';
import { runCommand } from '../process/managed-process.js';
import { observeAmplification, type AmplificationWire } from './amplification-wire.js';

/** The handshake is in the first few dozen packets; the bound keeps a large response from filling the disk. */
export const CAPTURE_MAX_PACKETS = 2000;

export interface HandshakeCapture {
  /** The key log the probe's QUIC clients append to (--keylog); null when nothing is captured. */
  keylogFile: string | null;
  /** Stops the capture and reads the first QUIC connection in it (the cold one). */
  finish(): Promise<AmplificationWire>;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';

function notCaptured(reason: string): HandshakeCapture {
  return { keylogFile: null, finish: () => Promise.resolve({ observed: false, reason }) };
}

export async function startHandshakeCapture(target: { address: string; port: number; serverName: string }): Promise<HandshakeCapture> {
  if (process.getuid?.() !== 0) return notCaptured('not captured: capturing packets needs root');
  const route = await runCommand({ name: 'ip route get', command: 'ip', args: ['route', 'get', target.address], timeoutMs: 5000 }).catch((error: unknown) => ({ code: null, stdout: '', stderr: message(error) }));
  const interfaceName = route.code === 0 ? routeDeviceOf(route.stdout) : null;
  if (interfaceName === null) return notCaptured(`not captured: no route to ${target.address} (${route.stderr.trim() || route.stdout.trim()})`);
  let tap: RunWireTap;
  try {
    tap = await RunWireTap.create({ interfaceName, maxPackets: CAPTURE_MAX_PACKETS });
  } catch (error) {
    return notCaptured(`not captured: ${message(error)}`);
  }
  try {
    await tap.start([{ address: { host: target.address, port: target.port, serverName: target.serverName }, protocol: 'quic' }]);
  } catch (error) {
    await tap.dispose();
    return notCaptured(`not captured on ${interfaceName}: ${message(error)}`);
  }
  return {
    keylogFile: tap.keylogFile,
    async finish(): Promise<AmplificationWire> {
      try {
        const { connections, problems } = await tap.finish(true);
        const cold = connections.find((c) => c.transport === 'udp');
        if (cold === undefined) return { observed: false, reason: `no QUIC connection in the capture on ${interfaceName}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}` };
        const observed = observeAmplification(cold, packetsOf(cold));
        return observed.observed ? { ...observed, notes: [...observed.notes, ...cold.notes, ...problems] } : observed;
      } catch (error) {
        // finish() has stopped the capture and removed its files, even when reading failed.
        return { observed: false, reason: `the capture could not be read: ${message(error)}` };
      }
    },
  };
}
