// patch-resources: raise a container's memory limit. The policy bounds the limit; the plan keeps
// what it was built from (`params`) so a clamp rebuilds it, not edits its patch.
import * as z from 'zod';
import type { Container, ResourceRequirements } from '../../cluster/k8s-types.js';
import { formatBytes, parseQuantity } from '../model/quantity.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import {
  type TemplatedWorkload,
  type WorkloadKind,
  WORKLOAD_KINDS,
  address,
  command,
  jsonPatch,
  kubectlName,
  noParams,
  pointer,
  swap,
} from './shared.js';
import type { RemediationPlan } from './types.js';

const quantities = z.record(z.string(), z.string()).optional();

const Params = z.object({
  kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet']),
  containerIndex: z.number().int().nonnegative(),
  container: z.string().min(1),
  /** The container's resources when the plan was made (what the patch tests). */
  from: z.object({ limits: quantities, requests: quantities }),
  memoryLimit: z.string().min(1),
  memoryBytes: z.number().positive(),
});

export const patchResourcesFix: FixDef<
  'patch-resources',
  [WorkloadKind, TemplatedWorkload, number, string, number, CheckId[]]
> = defineFix({
  id: 'patch-resources',
  meaning: "raise the container's memory limit above its working set (bounded by the policy)",
  offeredBy: ['pod.oom-killed', 'pod.resource-starvation'],
  kinds: WORKLOAD_KINDS.map((kind) => ({ kind, verbs: ['get', 'patch'] as const })),
  undoable: true,
  build: patchResources,
  clamp(plan, bounds) {
    const p = Params.safeParse(plan.params);
    if (!p.success) return noParams(plan);
    const { kind, containerIndex, container, from, memoryBytes } = p.data;
    if (memoryBytes <= bounds.maxMemoryBytes) return { ok: true, plan };
    const { object } = plan;
    if (bounds.maxMemoryBytes <= (parseQuantity(from.limits?.memory) ?? 0))
      return {
        ok: false,
        reason: `the approval policy allows a memory limit of at most ${bounds.maxMemory} and ${container} in ${object.kind} ${object.name} already has ${from.limits?.memory ?? 'more'}; raise maxMemory in the policy to allow more`,
      };
    const containers: Container[] = [];
    containers[containerIndex] = { name: container, resources: from };
    const w = {
      metadata: { name: object.name, namespace: object.namespace },
      spec: { template: { spec: { containers } } },
    };
    return {
      ok: true,
      plan: patchResources(
        kind,
        w,
        containerIndex,
        bounds.maxMemory,
        bounds.maxMemoryBytes,
        plan.verify.checks,
      ),
      clamped: `clamped from ${formatBytes(memoryBytes)} to ${bounds.maxMemory} by the policy's maxMemory`,
    };
  },
});

export function patchResources(
  kind: WorkloadKind,
  w: TemplatedWorkload,
  containerIndex: number,
  memoryLimit: string,
  memoryBytes: number,
  checks: CheckId[],
): RemediationPlan {
  const c = w.spec.template.spec.containers[containerIndex] as Container;
  const old: ResourceRequirements = c.resources ?? {};
  const wanted = { ...old, limits: { ...(old.limits ?? {}), memory: memoryLimit } };
  const path = pointer('spec', 'template', 'spec', 'containers', containerIndex, 'resources');
  return {
    id: 'patch-resources',
    title: `Raise the memory limit of ${c.name} in ${kind} ${w.metadata.name} from ${old.limits?.memory ?? 'none'} to ${memoryLimit}`,
    risk: 'medium',
    object: address(kind, w),
    mutation: jsonPatch([
      {
        op: 'test',
        path: pointer('spec', 'template', 'spec', 'containers', containerIndex, 'name'),
        value: c.name,
      },
      ...swap(path, old, wanted),
    ]),
    ...command([
      'set',
      'resources',
      `${kubectlName(kind)}/${w.metadata.name}`,
      '-n',
      w.metadata.namespace ?? '',
      '-c',
      c.name,
      `--limits=memory=${memoryLimit}`,
    ]),
    expectedEffect: `${c.name} gets room above its working set and stops being OOMKilled; a new rollout starts.`,
    precondition: `the resources of ${c.name} are still ${JSON.stringify(old)}`,
    inverse: jsonPatch(swap(path, wanted, old)),
    verify: { waitFor: 'rollout-complete', checks },
    params: {
      kind,
      containerIndex,
      container: c.name,
      from: old,
      memoryLimit,
      memoryBytes,
    } satisfies z.infer<typeof Params>,
  };
}
