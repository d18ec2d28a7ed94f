import { CAUSE_DEPTH, checkOf } from './registry.js';
import type { Finding, Severity, Verdict } from './types.js';

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Findings ordered by severity, then by how deep a cause they are (registry order). */
export function rankFindings(findings: Finding[]): Finding[] {
  const depth = (f: Finding) => CAUSE_DEPTH.get(f.check) ?? 0;
  return [...findings].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || depth(a) - depth(b),
  );
}

/** Layers whose warnings mean some traffic fails now (workload and dns warnings are risks). */
const SERVING_LAYERS = new Set([
  'pod',
  'service',
  'network-policy',
  'ingress',
  'mesh',
  'node',
  'gateway',
  'app',
]);

export function verdictOf(
  ranked: Finding[],
  opts: { partial: boolean; readable: boolean },
): Verdict {
  if (ranked.some((f) => f.severity === 'critical')) return 'unhealthy';
  if (!opts.readable) return 'unknown';
  if (opts.partial || ranked.some((f) => f.severity === 'warning' && SERVING_LAYERS.has(f.layer)))
    return 'degraded';
  return 'healthy';
}

export function rootCauseOf(ranked: Finding[], verdict: Verdict): Finding | undefined {
  if (verdict === 'unhealthy') return ranked.find((f) => f.severity === 'critical');
  if (verdict === 'degraded') {
    const warnings = ranked.filter((f) => f.severity === 'warning');
    const present = new Set(ranked.map((f) => f.check));
    // A workload or DNS warning that explains nothing found is a risk (a strategy that could drain
    // the Service in some later rollout), not why the Service is degraded now: a warning about
    // serving, or one that explains another finding (a stalled rollout), goes first.
    return (
      warnings.find(
        (f) =>
          SERVING_LAYERS.has(f.layer) || checkOf(f.check).explains.some((id) => present.has(id)),
      ) ?? warnings[0]
    );
  }
  return undefined;
}
