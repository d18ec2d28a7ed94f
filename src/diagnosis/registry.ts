// Every check, in ROOT-CAUSE ORDER: a check earlier in this list is a deeper cause than the ones
// after it (a selector mismatch explains empty endpoints; a NotReady node or an OOMKill explains
// not-ready pods). Pure symptoms (no endpoints) come late; context (a recent change) last.
// Adding a check is one file under checks/<layer>/ and one line here; the list of ids, the
// catalogue and the ranking are derived from this list.
import { dependencyNotFound } from './checks/app/dependency-not-found.js';
import { dependencyUnhealthy } from './checks/app/dependency-unhealthy.js';
import { egressBlocked } from './checks/netpol/egress-blocked.js';
import { errorsInLogs } from './checks/app/errors-in-logs.js';
import { backendMissing } from './checks/ingress/backend-missing.js';
import { classMissing } from './checks/ingress/class-missing.js';
import { backendNoEndpoints } from './checks/ingress/backend-no-endpoints.js';
import { backendPortMismatch } from './checks/ingress/backend-port-mismatch.js';
import { configError } from './checks/pod/config-error.js';
import { controllerUnhealthy } from './checks/ingress/controller-unhealthy.js';
import { corednsUnhealthy } from './checks/dns/coredns-unhealthy.js';
import { crashloop } from './checks/pod/crashloop.js';
import { destinationRuleSubsetMissing } from './checks/mesh/destinationrule-subset-missing.js';
import { dnsEgressBlocked } from './checks/netpol/dns-egress-blocked.js';
import { hpaMaxed } from './checks/autoscaling/hpa-maxed.js';
import { imagePull } from './checks/pod/image-pull.js';
import { ingressBlocked } from './checks/netpol/ingress-blocked.js';
import { kubeProxyUnhealthy } from './checks/dns/kube-proxy-unhealthy.js';
import { noEndpoints } from './checks/service/no-endpoints.js';
import { noPods } from './checks/pod/no-pods.js';
import { gatewayBackendMissing } from './checks/gateway/backend-missing.js';
import { gatewayBackendPortMismatch } from './checks/gateway/backend-port-mismatch.js';
import { gatewayRouteNotAccepted } from './checks/gateway/route-not-accepted.js';
import { nodeNotReady } from './checks/node/not-ready.js';
import { notReady } from './checks/pod/not-ready.js';
import { oomKilled } from './checks/pod/oom-killed.js';
import { portMismatch } from './checks/service/port-mismatch.js';
import { probeMisconfigured } from './checks/pod/probe-misconfigured.js';
import { pvcUnbound } from './checks/storage/pvc-unbound.js';
import { recentChange } from './checks/rollout/recent-change.js';
import { resourceStarvation } from './checks/pod/resource-starvation.js';
import { rolloutStalled } from './checks/rollout/stalled.js';
import { selectorMismatch } from './checks/service/selector-mismatch.js';
import { serviceNotFound } from './checks/service/not-found.js';
import { tlsSecretMissing } from './checks/ingress/tls-secret-missing.js';
import { unsafeStrategy } from './checks/rollout/unsafe-strategy.js';
import { unschedulable } from './checks/pod/unschedulable.js';
import { virtualServiceMisrouted } from './checks/mesh/virtualservice-misrouted.js';
import type { CheckDef } from './define.js';
import type { Layer } from './types.js';

export const CHECKS = [
  serviceNotFound,
  backendMissing,
  classMissing,
  gatewayBackendMissing,
  selectorMismatch,
  noPods,
  nodeNotReady,
  pvcUnbound,
  unschedulable,
  imagePull,
  configError,
  oomKilled,
  probeMisconfigured,
  crashloop,
  resourceStarvation,
  portMismatch,
  backendPortMismatch,
  gatewayBackendPortMismatch,
  ingressBlocked,
  dnsEgressBlocked,
  corednsUnhealthy,
  kubeProxyUnhealthy,
  // The app's dependencies, named by its errors: deeper causes than the errors themselves.
  dependencyNotFound,
  egressBlocked,
  dependencyUnhealthy,
  virtualServiceMisrouted,
  destinationRuleSubsetMissing,
  tlsSecretMissing,
  controllerUnhealthy,
  gatewayRouteNotAccepted,
  unsafeStrategy,
  rolloutStalled,
  hpaMaxed,
  errorsInLogs,
  notReady,
  noEndpoints,
  backendNoEndpoints,
  recentChange,
] as const;

export type CheckId = (typeof CHECKS)[number]['id'];

export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c.id);

/** The checks judgeable from manifests alone, which `kubemedic lint` runs (define.ts `static`). */
export const STATIC_CHECKS: readonly CheckDef<CheckId>[] = CHECKS.filter(
  (c: CheckDef<CheckId>) => c.static === true,
);

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
