// Pod facts several layers read: liveness, readiness, conditions, owners and trouble in words.
import type { Condition, KubeObject, Pod } from '../../cluster/k8s-types.js';
import { ago } from './evidence.js';

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
