// Waits, within a bound, for the effect of an applied plan: a Service with a ready endpoint, or a
// rollout judged complete the way `kubectl rollout status` judges it. Reads go through the
// read-only identity, with the same verbs the gatherer uses.
import type { KubeApi } from '../cluster/client.js';
import type { Condition, KubeObject } from '../cluster/k8s-types.js';
import { fieldPath } from '../cluster/kinds.js';
import type { Target } from '../diagnosis/types.js';
import type { ObjectAddress, RemediationPlan } from '../diagnosis/fixes/types.js';
import { resourcePath } from './apply.js';
import { type Attempt, type PollOptions, poll } from './poll.js';

export interface WaitOptions extends PollOptions {
  /** The generation the apply produced: the controller must observe at least this one. */
  generation?: number;
  /** `observed`: only wait until the controller saw the change (used by Undo). */
  until?: 'effect' | 'observed';
}

export interface EffectResult {
  ok: boolean;
  /** What was seen last, in words (kubectl's rollout status message for rollouts). */
  detail: string;
}

interface RolloutObject extends KubeObject {
  spec: {
    replicas?: number;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    currentReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: Condition[];
  };
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export interface RolloutStatus {
  done: boolean;
  observed: boolean;
  message: string;
}

/** `kubectl rollout status` for one read of a Deployment, StatefulSet or DaemonSet. */
export function rolloutStatus(kind: string, o: RolloutObject, minGeneration = 0): RolloutStatus {
  const name = o.metadata.name;
  const s = o.status ?? {};
  const generation = Math.max(o.metadata.generation ?? 0, minGeneration);
  const observed = (s.observedGeneration ?? 0) >= generation && (s.observedGeneration ?? 0) > 0;
  const lower = kind.toLowerCase();
  if (!observed)
    return { done: false, observed, message: `Waiting for ${lower} spec update to be observed...` };
  if (kind === 'Deployment') {
    const desired = o.spec.replicas ?? 1;
    const progressing = s.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded')
      return {
        done: false,
        observed,
        message: `deployment "${name}" exceeded its progress deadline`,
      };
    if ((s.updatedReplicas ?? 0) < desired)
      return {
        done: false,
        observed,
        message: `Waiting for deployment "${name}" rollout to finish: ${s.updatedReplicas ?? 0} out of ${desired} new replicas have been updated...`,
      };
    if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0))
      return {
        done: false,
        observed,
        message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas are pending termination...`,
      };
    if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0))
      return {
        done: false,
        observed,
        message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${s.updatedReplicas ?? 0} updated replicas are available...`,
      };
    return { done: true, observed, message: `deployment "${name}" successfully rolled out` };
  }
  if (kind === 'StatefulSet') {
    const strategy = o.spec.updateStrategy;
    if (strategy?.type === 'OnDelete')
      return {
        done: true,
        observed,
        message: `statefulset "${name}" uses the OnDelete strategy: pods are replaced only when deleted`,
      };
    const desired = o.spec.replicas ?? 1;
    if ((s.readyReplicas ?? 0) < desired)
      return {
        done: false,
        observed,
        message: `Waiting for ${desired - (s.readyReplicas ?? 0)} pods to be ready...`,
      };
    const partition = strategy?.rollingUpdate?.partition;
    if (partition !== undefined && partition > 0) {
      const wanted = desired - partition;
      return (s.updatedReplicas ?? 0) < wanted
        ? {
            done: false,
            observed,
            message: `Waiting for partitioned roll out to finish: ${s.updatedReplicas ?? 0} out of ${wanted} new pods have been updated...`,
          }
        : {
            done: true,
            observed,
            message: `partitioned roll out complete: ${s.updatedReplicas ?? 0} new pods have been updated...`,
          };
    }
    if (s.updateRevision !== s.currentRevision)
      return {
        done: false,
        observed,
        message: `waiting for statefulset rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision ?? '?'}...`,
      };
    return {
      done: true,
      observed,
      message: `statefulset rolling update complete ${s.currentReplicas ?? s.readyReplicas ?? 0} pods at revision ${s.currentRevision ?? '?'}...`,
    };
  }
  // DaemonSet
  if (o.spec.updateStrategy?.type === 'OnDelete')
    return {
      done: true,
      observed,
      message: `daemon set "${name}" uses the OnDelete strategy: pods are replaced only when deleted`,
    };
  const desired = s.desiredNumberScheduled ?? 0;
  if ((s.updatedNumberScheduled ?? 0) < desired)
    return {
      done: false,
      observed,
      message: `Waiting for daemon set "${name}" rollout to finish: ${s.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...`,
    };
  if ((s.numberAvailable ?? 0) < desired)
    return {
      done: false,
      observed,
      message: `Waiting for daemon set "${name}" rollout to finish: ${s.numberAvailable ?? 0} of ${desired} updated pods are available...`,
    };
  return { done: true, observed, message: `daemon set "${name}" successfully rolled out` };
}

/** Reads a workload with the gatherer's verbs (StatefulSets are only listed by the gatherer). */
async function readWorkload(api: KubeApi, addr: ObjectAddress): Promise<RolloutObject | undefined> {
  if (addr.kind === 'StatefulSet') {
    const list = await api.get<{ items: RolloutObject[] }>(resourcePath(addr, false), {
      fieldSelector: `metadata.name=${addr.name}`,
    });
    return list.items[0];
  }
  return api.get<RolloutObject>(resourcePath(addr));
}

interface SliceList {
  items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
}

/** Ready endpoints of a Service, from its EndpointSlices (a nil `ready` means ready). */
export async function readyEndpoints(api: KubeApi, namespace: string, service: string) {
  const list = await api.get<SliceList>(fieldPath('endpointSlices', { namespace }), {
    labelSelector: `kubernetes.io/service-name=${service}`,
  });
  return list.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false)
    .length;
}

/** The Service whose endpoints show a plan's effect: the plan's object, or the target. */
function serviceOf(plan: RemediationPlan, target: Target & { namespace: string }) {
  if (plan.object.kind === 'Service')
    return { namespace: plan.object.namespace ?? target.namespace, name: plan.object.name };
  if (target.kind === 'Service') return { namespace: target.namespace, name: target.name };
  return undefined;
}

/** Polls until the plan's effect shows or the bound passes. Never throws for a slow effect. */
export async function waitForEffect(
  api: KubeApi,
  plan: RemediationPlan,
  target: Target & { namespace: string },
  opts: WaitOptions,
): Promise<EffectResult> {
  const workload = WORKLOADS.has(plan.object.kind);
  const until = opts.until ?? 'effect';
  const wantRollout = workload && until === 'effect' && plan.verify.waitFor === 'rollout-complete';
  const service =
    until === 'effect' && plan.verify.waitFor === 'endpoints-ready'
      ? serviceOf(plan, target)
      : undefined;
  if (!workload && !service) return { ok: true, detail: 'nothing to wait for' };
  const last = await poll(async (): Promise<Attempt<EffectResult>> => {
    try {
      let detail = 'no answer yet';
      let ok = true;
      if (workload) {
        const o = await readWorkload(api, plan.object);
        if (!o)
          return {
            done: true,
            value: {
              ok: false,
              detail: `${plan.object.kind} ${plan.object.name} no longer exists`,
            },
          };
        const st = rolloutStatus(plan.object.kind, o, opts.generation);
        detail = st.message;
        ok = wantRollout ? st.done : st.observed;
        if (!wantRollout && st.observed)
          detail = `the ${plan.object.kind.toLowerCase()} controller observed the change`;
      }
      if (ok && service) {
        const ready = await readyEndpoints(api, service.namespace, service.name);
        detail = `Service ${service.name} has ${ready} ready endpoint(s)`;
        ok = ready > 0;
      }
      return { done: ok, value: { ok, detail } };
    } catch (err) {
      return {
        done: false,
        value: { ok: false, detail: err instanceof Error ? err.message : String(err) },
      };
    }
  }, opts);
  if (last.done) return last.value;
  return {
    ok: false,
    detail: `not within ${Math.round(opts.timeoutMs / 1000)} s: ${last.value.detail}`,
  };
}
