import type { CheckId, Finding, Severity, Verdict } from './types.js';

/**
 * Root-cause order: a finding earlier in this list explains the ones after it (a selector
 * mismatch explains empty endpoints; a NotReady node or an OOMKill explains not-ready pods).
 * Pure symptoms (no endpoints) come last; context (a recent change) after them.
 */
export const ROOT_CAUSE_ORDER: readonly CheckId[] = [
  'service.not-found',
  'ingress.backend-missing',
  'service.selector-mismatch',
  'pod.no-pods',
  'node.not-ready',
  'storage.pvc-unbound',
  'pod.unschedulable',
  'pod.image-pull',
  'pod.config-error',
  'pod.oom-killed',
  'pod.probe-misconfigured',
  'pod.crashloop',
  'pod.resource-starvation',
  'service.port-mismatch',
  'ingress.backend-port-mismatch',
  'netpol.ingress-blocked',
  'netpol.dns-egress-blocked',
  'dns.coredns-unhealthy',
  'dns.kube-proxy-unhealthy',
  'mesh.virtualservice-misrouted',
  'mesh.destinationrule-subset-missing',
  'ingress.tls-secret-missing',
  'ingress.controller-unhealthy',
  'rollout.unsafe-strategy',
  'rollout.stalled',
  'autoscaling.hpa-maxed',
  'pod.not-ready',
  'service.no-endpoints',
  'ingress.backend-no-endpoints',
  'rollout.recent-change',
];

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Findings ordered by severity, then by how deep a cause they are. */
export function rankFindings(findings: Finding[]): Finding[] {
  const depth = (f: Finding) => ROOT_CAUSE_ORDER.indexOf(f.check);
  return [...findings].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || depth(a) - depth(b),
  );
}

/** Layers whose warnings mean some traffic fails now (workload and dns warnings are risks). */
const SERVING_LAYERS = new Set(['pod', 'service', 'network-policy', 'ingress', 'mesh', 'node']);

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
  if (verdict === 'degraded') return ranked.find((f) => f.severity === 'warning');
  return undefined;
}
