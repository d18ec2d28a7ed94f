// patch-rollout-strategy: make a Deployment keep every pod until its replacement is ready.
import type { Deployment } from '../../cluster/k8s-types.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { address, jsonPatch, patchCommand, swap } from './shared.js';
import type { RemediationPlan } from './types.js';

export const patchRolloutStrategyFix: FixDef<'patch-rollout-strategy', [Deployment, CheckId[]]> =
  defineFix({
    id: 'patch-rollout-strategy',
    meaning: 'make rollouts add new pods before removing old ones (maxUnavailable 0)',
    offeredBy: ['rollout.unsafe-strategy'],
    kinds: [{ kind: 'Deployment', verbs: ['get', 'patch'] }],
    undoable: true,
    build: patchRolloutStrategy,
  });

export function patchRolloutStrategy(d: Deployment, checks: CheckId[]): RemediationPlan {
  const old = d.spec.strategy ?? {};
  const wanted = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } };
  // The whole strategy is replaced (a merge patch cannot turn Recreate into RollingUpdate).
  const ops = swap('/spec/strategy', old, wanted);
  return {
    id: 'patch-rollout-strategy',
    title: `Make Deployment ${d.metadata.name} keep every pod until its replacement is ready (maxUnavailable 0, maxSurge 25%)`,
    risk: 'low',
    object: address('Deployment', d),
    mutation: jsonPatch(ops),
    ...patchCommand('Deployment', d, ops),
    expectedEffect:
      'later rollouts add new pods before removing old ones, so ready endpoints never drop to zero.',
    precondition: `the strategy is still ${JSON.stringify(old)}`,
    inverse: jsonPatch(swap('/spec/strategy', wanted, old)),
    // The strategy governs the next rollout; it starts none, so there is no rollout to wait for.
    verify: { waitFor: 'none', checks },
  };
}
