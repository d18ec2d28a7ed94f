// What the two restart fixes (rollout-restart, restart-coredns) share: the restartedAt template
// annotation `kubectl rollout restart` sets, and re-stamping it with the time the plan is applied.
import type { CheckId } from '../registry.js';
import {
  type TemplatedWorkload,
  type WorkloadKind,
  address,
  command,
  jsonPatch,
  kubectlName,
  pointer,
  sameObject,
} from './shared.js';
import type { JsonPatchOp, RemediationPlan } from './types.js';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** A restart leaves no previous state to return to. */
export const RESTART_IRREVERSIBLE = 'a restart leaves no previous state to return to';

/** The restartedAt value as kubectl writes it: RFC 3339 to the second. */
export function restartStamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ANNOTATION_PATH = pointer('spec', 'template', 'metadata', 'annotations', RESTARTED_AT);

/**
 * The restartedAt template annotation, as `kubectl rollout restart` sets it. JSON patch cannot test
 * that a member is absent, so when the map holding the annotation must be created, the op is
 * preceded by a test of its parent as the diagnosis saw it: an `add` never clobbers annotations
 * (or labels) written since.
 */
function restartOps(w: TemplatedWorkload, at: string): JsonPatchOp[] {
  const meta = w.spec.template.metadata;
  const ops = sameObject(w);
  if (!meta)
    ops.push(
      { op: 'test', path: '/spec/template', value: w.spec.template },
      {
        op: 'add',
        path: '/spec/template/metadata',
        value: { annotations: { [RESTARTED_AT]: at } },
      },
    );
  else if (!meta.annotations)
    ops.push(
      { op: 'test', path: '/spec/template/metadata', value: meta },
      { op: 'add', path: '/spec/template/metadata/annotations', value: { [RESTARTED_AT]: at } },
    );
  else ops.push({ op: 'add', path: ANNOTATION_PATH, value: at });
  return ops;
}

/** The same restart, stamped with the time it is applied (kubectl stamps the time it runs). */
export function restampRestart(plan: RemediationPlan, at: Date): RemediationPlan {
  if (plan.mutation.type !== 'json-patch') return plan;
  const stamp = restartStamp(at);
  const ops = plan.mutation.ops.map((op): JsonPatchOp => {
    if (op.op !== 'add') return op;
    if (op.path === ANNOTATION_PATH) return { ...op, value: stamp };
    if (op.path === '/spec/template/metadata/annotations')
      return { ...op, value: { ...(op.value as object), [RESTARTED_AT]: stamp } };
    if (op.path === '/spec/template/metadata')
      return { ...op, value: { annotations: { [RESTARTED_AT]: stamp } } };
    return op;
  });
  return { ...plan, mutation: jsonPatch(ops) };
}

/** A rolling restart of `w`, under the id of the restart fix that builds it. */
export function restartPlan(
  id: 'rollout-restart' | 'restart-coredns',
  kind: WorkloadKind,
  w: TemplatedWorkload,
  at: Date,
  checks: CheckId[],
): RemediationPlan {
  const coredns = id === 'restart-coredns';
  return {
    id,
    title: `Restart ${kind} ${w.metadata.name}${coredns ? ' (CoreDNS)' : ''} with a rolling restart`,
    risk: coredns ? 'medium' : 'low',
    object: address(kind, w),
    mutation: jsonPatch(restartOps(w, restartStamp(at))),
    ...command([
      'rollout',
      'restart',
      `${kubectlName(kind)}/${w.metadata.name}`,
      '-n',
      w.metadata.namespace ?? '',
    ]),
    expectedEffect: `new pods replace the old ones one by one; pods stuck in a bad state start afresh.`,
    precondition: `${kind} ${w.metadata.name} is the same object (uid ${w.metadata.uid ?? 'unknown'})`,
    verify: { waitFor: 'rollout-complete', checks },
  };
}
