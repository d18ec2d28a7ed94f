// What a fix is, declared beside the checks that propose it: its id, the checks that offer it, the
// kinds and verbs it needs (the remediation ClusterRole must grant them), whether it can be undone,
// and behaviour the approval runtime asks of it (clamp to the policy's bounds, re-stamp at apply
// time). The runtime asks `fixOf(plan.id)` (registry.ts) instead of comparing id strings.
//
// Same annotation pattern as checks (../define.ts): the id is written twice and must agree,
//   export const scaleWorkloadFix: FixDef<'scale-workload', [...]> = defineFix({ id: 'scale-workload', ... });
import type { CheckId } from '../registry.js';
import type { BoundedPlan, PlanBounds, RemediationPlan } from './types.js';

/** The verbs a fix uses on a kind (RBAC verbs). */
export type Verb = 'get' | 'patch' | 'create' | 'delete' | 'update';

export interface FixDef<Id extends string = string, Args extends unknown[] = never[]> {
  id: Id;
  /** What it does, in one line (`kubemedic checks`). */
  meaning: string;
  /** The checks whose findings may carry this fix (`kubemedic checks` lists it under them). */
  offeredBy: readonly CheckId[];
  /** Kinds the fix reads and changes, with the verbs (apply reads the object, then changes it). */
  kinds: readonly { kind: string; verbs: readonly Verb[] }[];
  /** False when applying leaves no previous state to return to; `whyNot` says why, in words. */
  undoable: boolean;
  whyNot?: string;
  /** The same plan stamped with the time it is applied (a restart stamps the time it runs). */
  restamp?(plan: RemediationPlan, at: Date): RemediationPlan;
  /** The plan within the policy's bounds, rebuilt from its typed parameters; or why it cannot be. */
  clamp?(plan: RemediationPlan, bounds: PlanBounds): BoundedPlan;
  build(...args: Args): RemediationPlan;
}

export function defineFix<const Id extends string, Args extends unknown[]>(
  def: FixDef<Id, Args>,
): FixDef<Id, Args> {
  // A dependency's finding (dependency.unhealthy) carries the dependency's own plans, whichever
  // fix they are: every fix may be offered by it.
  return { ...def, offeredBy: [...def.offeredBy, 'dependency.unhealthy'] };
}

export type { BoundedPlan, PlanBounds };
