import type { LabelSelector } from '../cluster/k8s-types.js';

/** A Service-style selector (equality on every key): empty selects nothing, as Services do. */
export function matchesServiceSelector(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const entries = Object.entries(selector ?? {});
  if (entries.length === 0) return false;
  return entries.every(([k, v]) => labels?.[k] === v);
}

/** A metav1.LabelSelector: empty selects everything, as NetworkPolicy podSelector does. */
export function matchesLabelSelector(
  selector: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(l, req.key);
    const value = l[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Levenshtein distance, for "did you mean" answers on names and label values. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** Names ordered by closeness to `wanted` (case-insensitive, substring matches first). */
export function nearestNames(wanted: string, names: Iterable<string>, limit = 5): string[] {
  const w = wanted.toLowerCase();
  return [...new Set(names)]
    .map((n) => {
      const l = n.toLowerCase();
      const contains = l.includes(w) || w.includes(l) ? 0 : 1;
      return { n, score: contains * 1000 + editDistance(w, l) };
    })
    .sort((a, b) => a.score - b.score || a.n.localeCompare(b.n))
    .slice(0, limit)
    .map((x) => x.n);
}
