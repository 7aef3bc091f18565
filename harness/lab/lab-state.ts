// What a running lab owns, on disk, so a later run can find and remove the leftovers of one
// that was killed (and only those), and so `npm run lab -- status` can describe it.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../files/atomic-write.js';
import { ownerAlive } from '../process/proc-table.js';

/** Where the lab keeps its state, lock and journals: read when used, so a test can point it elsewhere. */
export function labRunDir(): string {
  return process.env.QUIC_LAB_RUN_DIR ?? '/run/quic-lab';
}
/** Every namespace the lab creates starts with this; nothing else does. */
export const LAB_NETNS_PREFIX = 'qlab-';

export const labStateSchema = z.object({
  labId: z.string(),
  /** The process that owns the lab: while it lives, the lab is in use. */
  ownerPid: z.number().int().positive(),
  purpose: z.string(),
  createdAt: z.string(),
  namespaces: z.object({ client: z.string(), server: z.string() }),
  backend: z.enum(['netem', 'emulator']),
  addresses: z.record(z.string(), z.string()),
  conditions: z.unknown(),
  /** The egress to remote targets (egress.ts), when the lab has one: what the reaper undoes. */
  egress: z
    .object({
      hostDevice: z.string(),
      nftTable: z.string(),
      previousIpForward: z.string().nullable(),
      destinationsIpv4: z.array(z.string()),
    })
    .optional(),
});

export type LabState = z.infer<typeof labStateSchema>;

function statePath(labId: string): string {
  return join(labRunDir(), 'labs', `${labId}.json`);
}

export async function writeLabState(state: LabState): Promise<void> {
  await writeFileAtomic(statePath(state.labId), JSON.stringify(state, null, 2) + '\n');
}

export async function removeLabState(labId: string): Promise<void> {
  await rm(statePath(labId), { force: true });
}

/** Whether the process that recorded `state` still runs (not a later one with its pid). */
export function stateOwnerAlive(state: LabState): boolean {
  const createdAtMs = Date.parse(state.createdAt);
  return ownerAlive(state.ownerPid, Number.isNaN(createdAtMs) ? Date.now() : createdAtMs);
}

export async function readLabStates(): Promise<LabState[]> {
  const dir = join(labRunDir(), 'labs');
  await mkdir(dir, { recursive: true });
  const states: LabState[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.json')) continue;
    try {
      states.push(labStateSchema.parse(JSON.parse(await readFile(join(dir, name), 'utf8'))));
    } catch {
      await rm(join(dir, name), { force: true }); // unreadable: a write interrupted long ago
    }
  }
  return states;
}
