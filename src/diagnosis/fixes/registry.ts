// Every fix a check may propose. Adding one is a file beside the others and one line here; the
// list of ids (the policy's vocabulary), RemediationId and `fixOf` are derived from this list.
import { addStartupProbeFix } from './add-startup-probe.js';
import { allowNetpolEgressFix } from './allow-netpol-egress.js';
import { allowNetpolPortFix } from './allow-netpol-port.js';
import type { FixDef } from './define.js';
import { patchIngressBackendFix } from './patch-ingress-backend.js';
import { patchResourcesFix } from './patch-resources.js';
import { patchRolloutStrategyFix } from './patch-rollout-strategy.js';
import { patchRouteBackend } from './patch-route-backend.js';
import { patchServiceSelectorFix } from './patch-service-selector.js';
import { patchServiceTargetPortFix } from './patch-service-target-port.js';
import { restartCorednsFix } from './restart-coredns.js';
import { rolloutRestartFix } from './rollout-restart.js';
import { rolloutUndoFix } from './rollout-undo.js';
import { scaleWorkloadFix } from './scale-workload.js';

export const FIXES = [
  patchServiceSelectorFix,
  patchServiceTargetPortFix,
  rolloutRestartFix,
  rolloutUndoFix,
  scaleWorkloadFix,
  patchRolloutStrategyFix,
  addStartupProbeFix,
  patchResourcesFix,
  allowNetpolPortFix,
  allowNetpolEgressFix,
  patchIngressBackendFix,
  restartCorednsFix,
  patchRouteBackend,
] as const;

export type RemediationId = (typeof FIXES)[number]['id'];

export const REMEDIATION_IDS: readonly RemediationId[] = FIXES.map((f) => f.id);

const BY_ID: ReadonlyMap<string, FixDef<RemediationId>> = new Map(FIXES.map((f) => [f.id, f]));

/** Whether `id` names a registered fix (ids from Redis, the policy file, a button). */
export function isRemediationId(id: unknown): id is RemediationId {
  return typeof id === 'string' && BY_ID.has(id);
}

export function fixOf(id: RemediationId): FixDef<RemediationId> {
  const f = BY_ID.get(id);
  if (!f) throw new Error(`unknown remediation ${id}`);
  return f;
}

/** The fixes a check's findings may carry, in registry order. */
export function fixesOfferedBy(check: string): RemediationId[] {
  return FIXES.filter((f) => (f.offeredBy as readonly string[]).includes(check)).map((f) => f.id);
}
