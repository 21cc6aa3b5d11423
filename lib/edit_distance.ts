/**
 * Edit distance between names, for "did you mean" suggestions in error messages.
 *
 * @module
 */

/**
 * The Levenshtein distance between `a` and `b`: how many single-character insertions, deletions or
 * substitutions turn one into the other. Case-sensitive: callers lower-case both sides when case must not count.
 *
 * @example
 * ```ts
 * import { editDistance } from "./edit_distance.ts";
 * editDistance("user.login", "user.logout"); // 3
 * ```
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
