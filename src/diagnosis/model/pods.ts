// Pod facts several layers read: liveness, readiness, conditions, owners and trouble in words.
import type { Condition, KubeObject, Pod } from '../../cluster/k8s-types.js';
import type { Evidence } from '../types.js';
import { ago, customColumnsTable, evidence } from './evidence.js';

export function isLive(p: Pod): boolean {
  const phase = p.status?.phase;
  return !p.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

export function condition(
  o: { status?: { conditions?: Condition[] } },
  type: string,
): Condition | undefined {
  return o.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(p: Pod): boolean {
  return condition(p, 'Ready')?.status === 'True';
}

export function controllerRef(o: KubeObject): { kind: string; name: string } | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

export function revision(o: KubeObject): number {
  return Number(o.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

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

/** Restarts older than this are history, not an ongoing problem. */
export const RESTART_WINDOW_MS = 60 * 60 * 1000;

export const OOM_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Pods as `-o custom-columns` prints them: name order, a `[*]` cell per container. */
export function podsTable(pods: readonly Pod[]): { arg: string; output: string } {
  const sorted = [...new Map(pods.map((p) => [p.metadata.name, p])).values()].sort((a, b) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0,
  );
  return customColumnsTable(
    [
      ['NAME', '.metadata.name'],
      ['STATUS', '.status.phase'],
      ['READY', '.status.containerStatuses[*].ready'],
      ['RESTARTS', '.status.containerStatuses[*].restartCount'],
      ['WAITING', '.status.containerStatuses[*].state.waiting.reason'],
      ['NODE', '.spec.nodeName'],
    ],
    sorted.map((p) => {
      const st = p.status?.containerStatuses ?? [];
      return [
        p.metadata.name,
        p.status?.phase,
        st.map((c) => c.ready),
        st.map((c) => c.restartCount),
        st.map((c) => c.state?.waiting?.reason),
        p.spec.nodeName,
      ];
    }),
  );
}

/**
 * `kubectl get pods -n NS -l K=V,...` and what it prints in `podsTable`'s columns: every pod of
 * the namespace carrying those labels, whatever its phase.
 */
export function labelledPodsEvidence(
  pods: readonly Pod[],
  namespace: string,
  selector: string,
): Evidence {
  const want = selector.split(',').map((kv) => kv.split('=') as [string, string?]);
  const table = podsTable(
    pods.filter(
      (p) =>
        p.metadata.namespace === namespace &&
        want.every(([k, v]) => p.metadata.labels?.[k] === (v ?? '')),
    ),
  );
  return evidence(['get', 'pods', '-n', namespace, '-l', selector, '-o', table.arg], table.output);
}
