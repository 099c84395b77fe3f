/*
 * "Did you mean": the known word closest to a misspelt one, by edit distance (a swap of two neighbouring
 * letters counts as one edit), compared without case and separators. Only a close word is offered: a guess
 * that is far off misleads more than none.
 */

function normalized(word: string): string {
  return word.toLowerCase().replace(/[-_\s]/g, '');
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
    }
  }
  return rows[a.length][b.length];
}

/** The closest known word, when it is close enough to be what was meant (a third of its letters, at most 3). */
export function closestWord(word: string, known: readonly string[]): string | undefined {
  const target = normalized(word);
  let best: { word: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(target, normalized(candidate));
    if (best === undefined || distance < best.distance) best = { word: candidate, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.min(3, Math.max(1, Math.floor(normalized(best.word).length / 3)));
  return best.distance <= allowed ? best.word : undefined;
}

/** ` (did you mean "x"?)` when a known word is close, else nothing. */
export function didYouMean(word: string, known: readonly string[]): string {
  const closest = closestWord(word, known);
  return closest === undefined ? '' : ` (did you mean "${closest}"?)`;
}
