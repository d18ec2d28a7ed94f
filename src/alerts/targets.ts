// Which Kubernetes object an alert is about, from its labels, in this order: service, endpoint
// (kube-state-metrics' label for kube_endpoint_*), ingress, destination_workload (Istio),
// deployment, pod; the namespace from `namespace` (or Istio's destination_workload_namespace).
//
// Alerts about cluster DNS or kube-proxy become a `namespace/kube-system` target: every
// diagnosis runs the dns layer (CoreDNS and kube-proxy health), and a kube-system Namespace
// target puts kube-dns itself (its endpoints, its pods) in the service and pod layers too.
import { TargetError, parseTarget } from '../diagnosis/target.js';
import type { TargetRef } from '../slack/thread-state.js';
import type { Alert } from './schema.js';

const DNS_HINTS = /^(coredns|kube-dns|kube-proxy)([-.].*)?$/;

function isClusterDns(labels: Record<string, string>): boolean {
  if (labels.namespace !== 'kube-system') return false;
  return [
    'service',
    'endpoint',
    'deployment',
    'daemonset',
    'pod',
    'job',
    'container',
    'k8s_app',
    'app',
  ].some((k) => DNS_HINTS.test(labels[k] ?? ''));
}

/** The cluster an alert is about: a name, or read from its labels (a hub: the `cluster` label). */
export type AlertCluster = string | ((labels: Record<string, string>) => string | undefined);

export function targetOfAlert(
  labels: Record<string, string>,
  clusterOf: AlertCluster,
): TargetRef | undefined {
  const cluster = typeof clusterOf === 'string' ? clusterOf : clusterOf(labels);
  if (cluster === undefined) return undefined;
  if (isClusterDns(labels)) return parseTarget('namespace/kube-system', undefined, cluster);
  const ns = labels.namespace;
  const candidates: [string | undefined, string, string | undefined][] = [
    [labels.service, 'svc', ns],
    [labels.endpoint, 'svc', ns],
    [labels.ingress, 'ingress', ns],
    [labels.destination_workload, 'deploy', labels.destination_workload_namespace ?? ns],
    [labels.deployment, 'deploy', ns],
    [labels.pod, 'pod', ns],
  ];
  for (const [name, kind, namespace] of candidates) {
    if (!name || !namespace) continue;
    try {
      return parseTarget(`${kind}/${name}`, namespace, cluster);
    } catch (err) {
      // A label that is no valid object name (e.g. "unknown") names no target; try the next.
      if (!(err instanceof TargetError)) throw err;
    }
  }
  return undefined;
}

/** Distinct targets of the firing alerts, in alert order. */
export function targetsOfAlerts(alerts: Alert[], cluster: AlertCluster): TargetRef[] {
  const seen = new Map<string, TargetRef>();
  for (const a of alerts) {
    if (a.status !== 'firing') continue;
    const t = targetOfAlert(a.labels, cluster);
    if (t) seen.set(`${t.cluster}/${t.kind}/${t.namespace}/${t.name}`, t);
  }
  return [...seen.values()];
}
