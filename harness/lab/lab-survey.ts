// What of the lab is really on this host, for `npm run lab -- status`: found the way the reaper
// finds it (namespaces and temporary directories by the owner's pid in their names, state files
// by their owner), each with whether its owner runs and what `npm run lab -- down` does with it.
import { readFile } from 'node:fs/promises';
import { findOwnedTempDirs } from '../files/owned-temp-dir.js';
import { escapeControls } from '../files/terminal-text.js';
import { reapable } from '../process/proc-table.js';
import { readLabStates, stateOwnerAlive } from './lab-state.js';
import { findLabNamespaces } from './namespaces.js';

export interface LabSurvey {
  namespaces: Array<{ name: string; ownerPid: number | null; ownerAlive: boolean; processes: Array<{ pid: number; command: string }> }>;
  tempDirs: Array<{ path: string; ownerPid: number; ownerAlive: boolean }>;
  states: Array<{ labId: string; ownerPid: number; ownerAlive: boolean }>;
}

/** What `npm run lab -- down` does with a thing: reaps it, stops the `lab up` daemon that owns it, or leaves it. */
export type DownAction = 'removes' | 'stops its lab' | 'leaves';

export interface SurveyEntry {
  kind: 'namespace' | 'temp dir' | 'lab state';
  name: string;
  ownerPid: number | null;
  ownerAlive: boolean;
  /** Processes inside (namespaces): killed with a reaped namespace. */
  processes: Array<{ pid: number; command: string }>;
  down: DownAction;
}

export async function surveyLab(): Promise<LabSurvey> {
  const namespaces = await Promise.all(
    (await findLabNamespaces()).map(async ({ pids, ...namespace }) => ({
      ...namespace,
      processes: await Promise.all(pids.map(async (pid) => ({ pid, command: (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim() }))),
    })),
  );
  const tempDirs = await findOwnedTempDirs();
  const states = (await readLabStates()).map((state) => ({ labId: state.labId, ownerPid: state.ownerPid, ownerAlive: stateOwnerAlive(state) }));
  return { namespaces, tempDirs, states };
}

/** A pid no reaper runs as: `down` is a process of its own, owning none of what it finds. */
const NOT_AN_OWNER = 0;

/** Every thing found, in the order namespaces, temporary directories, state files; `daemonPids`: live `lab up` daemons. */
export function surveyEntries(survey: LabSurvey, daemonPids: ReadonlySet<number>): SurveyEntry[] {
  const action = (owner: { ownerPid: number | null; ownerAlive: boolean }): DownAction => {
    if (reapable(owner, NOT_AN_OWNER)) return 'removes';
    return owner.ownerPid !== null && daemonPids.has(owner.ownerPid) ? 'stops its lab' : 'leaves';
  };
  return [
    ...survey.namespaces.map((n) => ({ kind: 'namespace' as const, name: n.name, ownerPid: n.ownerPid, ownerAlive: n.ownerAlive, processes: n.processes, down: action(n) })),
    ...survey.tempDirs.map((d) => ({ kind: 'temp dir' as const, name: d.path, ownerPid: d.ownerPid, ownerAlive: d.ownerAlive, processes: [], down: action(d) })),
    ...survey.states.map((s) => ({ kind: 'lab state' as const, name: s.labId, ownerPid: s.ownerPid, ownerAlive: s.ownerAlive, processes: [], down: action(s) })),
  ];
}

const DOWN_TEXT: Record<DownAction, string> = {
  removes: 'lab down removes it',
  'stops its lab': 'lab down stops its lab',
  leaves: 'lab down leaves it',
};

/** One line a thing: kind, name, owner, the processes inside, what `down` does. */
export function surveyText(entries: readonly SurveyEntry[]): string {
  if (entries.length === 0) return 'nothing of the lab on this host: no lab namespace, owned temporary directory or lab state\n';
  const lines = entries.map((entry) => {
    const owner = entry.ownerPid === null ? 'no owner in its name' : `owner pid ${entry.ownerPid} is ${entry.ownerAlive ? 'alive' : 'gone'}`;
    const inside = entry.processes.length > 0 ? `, processes inside: ${entry.processes.map((p) => `${p.pid} (${escapeControls(p.command)})`).join(', ')}` : '';
    return `  ${entry.kind} ${escapeControls(entry.name)}: ${owner}${inside}; ${DOWN_TEXT[entry.down]}\n`;
  });
  return `on this host (what npm run lab -- down would do):\n${lines.join('')}`;
}
