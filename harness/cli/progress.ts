// Progress on stderr, only when stderr is a terminal (autocannon's rule): logs and pipes
// stay clean, machine output stays on stdout.
import type { ProgressEvent } from '../run/loop.js';

/** "45s", "2m10s", "1h05m": a rough time left reads better than milliseconds. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** "[37/120, ~2m10s left] " from the run's counts, with the time left at the pace so far; empty without counts. */
export function overallText(done: number | undefined, total: number | undefined, elapsedMs: number | undefined): string {
  if (done === undefined || total === undefined) return '';
  if (elapsedMs === undefined || done < 1 || done >= total) return `[${done}/${total}] `;
  return `[${done}/${total}, ~${formatDuration((elapsedMs / done) * (total - done))} left] `;
}

/** One line of progress: "[37/120, ~2m10s left] sample 3/10 quic-h3 ok". */
export function progressText(event: ProgressEvent): string {
  if (event.kind === 'setup') return event.message;
  const sample = `${event.warmup ? 'warm-up' : 'sample'} ${event.index + 1}/${event.samples} ${event.caseId} ${event.status}`;
  return `${overallText(event.done, event.total, event.elapsedMs)}${sample}${event.error ? `: ${event.error.slice(0, 60)}` : ''}`;
}

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): ((event: ProgressEvent) => void) | undefined {
  if (!stream.isTTY) return undefined;
  let lastLength = 0;
  return (event) => {
    const text = progressText(event);
    stream.write(`\r${text.padEnd(lastLength)}`);
    lastLength = text.length;
  };
}

export function endProgress(stream: NodeJS.WriteStream = process.stderr): void {
  if (stream.isTTY) stream.write('\n');
}
