/**
 * "Did you mean" for every name a user types and we look up: services, models, featurizers.
 * A suggestion is the candidate nearest by edit distance, offered only when it is near
 * enough for a typo (a short name may be off by one letter, a long one by up to three), so
 * an unrelated name never gets a misleading suggestion.
 */

/** The candidate a typo of `word` most likely meant, or undefined when none is close. */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  const allowed = typed.length <= 4 ? 1 : typed.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `: did you mean "x"?` when there is a close candidate, else the empty string: appended to a "not found" message. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const suggestion = closestName(word, candidates);
  return suggestion === undefined ? '' : `: did you mean "${suggestion}"?`;
}

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
