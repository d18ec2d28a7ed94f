// rollout-undo: roll a Deployment back to the previous ReplicaSet's pod template, as
// `kubectl rollout undo` does.
import type { Container, Deployment, ReplicaSet } from '../../cluster/k8s-types.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { address, command, jsonPatch, pointer, swap } from './shared.js';
import type { JsonPatchOp, RemediationPlan } from './types.js';

export const rolloutUndoFix: FixDef<
  'rollout-undo',
  [Deployment, ReplicaSet, ReplicaSet, CheckId[]]
> = defineFix({
  id: 'rollout-undo',
  meaning: "roll the Deployment back to the previous revision's pod template",
  offeredBy: [
    'pod.crashloop',
    'pod.image-pull',
    'pod.config-error',
    'rollout.stalled',
    'rollout.recent-change',
    'app.errors-in-logs',
  ],
  kinds: [{ kind: 'Deployment', verbs: ['get', 'patch'] }],
  undoable: true,
  build: rolloutUndo,
});

/** Deployment annotations `kubectl rollout undo` neither copies from the ReplicaSet nor drops. */
const UNDO_SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

/** Per-key ops that make `from`'s annotations carry `to`'s (skipped keys untouched). */
function annotationOps(from: Record<string, string>, to: Record<string, string>): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const keys = new Set([...Object.keys(from), ...Object.keys(to)]);
  for (const k of [...keys].sort()) {
    if (UNDO_SKIPPED_ANNOTATIONS.has(k) || from[k] === to[k]) continue;
    const path = pointer('metadata', 'annotations', k);
    ops.push(to[k] === undefined ? { op: 'remove', path } : { op: 'add', path, value: to[k] });
  }
  return ops;
}

/**
 * Rolls a Deployment back to the previous ReplicaSet's pod template, as `kubectl rollout undo`
 * does: the template without its pod-template-hash label, and the ReplicaSet's annotations
 * (change-cause and the like) on the Deployment.
 */
export function rolloutUndo(
  d: Deployment,
  current: ReplicaSet,
  previous: ReplicaSet,
  checks: CheckId[],
): RemediationPlan {
  const strip = (t: ReplicaSet['spec']['template']) => {
    const labels = { ...(t.metadata?.labels ?? {}) };
    delete labels['pod-template-hash'];
    return { ...t, metadata: { ...t.metadata, labels } };
  };
  const wanted = strip(previous.spec.template);
  const now = d.spec.template;
  // A Deployment read from the API always carries its revision annotation, so the map exists.
  const deployAnnotations = d.metadata.annotations;
  const rsAnnotations = previous.metadata.annotations ?? {};
  const restore = deployAnnotations ? annotationOps(deployAnnotations, rsAnnotations) : [];
  const rolledBack = deployAnnotations && {
    ...Object.fromEntries(
      Object.entries(deployAnnotations).filter(([k]) => UNDO_SKIPPED_ANNOTATIONS.has(k)),
    ),
    ...pickOwn(rsAnnotations),
  };
  const back = deployAnnotations && rolledBack ? annotationOps(rolledBack, deployAnnotations) : [];
  return {
    id: 'rollout-undo',
    title: `Roll Deployment ${d.metadata.name} back to revision ${rev(previous)}`,
    risk: 'medium',
    object: address('Deployment', d),
    mutation: jsonPatch([...swap('/spec/template', now, wanted), ...restore]),
    ...command([
      'rollout',
      'undo',
      `deployment/${d.metadata.name}`,
      '-n',
      d.metadata.namespace ?? '',
      `--to-revision=${rev(previous)}`,
    ]),
    expectedEffect: `pods return to the template of revision ${rev(previous)} (${images(wanted.spec.containers)}).`,
    precondition: `the pod template is still revision ${rev(current)}'s`,
    inverse: jsonPatch([...swap('/spec/template', wanted, now), ...back]),
    verify: { waitFor: 'rollout-complete', checks },
  };
}

/** The annotations a rollback copies from a ReplicaSet (everything but the skipped keys). */
function pickOwn(annotations: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations).filter(([k]) => !UNDO_SKIPPED_ANNOTATIONS.has(k)),
  );
}

function rev(rs: ReplicaSet): string {
  return rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '?';
}

function images(containers: Container[]): string {
  return containers.map((c) => `${c.name}=${c.image ?? '?'}`).join(', ');
}
