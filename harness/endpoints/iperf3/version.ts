// iperf3's version, from `iperf3 --version` ("iperf 3.12 (cJSON 1.7.15)"), asked once.
import { runCommand } from '../../process/managed-process.js';
import { onceUntilFailure } from '../../process/prepare-once.js';

/** "3.12" from the first line of `iperf3 --version`; throws on anything else. */
export function parseIperf3Version(text: string): string {
  const match = /^iperf (\d+\.\d+(?:\.\d+)?)\b/.exec(text.trim());
  if (!match?.[1]) throw new Error(`iperf3 --version: unexpected output "${text.trim().split('\n')[0] ?? ''}"`);
  return match[1];
}

/** The installed iperf3's version; throws, with what to do, when it is missing. */
export const iperf3Version = onceUntilFailure(async () => {
  const run = await runCommand({ name: 'iperf3 --version', command: 'iperf3', args: ['--version'], timeoutMs: 5000 });
  if (run.code !== 0) {
    if (/ENOENT/.test(run.stderr)) throw new Error('iperf3 is not installed; run `npm run setup` (Debian package iperf3)');
    throw new Error(`iperf3 --version failed (exit ${run.code ?? run.signal}): ${run.stderr.trim().slice(0, 300)}`);
  }
  return parseIperf3Version(run.stdout);
});
