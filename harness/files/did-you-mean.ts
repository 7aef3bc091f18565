// "did you mean ...?" for a name typed wrong: the same name in another case (4G for 4g), or
// a near miss (a letter or two off, or the start of exactly one name).

/** Letters inserted, deleted, changed or swapped with a neighbour (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The name `value` was probably meant to be, or undefined when none is close. */
export function closestName(value: string, names: readonly string[]): string | undefined {
  const wanted = value.toLowerCase();
  const sameButCase = names.find((name) => name.toLowerCase() === wanted);
  if (sameButCase !== undefined) return sameButCase;
  const starts = names.filter((name) => name.toLowerCase().startsWith(wanted));
  if (wanted.length >= 2 && starts.length === 1) return starts[0];
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** ', did you mean "4g"?' or ''. */
export function didYouMean(value: string, names: readonly string[]): string {
  const name = closestName(value, names);
  return name === undefined ? '' : `, did you mean "${name}"?`;
}
