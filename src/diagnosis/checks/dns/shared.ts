// Helpers shared by the dns checks.
import type { DaemonSet, Deployment, Pod } from '../../../cluster/k8s-types.js';
import type { Snapshot } from '../../../cluster/snapshot.js';
import { type DiagnosisContext } from '../../context.js';
import { isLive } from '../../model/pods.js';

export const KUBE_SYSTEM = 'kube-system';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function hasLabel(p: Pod, key: string, value: string): boolean {
  return p.metadata.labels?.[key] === value;
}

export function corednsPods(snapshot: Snapshot): Pod[] {
  return snapshot.pods.filter(
    (p) => p.metadata.namespace === KUBE_SYSTEM && isLive(p) && hasLabel(p, 'k8s-app', 'kube-dns'),
  );
}

/** Ready and total addresses of the kube-dns Service, or undefined when none were read. */
export function kubeDnsEndpoints(snapshot: Snapshot): { ready: number; total: number } | undefined {
  const slices = snapshot.endpointSlices.filter(
    (s) =>
      s.metadata.namespace === KUBE_SYSTEM &&
      s.metadata.labels?.[SERVICE_NAME_LABEL] === 'kube-dns',
  );
  if (slices.length > 0) {
    const seen = new Map<string, boolean>();
    for (const ep of slices.flatMap((s) => s.endpoints ?? [])) {
      const addr = ep.addresses[0] ?? '';
      seen.set(addr, (seen.get(addr) ?? false) || ep.conditions?.ready !== false);
    }
    return { ready: [...seen.values()].filter(Boolean).length, total: seen.size };
  }
  const eps = snapshot.endpoints.find(
    (e) => e.metadata.namespace === KUBE_SYSTEM && e.metadata.name === 'kube-dns',
  );
  if (!eps) return undefined;
  const ready = (eps.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = (eps.subsets ?? []).reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  return { ready, total: ready + notReady };
}

export function corednsDeployment(ctx: DiagnosisContext, pods: Pod[]): Deployment | undefined {
  const named = ctx.snapshot.deployments.find(
    (d) => d.metadata.namespace === KUBE_SYSTEM && d.metadata.name === 'coredns',
  );
  if (named) return named;
  for (const p of pods) {
    const owner = ctx.ownerOf(p);
    if (owner?.kind === 'Deployment') return owner.object;
  }
  return undefined;
}

export function isKubeProxyPod(p: Pod): boolean {
  return (
    p.metadata.namespace === KUBE_SYSTEM &&
    (hasLabel(p, 'k8s-app', 'kube-proxy') || hasLabel(p, 'component', 'kube-proxy'))
  );
}

export function kubeProxyDaemonSet(snapshot: Snapshot): DaemonSet | undefined {
  return snapshot.daemonSets.find(
    (d) =>
      d.metadata.namespace === KUBE_SYSTEM &&
      (d.metadata.name === 'kube-proxy' || d.metadata.labels?.['k8s-app'] === 'kube-proxy'),
  );
}
