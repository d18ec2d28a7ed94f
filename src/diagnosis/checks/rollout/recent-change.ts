import { rolloutUndo } from '../../fixes/rollout-undo.js';
import { ref } from '../../model/objects.js';
import { ago } from '../../model/evidence.js';
import { evidence } from '../../model/evidence.js';
import { revision } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { signatures } from '../app/shared.js';
import { deployments, RECENT_MS, templateDiff } from './shared.js';

export const recentChange: CheckDef<'rollout.recent-change'> = defineCheck({
  id: 'rollout.recent-change',
  layer: 'workload',
  meaning: 'a new revision rolled out shortly before the incident',
  explains: [],
  reads: ['deployments', 'replicaSets'],
  run(ctx) {
    const out: Finding[] = [];
    for (const d of deployments(ctx)) {
      const [current, previous] = ctx.replicaSetsOf(d);
      if (!current || !previous) continue;
      const created = current.metadata.creationTimestamp;
      if (!created || ctx.now.getTime() - Date.parse(created) > RECENT_MS) continue;
      const diff = templateDiff(previous.spec.template, current.spec.template);
      if (diff.length === 0) continue;
      // Errors in the running backends' logs (an alert or --logs read them) make a recent
      // revision a suspect even when every pod is ready.
      const unhealthy =
        signatures(ctx).length > 0 ||
        ctx.allBackends.length === 0 ||
        ctx.nothingServes ||
        ctx.allBackends.some(
          (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
        );
      out.push(
        finding('rollout.recent-change', {
          severity: unhealthy ? 'warning' : 'info',
          title: `Deployment ${d.metadata.name} rolled out revision ${revision(current)} ${ago(created, ctx.now)}: ${diff.map((x) => x.split(':')[0]).join(', ')} changed`,
          detail: `Revision ${revision(previous)} → ${revision(current)} (ReplicaSet ${current.metadata.name}, created ${created}). Changes:\n${diff.map((x) => `• ${x}`).join('\n')}`,
          evidence: [
            evidence(
              [
                'rollout',
                'history',
                `deployment/${d.metadata.name}`,
                '-n',
                d.metadata.namespace ?? '',
                `--revision=${revision(current)}`,
              ],
              '', // kubectl prints the whole template; the changes are in the prose
            ),
          ],
          objects: [ref('Deployment', d), ref('ReplicaSet', current)],
          remediations: unhealthy
            ? [rolloutUndo(d, current, previous, ['rollout.recent-change', 'service.no-endpoints'])]
            : [],
        }),
      );
    }
    return out;
  },
});
