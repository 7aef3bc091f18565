// The emulator's command replies matched to their commands by id: each command goes out as
// "#ID COMMAND" and its reply carries "id":ID. Matching in order (first in, first out) let a
// reply that came after its command had timed out answer the next command instead.

interface Pending {
  command: string;
  resolve: (reply: Record<string, unknown>) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class EmulatorReplies {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Replies that answered no waiting command (late after a timeout, or without an id), dropped. */
  readonly stale: string[] = [];

  constructor(private readonly timeoutMs: number) {}

  /** Writes `line` with a fresh id and resolves with its reply; rejects on an error reply or after the timeout. */
  request(line: string, command: string, write: (text: string) => void): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`link emulator: no reply to '${command}' within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { command, resolve, reject, timer });
      write(`#${id} ${line}\n`);
    });
  }

  /** A reply line (it has "command"): settles the command with its id, or is dropped as stale. */
  reply(parsed: Record<string, unknown>, line: string): void {
    const p = typeof parsed.id === 'number' ? this.pending.get(parsed.id) : undefined;
    if (p === undefined) {
      this.stale.push(line);
      return;
    }
    this.pending.delete(parsed.id as number);
    clearTimeout(p.timer);
    if (parsed.event === 'error') p.reject(new Error(`link emulator rejected '${p.command}': ${String(parsed.message)}`));
    else p.resolve(parsed);
  }

  /** Rejects every waiting command (the emulator is gone). */
  rejectAll(error: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }
}
