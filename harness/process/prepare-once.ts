// Work done once and shared (prepare(), asking a program for its version): one attempt at a
// time; a failed one is forgotten, so a later call tries again (after `npm run setup`
// installed what was missing, say).

export function onceUntilFailure<T>(attempt: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= attempt().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}

/** The same per key (an executable, say). */
export function oncePerKeyUntilFailure<T>(attempt: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const pending = new Map<string, () => Promise<T>>();
  return (key) => {
    let once = pending.get(key);
    if (once === undefined) {
      once = onceUntilFailure(() => attempt(key));
      pending.set(key, once);
    }
    return once();
  };
}
