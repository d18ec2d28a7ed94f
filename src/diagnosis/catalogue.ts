// TEMPORARY: words of the checks not yet moved to one file each (checks/<layer>/<id>.ts).
import type { FindingInput } from './define.js';
import type { CheckId, Finding, Layer } from './types.js';

export interface CheckInfo {
  layer: Layer;
  /** What the finding means, in one line, for summaries and help text. */
  meaning: string;
}

export const CATALOGUE: Record<string, CheckInfo> = {
  'pod.not-ready': {
    layer: 'pod',
    meaning: 'pods are running but fail their readiness probe, so endpoints are drained',
  },
  'pod.crashloop': {
    layer: 'pod',
    meaning: 'containers crash and restart in a loop (CrashLoopBackOff)',
  },
  'pod.oom-killed': {
    layer: 'pod',
    meaning: 'containers were killed for exceeding their memory limit (OOMKilled)',
  },
  'pod.image-pull': { layer: 'pod', meaning: 'the container image cannot be pulled' },
  'pod.config-error': {
    layer: 'pod',
    meaning: 'a container cannot be created: a ConfigMap, Secret or key it needs is missing',
  },
  'pod.unschedulable': { layer: 'pod', meaning: 'pods cannot be scheduled onto any node' },
  'pod.probe-misconfigured': {
    layer: 'pod',
    meaning:
      'a probe points at a port no container exposes, or gives the app too little time to start',
  },
  'pod.resource-starvation': {
    layer: 'pod',
    meaning: 'containers run close to their CPU or memory limit',
  },
  'pod.no-pods': { layer: 'pod', meaning: 'the workload has no pods at all' },
  'service.not-found': { layer: 'service', meaning: 'the Service does not exist' },
  'service.selector-mismatch': {
    layer: 'service',
    meaning: "the Service's selector matches no pod",
  },
  'service.no-endpoints': {
    layer: 'service',
    meaning: 'the Service has matching pods but no ready endpoint',
  },
  'service.port-mismatch': {
    layer: 'service',
    meaning: "the Service's targetPort is not a port the pods listen on",
  },
  'netpol.ingress-blocked': {
    layer: 'network-policy',
    meaning: 'a NetworkPolicy blocks traffic to the backends on the target port',
  },
  'netpol.dns-egress-blocked': {
    layer: 'network-policy',
    meaning: 'an egress NetworkPolicy blocks DNS (port 53) from the backends',
  },
  'dns.coredns-unhealthy': {
    layer: 'dns',
    meaning: 'CoreDNS is not ready, restarting or has no endpoints',
  },
  'dns.kube-proxy-unhealthy': {
    layer: 'dns',
    meaning: 'kube-proxy is not fully available, so Service routing may be stale',
  },
  'ingress.backend-missing': {
    layer: 'ingress',
    meaning: 'an Ingress rule names a Service that does not exist',
  },
  'ingress.backend-port-mismatch': {
    layer: 'ingress',
    meaning: 'an Ingress rule names a port the Service does not have',
  },
  'ingress.backend-no-endpoints': {
    layer: 'ingress',
    meaning: 'the Ingress backend Service has no ready endpoint',
  },
  'ingress.tls-secret-missing': {
    layer: 'ingress',
    meaning: 'an Ingress TLS secret does not exist',
  },
  'ingress.controller-unhealthy': {
    layer: 'ingress',
    meaning: 'the ingress controller pods are not ready or restarting',
  },
  'rollout.stalled': {
    layer: 'workload',
    meaning: 'a rollout is stuck with fewer available pods than desired',
  },
  'rollout.unsafe-strategy': {
    layer: 'workload',
    meaning: 'the rollout strategy allows zero ready pods during an update',
  },
  'rollout.recent-change': {
    layer: 'workload',
    meaning: 'a new revision rolled out shortly before the incident',
  },
  'autoscaling.hpa-maxed': {
    layer: 'workload',
    meaning: 'the HorizontalPodAutoscaler is at its maximum while the service fails',
  },
  'mesh.virtualservice-misrouted': {
    layer: 'mesh',
    meaning: 'an Istio VirtualService routes to a host or port no Service has',
  },
  'mesh.destinationrule-subset-missing': {
    layer: 'mesh',
    meaning: 'a route names a subset no DestinationRule defines',
  },
};

/** Builds a finding of a check not yet moved; the layer comes from the table above. */
export function finding(check: CheckId, f: FindingInput): Finding {
  const info = CATALOGUE[check];
  if (!info) throw new Error(`finding of unknown check ${check}`);
  return {
    check,
    layer: info.layer,
    severity: f.severity,
    title: f.title,
    detail: f.detail,
    evidence: f.evidence ?? [],
    objects: f.objects ?? [],
    remediations: f.remediations ?? [],
  };
}
