// Run ids and file timestamps: one form for every file the lab writes.
import { randomBytes } from 'node:crypto';

/** "20261126T133711Z": UTC, second resolution, safe in a file name. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** "handshake-20261126T133711Z-a1b2c3": the scenario, when it started, and a random tail. */
export function newRunId(scenario: string, now = new Date()): string {
  return `${scenario}-${fileTimestamp(now)}-${randomBytes(3).toString('hex')}`;
}
