// Helpers shared by the netpol checks.
import type {
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicyRule,
  Pod,
  Service,
  ServicePort,
} from '../../../cluster/k8s-types.js';
import type { Snapshot } from '../../../cluster/snapshot.js';
import { matchesLabelSelector } from '../../selectors.js';
import { formatLabelSelector } from '../../model/labels.js';
import { customColumnsTable, evidence } from '../../model/evidence.js';
import type { Evidence } from '../../types.js';
import { ingressRefsTo } from '../ingress/shared.js';

export type Direction = 'Ingress' | 'Egress';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
export const NODE_LOCAL_DNS_IP = '169.254.20.10';

/** policyTypes as the API server defaults them: Ingress always, Egress when egress rules exist. */
export function policyTypes(np: NetworkPolicy): Direction[] {
  const declared = np.spec.policyTypes;
  if (declared && declared.length > 0) return declared;
  return (np.spec.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** The policies of the pod's namespace that select it for the direction. */
export function policiesSelecting(snapshot: Snapshot, pod: Pod, dir: Direction): NetworkPolicy[] {
  return snapshot.networkPolicies.filter(
    (np) =>
      np.metadata.namespace === pod.metadata.namespace &&
      policyTypes(np).includes(dir) &&
      matchesLabelSelector(np.spec.podSelector, pod.metadata.labels),
  );
}

/** A Namespace's labels; kubernetes.io/metadata.name is set on every namespace by the API. */
export function namespaceLabels(snapshot: Snapshot, name: string): Record<string, string> {
  const ns = snapshot.namespaces.find((n) => n.metadata.name === name);
  return { [NAMESPACE_NAME_LABEL]: name, ...(ns?.metadata.labels ?? {}) };
}

export interface PortOnPod {
  number: number;
  name?: string;
  protocol: string;
}

/** The container port a Service port reaches on a pod; undefined when a named targetPort
 * resolves to nothing (service.port-mismatch reports that). */
export function targetPortOnPod(port: ServicePort, pod: Pod): PortOnPod | undefined {
  const protocol = port.protocol ?? 'TCP';
  const target = port.targetPort ?? port.port;
  const declared = pod.spec.containers.flatMap((c) => c.ports ?? []);
  if (typeof target === 'string' && !/^\d+$/.test(target)) {
    const p =
      declared.find((d) => d.name === target && (d.protocol ?? 'TCP') === protocol) ??
      declared.find((d) => d.name === target);
    return p ? { number: p.containerPort, name: p.name, protocol } : undefined;
  }
  const n = Number(target);
  const named = declared.find((d) => d.containerPort === n && (d.protocol ?? 'TCP') === protocol);
  return { number: n, name: named?.name, protocol };
}

/** A named policy port, resolved on the destination pods' container ports. */
export function namedPort(pods: Pod[], name: string, protocol: string): number[] {
  return pods.flatMap((p) =>
    p.spec.containers.flatMap((c) =>
      (c.ports ?? [])
        .filter((d) => d.name === name && (d.protocol ?? 'TCP') === protocol)
        .map((d) => d.containerPort),
    ),
  );
}

/** Whether a rule's ports admit the port; a rule without ports admits every port. */
export function portAdmits(
  ports: NetworkPolicyPort[] | undefined,
  target: { number: number; protocol: string },
  destination: Pod[],
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== target.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number' || /^\d+$/.test(p.port)) {
      const start = Number(p.port);
      return target.number >= start && target.number <= (p.endPort ?? start);
    }
    return namedPort(destination, p.port, target.protocol).includes(target.number);
  });
}

export function parseIPv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = n * 256 + Number(part);
  }
  return n;
}

export function inCidr(cidr: string, ip: string): boolean {
  const [base = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  if (base.includes(':') || ip.includes(':'))
    return base.includes(':') && ip.includes(':') && bits === 0;
  const a = parseIPv4(ip);
  const b = parseIPv4(base);
  if (a === undefined || b === undefined || !(bits >= 0 && bits <= 32)) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

export function ipBlockContains(block: { cidr: string; except?: string[] }, ip: string): boolean {
  return inCidr(block.cidr, ip) && !(block.except ?? []).some((e) => inCidr(e, ip));
}

export function isEverywhereCidr(cidr: string): boolean {
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

export function isEmptySelector(
  sel: { matchLabels?: object; matchExpressions?: unknown[] } | undefined,
) {
  return (
    !sel ||
    (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
  );
}

/** A peer that admits every source: all IPs, or every pod of every namespace. */
export function isEverywherePeer(peer: NetworkPolicyPeer): boolean {
  if (peer.ipBlock) return isEverywhereCidr(peer.ipBlock.cidr);
  return (
    peer.namespaceSelector !== undefined &&
    isEmptySelector(peer.namespaceSelector) &&
    isEmptySelector(peer.podSelector)
  );
}

export interface PodSource {
  namespace: string;
  labels: Record<string, string>;
  ip?: string;
}

export function sourceOf(p: Pod): PodSource {
  return {
    namespace: p.metadata.namespace ?? '',
    labels: p.metadata.labels ?? {},
    ip: p.status?.podIP,
  };
}

/** Whether a `from`/`to` peer of a policy in `policyNs` names the pod. */
export function peerAdmits(
  peer: NetworkPolicyPeer,
  policyNs: string,
  src: PodSource,
  snapshot: Snapshot,
): boolean {
  if (peer.ipBlock) return src.ip !== undefined && ipBlockContains(peer.ipBlock, src.ip);
  if (peer.namespaceSelector) {
    return (
      matchesLabelSelector(peer.namespaceSelector, namespaceLabels(snapshot, src.namespace)) &&
      matchesLabelSelector(peer.podSelector, src.labels)
    );
  }
  if (peer.podSelector)
    return src.namespace === policyNs && matchesLabelSelector(peer.podSelector, src.labels);
  return false;
}

export type Reach = 'all' | 'some' | 'none';
export const REACH_RANK: Record<Reach, number> = { none: 0, some: 1, all: 2 };

/** How much of the namespace's own pods a peer admits. */
export function sameNamespaceReach(peer: NetworkPolicyPeer, ns: string, snapshot: Snapshot): Reach {
  if (peer.ipBlock) return isEverywhereCidr(peer.ipBlock.cidr) ? 'all' : 'none';
  if (
    peer.namespaceSelector &&
    !matchesLabelSelector(peer.namespaceSelector, namespaceLabels(snapshot, ns))
  )
    return 'none';
  return isEmptySelector(peer.podSelector) ? 'all' : 'some';
}

export function reachesOtherNamespaces(peer: NetworkPolicyPeer, ns: string): boolean {
  if (peer.ipBlock) return true;
  if (!peer.namespaceSelector) return false;
  const pinned = peer.namespaceSelector.matchLabels?.[NAMESPACE_NAME_LABEL];
  return pinned === undefined || pinned !== ns;
}

/** What the selecting policies admit to one port of one pod, from the sources that matter. */
export interface IngressAccess {
  /** Rules whose ports admit the port, from any source. */
  admittingRules: number;
  anywhere: boolean;
  controller: 'admitted' | 'blocked' | 'unknown';
  sameNamespace: Reach;
  crossNamespace: boolean;
  /** Policies that admit the Service's port number, which NetworkPolicy never sees. */
  servicePortOnly: string[];
}

export function evaluateIngress(
  snapshot: Snapshot,
  policies: NetworkPolicy[],
  pod: Pod,
  target: PortOnPod,
  servicePort: number,
  controllers: Pod[],
): IngressAccess {
  const ns = pod.metadata.namespace ?? '';
  const a: IngressAccess = {
    admittingRules: 0,
    anywhere: false,
    controller: 'unknown',
    sameNamespace: 'none',
    crossNamespace: false,
    servicePortOnly: [],
  };
  let controllerAdmitted = false;
  for (const np of policies) {
    for (const rule of np.spec.ingress ?? []) {
      if (!portAdmits(rule.ports, target, [pod])) {
        const svcPort = { number: servicePort, protocol: target.protocol };
        if (servicePort !== target.number && portAdmits(rule.ports, svcPort, [pod]))
          a.servicePortOnly.push(np.metadata.name);
        continue;
      }
      a.admittingRules++;
      const from = rule.from ?? [];
      if (from.length === 0) {
        a.anywhere = true;
        a.sameNamespace = 'all';
        a.crossNamespace = true;
        controllerAdmitted = true;
        continue;
      }
      for (const peer of from) {
        if (isEverywherePeer(peer)) a.anywhere = true;
        const reach = sameNamespaceReach(peer, ns, snapshot);
        if (REACH_RANK[reach] > REACH_RANK[a.sameNamespace]) a.sameNamespace = reach;
        if (reachesOtherNamespaces(peer, ns)) a.crossNamespace = true;
        if (controllers.some((c) => peerAdmits(peer, ns, sourceOf(c), snapshot)))
          controllerAdmitted = true;
      }
    }
  }
  a.controller =
    a.anywhere || controllerAdmitted ? 'admitted' : controllers.length > 0 ? 'blocked' : 'unknown';
  a.servicePortOnly = [...new Set(a.servicePortOnly)];
  return a;
}

export interface Verdict {
  severity: 'critical' | 'warning';
  /** For the title: blocked from whom. */
  from: string;
  /** For the detail: why. */
  reason: string;
}

export function judge(
  a: IngressAccess,
  routed: boolean,
  ns: string,
  controllerNs: string[],
): Verdict | undefined {
  if (a.admittingRules === 0)
    return {
      severity: 'critical',
      from: 'from every source',
      reason: 'no rule of these policies admits it from any source, so every connection is dropped',
    };
  if (routed && !a.anywhere && a.controller === 'blocked')
    return {
      severity: 'critical',
      from: `from the ingress controller (${controllerNs.join(', ')})`,
      reason: `an Ingress routes to this port, but no rule admits it from the ingress controller's pods in ${controllerNs.join(', ')}`,
    };
  if (routed && !a.anywhere && a.controller === 'unknown' && !a.crossNamespace)
    return {
      severity: 'warning',
      from: `from outside namespace ${ns}`,
      reason: `an Ingress routes to this port, but only pods of ${ns} are admitted; the ingress controller (not in the snapshot) usually runs in its own namespace`,
    };
  return undefined;
}

export function describePeer(peer: NetworkPolicyPeer): string {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(',')}` : '';
    return `ipBlock ${peer.ipBlock.cidr}${except}`;
  }
  const pods = peer.podSelector ? formatLabelSelector(peer.podSelector) || 'all' : undefined;
  if (peer.namespaceSelector) {
    const nss = formatLabelSelector(peer.namespaceSelector);
    const where = nss ? `namespaces ${nss}` : 'all namespaces';
    return pods ? `pods ${pods} in ${where}` : where;
  }
  return `pods ${pods ?? 'all'} of the same namespace`;
}

export function describePorts(ports: NetworkPolicyPort[] | undefined): string {
  if (!ports || ports.length === 0) return 'all ports';
  return ports
    .map((p) => `${p.port ?? 'any'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`)
    .join(', ');
}

export function describeRule(rule: NetworkPolicyRule, dir: Direction): string {
  const peers = (dir === 'Ingress' ? rule.from : rule.to) ?? [];
  const who = peers.length ? peers.map(describePeer).join('; ') : 'anywhere';
  return `${dir === 'Ingress' ? 'from' : 'to'} ${who} on ${describePorts(rule.ports)}`;
}

/** One line per policy: what it selects and what it admits in the direction. */
export function describePolicy(np: NetworkPolicy, dir: Direction): string {
  const rules = (dir === 'Ingress' ? np.spec.ingress : np.spec.egress) ?? [];
  const pods = formatLabelSelector(np.spec.podSelector) || 'all pods';
  const body = rules.length
    ? rules.map((r) => describeRule(r, dir)).join(' | ')
    : 'no rules (denies all)';
  return `${np.metadata.name} (selects ${pods}): ${dir.toLowerCase()} ${body}`;
}

export function names(policies: NetworkPolicy[]): string {
  const list = policies.map((p) => p.metadata.name);
  return `${list.length === 1 ? 'NetworkPolicy' : 'NetworkPolicies'} ${list.join(', ')}`;
}

/** Backends grouped by the set of policies that select them for the direction. */
export function groupByPolicies(snapshot: Snapshot, pods: Pod[], dir: Direction) {
  const groups = new Map<string, { pods: Pod[]; policies: NetworkPolicy[] }>();
  for (const pod of pods) {
    const policies = policiesSelecting(snapshot, pod, dir);
    if (policies.length === 0) continue;
    const key = `${pod.metadata.namespace}|${policies
      .map((p) => p.metadata.name)
      .sort()
      .join(',')}`;
    const g = groups.get(key);
    if (g) g.pods.push(pod);
    else groups.set(key, { pods: [pod], policies });
  }
  return [...groups.values()];
}

export interface Blocked {
  portIndex: number;
  port: ServicePort;
  target: PortOnPod;
  pods: Pod[];
  policies: NetworkPolicy[];
  access: IngressAccess;
  verdict: Verdict;
  routed: boolean;
}

export function isRouted(svc: Service, port: ServicePort, snapshot: Snapshot): boolean {
  const ports = svc.spec.ports ?? [];
  return ingressRefsTo(snapshot, svc).some((r) => {
    const p = r.service.port;
    if (p?.number !== undefined) return p.number === port.port;
    if (p?.name !== undefined) return p.name === port.name;
    return ports.length === 1;
  });
}

export function sourcesText(a: IngressAccess, ns: string, controllerNs: string[]): string {
  const yes = (b: boolean) => (b ? 'admitted' : 'blocked');
  const ctrl =
    a.controller === 'unknown'
      ? 'ingress controller: not found in the snapshot'
      : `ingress controller (${controllerNs.join(', ')}): ${a.controller}`;
  const same = { all: 'admitted', some: 'only some pods admitted', none: 'blocked' }[
    a.sameNamespace
  ];
  return `anywhere: ${yes(a.anywhere)}; ${ctrl}; other pods of ${ns}: ${same}`;
}

/** CoreDNS as a destination: its pods when the snapshot has them, else the well-known shape. */
export function dnsDestinations(snapshot: Snapshot): { pods: Pod[]; ips: string[] } {
  let pods = snapshot.pods.filter(
    (p) => p.metadata.namespace === 'kube-system' && p.metadata.labels?.['k8s-app'] === 'kube-dns',
  );
  if (pods.length === 0) {
    pods = [
      {
        metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
        spec: {
          containers: [
            {
              name: 'coredns',
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    ];
  }
  const clusterIP = snapshot.services.find(
    (s) => s.metadata.namespace === 'kube-system' && s.metadata.name === 'kube-dns',
  )?.spec.clusterIP;
  const ips = [
    ...pods.flatMap((p) => (p.status?.podIP ? [p.status.podIP] : [])),
    ...(clusterIP ? [clusterIP] : []),
    NODE_LOCAL_DNS_IP,
  ];
  return { pods, ips };
}

/** Whether some egress rule admits DNS on the protocol to CoreDNS (or node-local DNS). */
export function admitsDns(
  snapshot: Snapshot,
  policies: NetworkPolicy[],
  protocol: 'UDP' | 'TCP',
): boolean {
  const dns = dnsDestinations(snapshot);
  return policies.some((np) =>
    (np.spec.egress ?? []).some((rule) => {
      if (!portAdmits(rule.ports, { number: 53, protocol }, dns.pods)) return false;
      const to = rule.to ?? [];
      if (to.length === 0) return true;
      return to.some((peer) => {
        if (peer.ipBlock) {
          const block = peer.ipBlock;
          return isEverywhereCidr(block.cidr) || dns.ips.some((ip) => ipBlockContains(block, ip));
        }
        return dns.pods.some((p) =>
          peerAdmits(peer, np.metadata.namespace ?? '', sourceOf(p), snapshot),
        );
      });
    }),
  );
}

/**
 * `kubectl get networkpolicy -n NS` in columns kubectl prints exactly: every policy of the
 * namespace, whom it selects, its types and its rules of one direction (Go's `%v` of the JSON).
 * The policies in words go in the finding's prose (`describePolicy`).
 */
export function policiesEvidence(snapshot: Snapshot, namespace: string, dir: Direction): Evidence {
  const field = dir === 'Ingress' ? 'ingress' : 'egress';
  const table = customColumnsTable(
    [
      ['NAME', '.metadata.name'],
      ['POD-SELECTOR', '.spec.podSelector'],
      ['POLICY-TYPES', '.spec.policyTypes'],
      [dir.toUpperCase(), `.spec.${field}`],
    ],
    snapshot.networkPolicies
      .filter((p) => p.metadata.namespace === namespace)
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
      .map((p) => [p.metadata.name, p.spec.podSelector, p.spec.policyTypes, p.spec[field]]),
  );
  return evidence(['get', 'networkpolicy', '-n', namespace, '-o', table.arg], table.output);
}
