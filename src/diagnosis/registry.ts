// Every check, in ROOT-CAUSE ORDER: a check earlier in this list is a deeper cause than the ones
// after it (a selector mismatch explains empty endpoints; a NotReady node or an OOMKill explains
// not-ready pods). Pure symptoms (no endpoints) come late; context (a recent change) last.
// Adding a check is one file under checks/<layer>/ and one line here; the list of ids, the
// catalogue and the ranking are derived from this list.
import { CATALOGUE } from './catalogue.js';
import { dnsChecks } from './checks/dns.js';
import { gatewayBackendMissing } from './checks/gateway/backend-missing.js';
import { gatewayBackendPortMismatch } from './checks/gateway/backend-port-mismatch.js';
import { gatewayRouteNotAccepted } from './checks/gateway/route-not-accepted.js';
import { ingressChecks } from './checks/ingress.js';
import { meshChecks } from './checks/mesh.js';
import { networkPolicyChecks } from './checks/network-policy.js';
import { nodeNotReady } from './checks/node/not-ready.js';
import { podChecks } from './checks/pod.js';
import { serviceChecks } from './checks/service.js';
import { pvcUnbound } from './checks/storage/pvc-unbound.js';
import { workloadChecks } from './checks/workload.js';
import { type CheckDef, defineCheck } from './define.js';
import type { Check, Layer } from './types.js';

// TEMPORARY adapter: checks still in their layer files, with words from the old catalogue.
const OLD = new Map<string, Check>(
  [
    ...serviceChecks,
    ...podChecks,
    ...networkPolicyChecks,
    ...dnsChecks,
    ...ingressChecks,
    ...workloadChecks,
    ...meshChecks,
  ].map((c) => [c.id, c]),
);
function old<const Id extends string>(id: Id): CheckDef<Id> {
  const c = OLD.get(id);
  const info = CATALOGUE[id];
  if (!c || !info) throw new Error(`no old check ${id}`);
  return defineCheck({ ...c, id, layer: info.layer, meaning: info.meaning, explains: [] });
}

export const CHECKS = [
  old('service.not-found'),
  old('ingress.backend-missing'),
  gatewayBackendMissing,
  old('service.selector-mismatch'),
  old('pod.no-pods'),
  nodeNotReady,
  pvcUnbound,
  old('pod.unschedulable'),
  old('pod.image-pull'),
  old('pod.config-error'),
  old('pod.oom-killed'),
  old('pod.probe-misconfigured'),
  old('pod.crashloop'),
  old('pod.resource-starvation'),
  old('service.port-mismatch'),
  old('ingress.backend-port-mismatch'),
  gatewayBackendPortMismatch,
  old('netpol.ingress-blocked'),
  old('netpol.dns-egress-blocked'),
  old('dns.coredns-unhealthy'),
  old('dns.kube-proxy-unhealthy'),
  old('mesh.virtualservice-misrouted'),
  old('mesh.destinationrule-subset-missing'),
  old('ingress.tls-secret-missing'),
  old('ingress.controller-unhealthy'),
  gatewayRouteNotAccepted,
  old('rollout.unsafe-strategy'),
  old('rollout.stalled'),
  old('autoscaling.hpa-maxed'),
  old('pod.not-ready'),
  old('service.no-endpoints'),
  old('ingress.backend-no-endpoints'),
  old('rollout.recent-change'),
] as const;

export type CheckId = (typeof CHECKS)[number]['id'];

export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c.id);

/** What each check means and where it reports, for summaries, help text and `kubemedic checks`. */
export const CATALOG: ReadonlyMap<CheckId, CheckDef<CheckId>> = new Map(
  CHECKS.map((c) => [c.id, c]),
);

export function checkOf(id: CheckId): CheckDef<CheckId> {
  const c = CATALOG.get(id);
  if (!c) throw new Error(`unknown check ${id}`);
  return c;
}

export function layerOf(id: CheckId): Layer {
  return checkOf(id).layer;
}

/** Depth of each check as a cause: its place in the registry (every id has one by construction). */
export const CAUSE_DEPTH: ReadonlyMap<CheckId, number> = new Map(CHECKS.map((c, i) => [c.id, i]));
