import { patchRolloutStrategy } from '../../fixes/patch-rollout-strategy.js';
import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { deployments, resolveIntOrPercent, rolloutUnfinished } from './shared.js';

export const unsafeStrategy: CheckDef<'rollout.unsafe-strategy'> = defineCheck({
  id: 'rollout.unsafe-strategy',
  layer: 'workload',
  meaning: 'the rollout strategy allows zero ready pods during an update',
  explains: [],
  reads: ['deployments'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const d of deployments(ctx)) {
      const replicas = d.spec.replicas ?? 1;
      if (replicas === 0) continue;
      const type = d.spec.strategy?.type ?? 'RollingUpdate';
      const ru = d.spec.strategy?.rollingUpdate;
      const maxUnavailable = resolveIntOrPercent(ru?.maxUnavailable, replicas, false, '25%');
      const maxSurge = resolveIntOrPercent(ru?.maxSurge, replicas, true, '25%');
      const unsafe = type === 'Recreate' || replicas - maxUnavailable <= 0;
      if (!unsafe) continue;
      const draining = rolloutUnfinished(d) && ctx.nothingServes;
      out.push(
        finding('rollout.unsafe-strategy', {
          severity: draining ? 'critical' : 'warning',
          title:
            type === 'Recreate'
              ? `Deployment ${d.metadata.name} uses the Recreate strategy: every rollout takes all ${replicas} pod(s) down first`
              : `Deployment ${d.metadata.name} allows all ${replicas} pod(s) to be unavailable during a rollout (maxUnavailable ${ru?.maxUnavailable ?? '25%'} → ${maxUnavailable}, maxSurge ${ru?.maxSurge ?? '25%'} → ${maxSurge})`,
          detail:
            `With ${replicas} replica(s) the strategy lets Kubernetes remove old pods before new ones are ready, so the Service can drop to zero endpoints during every rollout${draining ? ' — which is happening now' : ''}. ` +
            'maxUnavailable 0 with maxSurge 25% keeps capacity while new pods start.',
          evidence: [
            evidence(
              [
                'get',
                'deploy',
                d.metadata.name,
                '-n',
                d.metadata.namespace ?? '',
                '-o',
                'jsonpath={.spec.strategy}',
              ],
              jsonpathText(d.spec.strategy),
            ),
          ],
          objects: [ref('Deployment', d)],
          remediations: [patchRolloutStrategy(d, ['rollout.unsafe-strategy'])],
        }),
      );
    }
    return out;
  },
});
