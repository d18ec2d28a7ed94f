// scale-workload: more replicas of a Deployment or StatefulSet, or a higher ceiling for the
// HorizontalPodAutoscaler that owns their count (scaling the workload itself would be undone by the
// autoscaler). The policy bounds the count; the plan keeps the numbers it was built from (`params`)
// so a clamp rebuilds it, not edits it.
import * as z from 'zod';
import type { KubeObject } from '../../cluster/k8s-types.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import {
  address,
  command,
  jsonPatch,
  kubectlName,
  noParams,
  patchCommand,
  swap,
} from './shared.js';
import type { RemediationPlan } from './types.js';

type ScaleKind = 'Deployment' | 'StatefulSet' | 'HorizontalPodAutoscaler';
type Scalable = KubeObject & { spec: { replicas?: number; maxReplicas?: number } };

const Params = z.object({
  kind: z.enum(['Deployment', 'StatefulSet', 'HorizontalPodAutoscaler']),
  /** Replicas when the plan was made (what the patch tests). */
  from: z.number().int().nonnegative(),
  replicas: z.number().int().positive(),
});

export const scaleWorkloadFix: FixDef<'scale-workload', [ScaleKind, Scalable, number, CheckId[]]> =
  defineFix({
    id: 'scale-workload',
    meaning: 'raise the replica count of the Deployment or StatefulSet (bounded by the policy)',
    offeredBy: ['pod.no-pods', 'pod.resource-starvation', 'autoscaling.hpa-maxed'],
    kinds: ['Deployment', 'StatefulSet', 'HorizontalPodAutoscaler'].map((kind) => ({
      kind,
      verbs: ['get', 'patch'] as const,
    })),
    undoable: true,
    build: scaleWorkload,
    clamp(plan, bounds) {
      const p = Params.safeParse(plan.params);
      if (!p.success) return noParams(plan);
      const { kind, from, replicas } = p.data;
      if (replicas <= bounds.maxReplicas) return { ok: true, plan };
      const { object } = plan;
      if (bounds.maxReplicas <= from)
        return {
          ok: false,
          reason: `the approval policy allows at most ${bounds.maxReplicas} replica(s) and ${object.kind} ${object.name} already has ${from}; raise maxReplicas in the policy to scale it further`,
        };
      const w = {
        metadata: { name: object.name, namespace: object.namespace },
        spec: kind === 'HorizontalPodAutoscaler' ? { maxReplicas: from } : { replicas: from },
      };
      return {
        ok: true,
        plan: scaleWorkload(kind, w, bounds.maxReplicas, plan.verify.checks),
        clamped: `clamped from ${replicas} to ${bounds.maxReplicas} replicas by the policy's maxReplicas`,
      };
    },
  });

export function scaleWorkload(
  kind: ScaleKind,
  w: Scalable,
  replicas: number,
  checks: CheckId[],
): RemediationPlan {
  if (kind === 'HorizontalPodAutoscaler') return raiseMaximum(w, replicas, checks);
  const from = w.spec.replicas ?? 1;
  return {
    id: 'scale-workload',
    title: `Scale ${kind} ${w.metadata.name} from ${from} to ${replicas} replicas`,
    risk: 'low',
    object: address(kind, w),
    mutation: jsonPatch(swap('/spec/replicas', from, replicas)),
    ...command([
      'scale',
      `${kubectlName(kind)}/${w.metadata.name}`,
      '-n',
      w.metadata.namespace ?? '',
      `--current-replicas=${from}`,
      `--replicas=${replicas}`,
    ]),
    expectedEffect: `${replicas - from} more pod(s) share the load and restore ready endpoints.`,
    precondition: `replicas is still ${from}`,
    inverse: jsonPatch(swap('/spec/replicas', replicas, from)),
    verify: { waitFor: 'rollout-complete', checks },
    params: { kind, from, replicas } satisfies z.infer<typeof Params>,
  };
}

/** An autoscaler's ceiling from its maximum to `replicas`; it adds the pods as its metrics ask. */
function raiseMaximum(hpa: Scalable, replicas: number, checks: CheckId[]): RemediationPlan {
  const from = hpa.spec.maxReplicas ?? 1;
  const ops = swap('/spec/maxReplicas', from, replicas);
  return {
    id: 'scale-workload',
    title: `Raise the maximum of HPA ${hpa.metadata.name} from ${from} to ${replicas} replicas`,
    risk: 'low',
    object: address('HorizontalPodAutoscaler', hpa),
    mutation: jsonPatch(ops),
    ...patchCommand('HorizontalPodAutoscaler', hpa, ops),
    expectedEffect: `the autoscaler may run up to ${replicas} pods, adding them as load calls for them.`,
    precondition: `maxReplicas is still ${from}`,
    inverse: jsonPatch(swap('/spec/maxReplicas', replicas, from)),
    // The autoscaler adds pods on its own schedule: verified when it is off its ceiling.
    verify: { waitFor: 'none', checks },
    params: { kind: 'HorizontalPodAutoscaler', from, replicas } satisfies z.infer<typeof Params>,
  };
}
