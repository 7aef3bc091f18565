// prepare() as every client has it: one shared attempt at a time; a failed one is forgotten,
// so a later call tries again (after `npm run setup` installed what was missing, say).

export function onceUntilFailure(attempt: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () =>
    (pending ??= attempt().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}
