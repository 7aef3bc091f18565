// The run's journal: no completed sample is lost to a kill. Before the first sample the run
// writes its document's head, then appends each sample as it completes, fsync'd, to
// <results dir>/<run id>.pid<pid>.journal (mode 0600); a symbolic link in /run/quic-lab/journals
// points at it. The journal goes once the result file is written. A harness killed outright
// (SIGKILL, the OOM killer, a power cut) leaves it, and the next run or `lab down` turns it into
// an aborted result beside it, with every sample journaled (without the wire and derived
// metrics, computed only at the end), and says where.
import { mkdir, open, readdir, readFile, readlink, rm, stat, symlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { labRunDir } from '../lab/lab-state.js';
import { ownerAlive } from '../process/proc-table.js';
import type { Sample } from '../results/schema.js';
import { resultText } from '../results/write.js';
import { assembleDocument, type DocumentHead } from './document.js';
import { writeEverywhere } from './output-paths.js';

/** What the run loop tells a journal. */
export interface SampleJournal {
  begin(head: DocumentHead): Promise<void>;
  sample(caseId: string, sample: Sample): Promise<void>;
}

function pointersDir(): string {
  return join(labRunDir(), 'journals');
}
const JOURNAL_NAME = /^(.+)\.pid(\d+)\.journal$/;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class RunJournal implements SampleJournal {
  readonly path: string;
  private readonly pointer: string;
  private handle: FileHandle | undefined;
  private failed = false;

  /** `warn` hears a write that failed: the run goes on without its journal. */
  constructor(
    resultsDir: string,
    runId: string,
    private readonly warn: (message: string) => void,
  ) {
    this.path = join(resultsDir, `${runId}.pid${process.pid}.journal`);
    this.pointer = join(pointersDir(), basename(this.path));
  }

  async begin(head: DocumentHead): Promise<void> {
    await this.guarded(async () => {
      // The results directory's parent was checked before the run: at most one level to make.
      await mkdir(dirname(this.path)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      this.handle = await open(this.path, 'wx', 0o600);
      await this.append({ head });
      await mkdir(pointersDir(), { recursive: true, mode: 0o700 });
      await symlink(this.path, this.pointer);
    });
  }

  async sample(caseId: string, sample: Sample): Promise<void> {
    await this.guarded(() => this.append({ caseId, sample }));
  }

  /** The result is written: the journal is no longer needed. */
  async remove(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await rm(this.pointer, { force: true });
    await rm(this.path, { force: true });
  }

  private async append(entry: object): Promise<void> {
    if (!this.handle) return;
    await this.handle.write(JSON.stringify(entry) + '\n');
    await this.handle.sync();
  }

  private async guarded(step: () => Promise<void>): Promise<void> {
    if (this.failed) return;
    try {
      await step();
    } catch (error) {
      this.failed = true;
      this.warn(`the run's journal (${this.path}) failed, so a kill would lose its samples: ${message(error)}`);
    }
  }
}

/** A journal turned into a result (where it went, how many samples it held), or why it could not be. */
export type Recovered = { journal: string; resultPath: string; samples: number } | { journal: string; problem: string };

/** Journals of runs whose harness is gone, in `dirs` or pointed at: each becomes an aborted result beside it. */
export async function recoverJournals(dirs: readonly string[], recoveredBy: string): Promise<Recovered[]> {
  const found = new Set<string>();
  for (const name of await readdir(pointersDir()).catch(() => [])) {
    const target = await readlink(join(pointersDir(), name)).catch(() => null);
    // A pointer to nothing: its journal was removed (or its directory with it).
    if (
      target === null ||
      !(await stat(target).then(
        () => true,
        () => false,
      ))
    )
      await rm(join(pointersDir(), name), { force: true });
    else found.add(target);
  }
  for (const dir of dirs) for (const name of await readdir(dir).catch(() => [])) if (JOURNAL_NAME.test(name)) found.add(join(dir, name));
  const recovered: Recovered[] = [];
  for (const journal of found) {
    try {
      const done = await recoverJournal(journal, recoveredBy);
      if (done) recovered.push(done);
    } catch (error) {
      recovered.push({ journal, problem: message(error) });
    }
  }
  return recovered;
}

interface JournalLines {
  head: DocumentHead;
  samples: Map<string, Sample[]>;
  count: number;
}

/** The head and the samples; a line cut by the kill (the last) is left out. */
export function parseJournal(text: string): JournalLines | null {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const parsed = lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as { head?: DocumentHead; caseId?: string; sample?: Sample }];
    } catch {
      return [];
    }
  });
  const head = parsed[0]?.head;
  if (head === undefined) return null;
  const samples = new Map<string, Sample[]>();
  let count = 0;
  for (const entry of parsed.slice(1)) {
    if (entry.caseId === undefined || entry.sample === undefined) continue;
    samples.set(entry.caseId, [...(samples.get(entry.caseId) ?? []), entry.sample]);
    count++;
  }
  return { head, samples, count };
}

async function recoverJournal(journal: string, recoveredBy: string): Promise<Recovered | null> {
  const pid = Number(JOURNAL_NAME.exec(basename(journal))?.[2]);
  if (!(pid > 0) || pid === process.pid) return null;
  const info = await stat(journal).catch(() => null);
  if (!info) return null;
  const text = await readFile(journal, 'utf8');
  const lines = parseJournal(text);
  const startedMs = lines ? Date.parse(lines.head.document.startedAt) : info.mtimeMs;
  if (ownerAlive(pid, Number.isNaN(startedMs) ? info.mtimeMs : startedMs)) return null;
  const dir = dirname(journal);
  const forget = async () => {
    // What the killed write left: its temporary files (result and reports), the journal, its pointer.
    const runId = lines?.head.document.runId;
    if (runId !== undefined) for (const name of await readdir(dir).catch(() => [])) if (name.startsWith(`.${runId}.`) && name.endsWith('.tmp')) await rm(join(dir, name), { force: true });
    await rm(join(pointersDir(), basename(journal)), { force: true });
    await rm(journal, { force: true });
  };
  if (lines === null) {
    await forget(); // killed before its head was written: no sample was taken
    return null;
  }
  const resultPath = join(dir, `${lines.head.document.runId}.json`);
  // Killed after its result was written, before the journal went: the result has it all.
  if (
    await stat(resultPath).then(
      () => true,
      () => false,
    )
  ) {
    await forget();
    return null;
  }
  const document = assembleDocument(lines.head, (caseId) => lines.samples.get(caseId) ?? [], {
    status: 'aborted',
    finishedAt: new Date(info.mtimeMs).toISOString(),
    errors: [
      `the harness (pid ${pid}) ended without writing its result (killed or crashed); ${recoveredBy} recovered its ${lines.count} completed samples from its journal, without the wire and derived metrics (computed at a run's end)`,
    ],
  });
  const written = await writeEverywhere(resultText(document), [resultPath]);
  await forget();
  return { journal, resultPath: written.paths[0] ?? resultPath, samples: lines.count };
}

/** What the recovery of killed runs' journals did, in a line each. */
export function recoveredLines(recovered: readonly Recovered[]): string[] {
  return recovered.map((r) => ('problem' in r ? `the journal ${r.journal} of a killed run could not be recovered: ${r.problem}` : `a killed run's ${r.samples} completed samples were recovered to ${r.resultPath}`));
}
