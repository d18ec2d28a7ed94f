// rollout-restart: a rolling restart, as `kubectl rollout restart` makes one. CoreDNS gets its own
// fix (restart-coredns.ts); `rolloutRestart` picks between them by the object.
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { restartCorednsFix } from './restart-coredns.js';
import { RESTART_IRREVERSIBLE, restampRestart, restartPlan } from './restart.js';
import type { TemplatedWorkload, WorkloadKind } from './shared.js';
import type { RemediationPlan } from './types.js';

export const rolloutRestartFix: FixDef<
  'rollout-restart',
  [WorkloadKind, TemplatedWorkload, Date, CheckId[]]
> = defineFix({
  id: 'rollout-restart',
  meaning: 'restart the workload one pod at a time, so pods stuck in a bad state start afresh',
  offeredBy: ['pod.not-ready'],
  kinds: ['Deployment', 'StatefulSet', 'DaemonSet'].map((kind) => ({
    kind,
    verbs: ['get', 'patch'] as const,
  })),
  undoable: false,
  whyNot: RESTART_IRREVERSIBLE,
  restamp: restampRestart,
  build: (kind, w, at, checks) => restartPlan('rollout-restart', kind, w, at, checks),
});

/** The restart of `w`: restart-coredns for kube-system/coredns, rollout-restart otherwise. */
export function rolloutRestart(
  kind: WorkloadKind,
  w: TemplatedWorkload,
  at: Date,
  checks: CheckId[],
): RemediationPlan {
  const coredns =
    kind === 'Deployment' &&
    w.metadata.namespace === 'kube-system' &&
    w.metadata.name === 'coredns';
  return coredns
    ? restartCorednsFix.build(w, at, checks)
    : rolloutRestartFix.build(kind, w, at, checks);
}
