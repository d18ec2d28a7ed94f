// Near names: a typo'd Service or host name and the one it most likely meant.
import { editDistance } from '../selectors.js';

/** Close enough to be a typo of one another: a substring, or a small edit distance. */
export function isNearName(a: string, b: string): boolean {
  if (a === b) return false;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.min(x.length, y.length) >= 3 && (x.includes(y) || y.includes(x))) return true;
  return editDistance(x, y) <= Math.max(1, Math.floor(Math.max(x.length, y.length) * 0.4));
}

/** The one nearest name, when it is near and no other name is equally near. */
export function uniqueNearest(wanted: string, names: string[]): string | undefined {
  const score = (n: string) => {
    const w = wanted.toLowerCase();
    const l = n.toLowerCase();
    return (l.includes(w) || w.includes(l) ? 0 : 1000) + editDistance(w, l);
  };
  const ranked = [...new Set(names)]
    .filter((n) => isNearName(wanted, n))
    .map((n) => ({ n, s: score(n) }))
    .sort((a, b) => a.s - b.s);
  const [first, second] = ranked;
  if (!first || (second && second.s === first.s)) return undefined;
  return first.n;
}
