// Cluster DNS and Service routing: CoreDNS and kube-proxy in kube-system. These checks run for
// every diagnosis, so they stay silent unless something is actually wrong.
import type { DaemonSet, Deployment, Pod } from '../../cluster/k8s-types.js';
import type { Snapshot } from '../../cluster/snapshot.js';
import { rolloutRestart } from '../../remediation/plans.js';
import { finding } from '../catalogue.js';
import { type DiagnosisContext, ago, evidence, isLive, isPodReady, ref } from '../context.js';
import type { Check, Evidence } from '../types.js';

const KUBE_SYSTEM = 'kube-system';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Restarts older than this are history, not an ongoing problem. */
const RESTART_WINDOW_MS = 60 * 60 * 1000;
const OOM_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface PodTrouble {
  pod: Pod;
  ready: boolean;
  oomKilled: boolean;
  restarts: number;
  /** Plain-words problems; empty when the pod is healthy. */
  problems: string[];
}

/** What is wrong with a system pod now: not ready, crash-looping, restarting lately, OOMKilled. */
export function podTrouble(pod: Pod, now: Date): PodTrouble {
  const problems: string[] = [];
  const ready = isPodReady(pod);
  const phase = pod.status?.phase;
  if (!ready) problems.push(phase && phase !== 'Running' ? `not ready (${phase})` : 'not ready');
  let oomKilled = false;
  let restarts = 0;
  for (const cs of pod.status?.containerStatuses ?? []) {
    restarts += cs.restartCount;
    const last = cs.lastState?.terminated;
    // A dump without finishedAt cannot date the restart; count it rather than miss it.
    const within = (ms: number) =>
      !last?.finishedAt || now.getTime() - Date.parse(last.finishedAt) <= ms;
    const when = last?.finishedAt ? `, last ${ago(last.finishedAt, now)}` : '';
    const exit = last ? `, last exit ${last.reason ?? `code ${last.exitCode}`}` : '';
    if (cs.state?.waiting?.reason === 'CrashLoopBackOff') {
      problems.push(
        `container ${cs.name} is in CrashLoopBackOff (${cs.restartCount} restarts${exit}${when})`,
      );
    } else if (cs.restartCount >= 3 && within(RESTART_WINDOW_MS)) {
      problems.push(`container ${cs.name} restarted ${cs.restartCount} times${exit}${when}`);
    }
    if (last?.reason === 'OOMKilled' && within(OOM_WINDOW_MS)) {
      oomKilled = true;
      problems.push(
        `container ${cs.name} was OOMKilled${last.finishedAt ? ` ${ago(last.finishedAt, now)}` : ''}`,
      );
    }
  }
  return { pod, ready, oomKilled, restarts, problems };
}

/** One line per pod, as `kubectl get pods` would show it. */
export function podLine(t: PodTrouble): string {
  const statuses = t.pod.status?.containerStatuses ?? [];
  const readyCount = statuses.filter((c) => c.ready).length;
  const total = statuses.length || t.pod.spec.containers.length;
  const state =
    statuses.map((c) => c.state?.waiting?.reason).find((r) => r !== undefined) ??
    t.pod.status?.phase ??
    'Unknown';
  const node = t.pod.spec.nodeName ? `  node ${t.pod.spec.nodeName}` : '';
  const notes = t.problems.length ? `  (${t.problems.join('; ')})` : '';
  return `${t.pod.metadata.name}  ${readyCount}/${total}  ${state}  restarts ${t.restarts}${node}${notes}`;
}

function hasLabel(p: Pod, key: string, value: string): boolean {
  return p.metadata.labels?.[key] === value;
}

function corednsPods(snapshot: Snapshot): Pod[] {
  return snapshot.pods.filter(
    (p) => p.metadata.namespace === KUBE_SYSTEM && isLive(p) && hasLabel(p, 'k8s-app', 'kube-dns'),
  );
}

/** Ready and total addresses of the kube-dns Service, or undefined when none were read. */
function kubeDnsEndpoints(snapshot: Snapshot): { ready: number; total: number } | undefined {
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

function corednsDeployment(ctx: DiagnosisContext, pods: Pod[]): Deployment | undefined {
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

export const corednsUnhealthy: Check = {
  id: 'dns.coredns-unhealthy',
  reads: ['pods', 'endpointSlices'],
  skipIf: (s) => s.unavailable['kube-system'],
  run(ctx) {
    const pods = corednsPods(ctx.snapshot);
    const endpoints = kubeDnsEndpoints(ctx.snapshot);
    // Nothing of CoreDNS in the dump is not evidence of a failure (kube-system may not be read).
    if (pods.length === 0 && !endpoints) return [];
    const troubles = pods.map((p) => podTrouble(p, ctx.now));
    const troubled = troubles.filter((t) => t.problems.length > 0);
    const readyPods = troubles.filter((t) => t.ready).length;
    const noReadyPod = pods.length > 0 && readyPods === 0;
    const noEndpoint = endpoints !== undefined && endpoints.ready === 0;
    if (!noReadyPod && !noEndpoint && troubled.length === 0) return [];

    const down = noReadyPod || noEndpoint;
    const oom = troubled.some((t) => t.oomKilled);
    const parts: string[] = [];
    if (pods.length > 0) parts.push(`${readyPods} of ${pods.length} CoreDNS pod(s) ready`);
    if (noEndpoint) parts.push('kube-dns has no ready endpoint');
    const title = down
      ? `CoreDNS is down: ${parts.join(', ')}`
      : `CoreDNS is unstable: ${troubled
          .slice(0, 2)
          .map((t) => `${t.pod.metadata.name} ${t.problems[0] ?? ''}`)
          .join('; ')}`;
    const detail =
      (down
        ? 'Cluster DNS answers no queries, so every pod that calls another service by name fails ' +
          '(lookups time out), which surfaces as 5xx from services that depend on others. '
        : `Some CoreDNS pods are unhealthy (${readyPods} of ${pods.length} ready); lookups that ` +
          'land on them time out or fail intermittently. ') +
      troubled.map((t) => `${t.pod.metadata.name}: ${t.problems.join('; ')}.`).join(' ') +
      (oom
        ? ' CoreDNS was OOMKilled: a restart only buys time; raise the memory limit of the coredns ' +
          'Deployment (the command below) and look for a query storm.'
        : ' Read the logs (the command below) and restart CoreDNS if the pods are stuck.');

    const shown: Evidence[] = [];
    if (pods.length > 0)
      shown.push(
        evidence(
          ['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'wide'],
          troubles.map(podLine).join('\n'),
        ),
      );
    if (endpoints)
      shown.push(
        evidence(
          ['get', 'endpointslices', '-n', 'kube-system', '-l', `${SERVICE_NAME_LABEL}=kube-dns`],
          `ready: ${endpoints.ready}, not ready: ${endpoints.total - endpoints.ready}`,
        ),
      );
    shown.push(
      oom
        ? evidence(
            ['-n', 'kube-system', 'edit', 'deployment', 'coredns'],
            '(raise resources.limits.memory; not run)',
          )
        : evidence(
            ['logs', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '--previous'],
            '(the CoreDNS logs; not run)',
          ),
    );
    const deployment = corednsDeployment(ctx, pods);
    return [
      finding('dns.coredns-unhealthy', {
        severity: down ? 'critical' : 'warning',
        title,
        detail,
        evidence: shown,
        objects: [
          ...(deployment ? [ref('Deployment', deployment)] : []),
          ...troubled.slice(0, 5).map((t) => ref('Pod', t.pod)),
        ],
        remediations: deployment
          ? [rolloutRestart('Deployment', deployment, new Date(ctx.now), ['dns.coredns-unhealthy'])]
          : [],
      }),
    ];
  },
};

function isKubeProxyPod(p: Pod): boolean {
  return (
    p.metadata.namespace === KUBE_SYSTEM &&
    (hasLabel(p, 'k8s-app', 'kube-proxy') || hasLabel(p, 'component', 'kube-proxy'))
  );
}

function kubeProxyDaemonSet(snapshot: Snapshot): DaemonSet | undefined {
  return snapshot.daemonSets.find(
    (d) =>
      d.metadata.namespace === KUBE_SYSTEM &&
      (d.metadata.name === 'kube-proxy' || d.metadata.labels?.['k8s-app'] === 'kube-proxy'),
  );
}

export const kubeProxyUnhealthy: Check = {
  id: 'dns.kube-proxy-unhealthy',
  reads: ['daemonSets', 'pods'],
  skipIf: (s) => s.unavailable['kube-system'],
  run(ctx) {
    const ds = kubeProxyDaemonSet(ctx.snapshot);
    const pods = ctx.snapshot.pods.filter((p) => isLive(p) && isKubeProxyPod(p));
    // Clusters without kube-proxy (Cilium, kube-router) are fine.
    if (!ds && pods.length === 0) return [];
    const desired = ds?.status?.desiredNumberScheduled ?? 0;
    const available = ds?.status?.numberAvailable ?? 0;
    const short = ds !== undefined && available < desired;
    const troubles = pods.map((p) => podTrouble(p, ctx.now));
    const troubled = troubles.filter((t) => t.problems.length > 0);
    if (!short && troubled.length === 0) return [];

    const noneAvailable =
      (ds !== undefined && desired > 0 && available === 0) ||
      (ds === undefined && troubles.every((t) => !t.ready));
    const counts = ds
      ? `${available} of ${desired} available`
      : `${troubles.filter((t) => t.ready).length} of ${pods.length} pod(s) ready`;
    const nodes = [
      ...new Set(troubled.map((t) => t.pod.spec.nodeName).filter((n): n is string => !!n)),
    ];
    const detail =
      `kube-proxy programs Service routing (iptables/IPVS) on each node; where it is not running, ` +
      `connections to Service IPs use stale rules and fail or reach pods that no longer exist. ` +
      (ds ? `DaemonSet kube-proxy: ${counts}. ` : '') +
      troubled.map((t) => `${t.pod.metadata.name}: ${t.problems.join('; ')}.`).join(' ') +
      (nodes.length ? ` Affected node(s): ${nodes.join(', ')}.` : '') +
      (troubled.length
        ? ' Read the logs, then delete the failing pods so the DaemonSet recreates them (the commands below).'
        : ' The DaemonSet lacks pods: its events say why (the command below).');
    const shown: Evidence[] = [];
    if (ds)
      shown.push(
        evidence(
          ['get', 'daemonset', 'kube-proxy', '-n', 'kube-system'],
          `desired ${desired}, ready ${ds.status?.numberReady ?? 0}, available ${available}, unavailable ${ds.status?.numberUnavailable ?? desired - available}`,
        ),
      );
    if (troubles.length > 0)
      shown.push(
        evidence(
          ['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-proxy', '-o', 'wide'],
          (troubled.length ? troubled : troubles).slice(0, 10).map(podLine).join('\n'),
        ),
      );
    const failing = troubled.map((t) => t.pod.metadata.name);
    if (failing[0] !== undefined)
      shown.push(
        evidence(
          ['logs', '-n', 'kube-system', failing[0], '--previous'],
          '(the logs of a failing kube-proxy pod; not run)',
        ),
        evidence(
          ['delete', 'pod', '-n', 'kube-system', ...failing],
          '(the DaemonSet recreates them; not run)',
        ),
      );
    else
      shown.push(
        evidence(
          ['describe', 'daemonset', 'kube-proxy', '-n', 'kube-system'],
          '(why the DaemonSet has fewer pods than nodes; not run)',
        ),
      );
    return [
      finding('dns.kube-proxy-unhealthy', {
        severity: noneAvailable ? 'critical' : 'warning',
        title: `kube-proxy is ${noneAvailable ? 'down' : 'not fully available'}: ${counts}${
          troubled.length ? `, ${troubled.length} pod(s) failing` : ''
        }`,
        detail,
        evidence: shown,
        objects: [
          ...(ds ? [ref('DaemonSet', ds)] : []),
          ...troubled.slice(0, 5).map((t) => ref('Pod', t.pod)),
        ],
      }),
    ];
  },
};

export const dnsChecks: Check[] = [corednsUnhealthy, kubeProxyUnhealthy];
