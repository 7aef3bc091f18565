// The lab's probes as a program (probe-main.ts has them): one JSON config argument, JSON lines
// out. It has no import guard, so that it can also be built to JavaScript (bin/build-cli.mjs)
// and started without tsx: every calibration starts several of these.
import { probeConfigSchema, runProbe } from './probe-main.js';

const parsed = probeConfigSchema.safeParse(JSON.parse(process.argv[2] ?? 'null'));
if (!parsed.success) {
  process.stderr.write(`probe: bad config: ${parsed.error.message.replace(/\s+/g, ' ')}\n`);
  process.exit(2);
}
// timers are unref'd where they are bounds: keep the process for them
const keepAlive = setInterval(() => undefined, 1000);
process.on('exit', () => clearInterval(keepAlive));
runProbe(parsed.data);
