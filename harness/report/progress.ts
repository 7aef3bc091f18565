// Progress on stderr, only when stderr is a terminal (autocannon's rule): logs and pipes
// stay clean, machine output stays on stdout.
import type { ProgressEvent } from '../run/loop.js';

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): ((event: ProgressEvent) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let lastLength = 0;
  return (event) => {
    const text =
      event.kind === 'setup'
        ? event.message
        : `${event.warmup ? 'warm-up' : 'sample'} ${event.index + 1}/${event.samples} ${event.caseId} ${event.status}${event.error ? `: ${event.error.slice(0, 60)}` : ''}`;
    stream.write(`\r${text.padEnd(lastLength)}`);
    lastLength = text.length;
  };
}

export function endProgress(stream: NodeJS.WriteStream = process.stderr): void {
  if (stream.isTTY) stream.write('\n');
}
