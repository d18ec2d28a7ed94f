import { rolloutUndo } from '../../fixes/rollout-undo.js';
import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { revision } from '../../model/pods.js';
import { condition } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { deployments, rollingOut } from './shared.js';

export const rolloutStalled: CheckDef<'rollout.stalled'> = defineCheck({
  id: 'rollout.stalled',
  layer: 'workload',
  meaning: 'a rollout is stuck with fewer available pods than desired',
  explains: ['pod.not-ready'],
  reads: ['deployments'],
  run(ctx) {
    const out: Finding[] = [];
    for (const d of deployments(ctx)) {
      const progressing = condition(d, 'Progressing');
      const deadline =
        progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
      const desired = d.spec.replicas ?? 1;
      const available = d.status?.availableReplicas ?? 0;
      if (!deadline && !(rollingOut(d) && available < desired)) continue;
      if (d.spec.paused) continue;
      const ns = d.metadata.namespace as string;
      const [current, previous] = ctx.replicaSetsOf(d);
      out.push(
        finding('rollout.stalled', {
          severity: deadline && ctx.nothingServes ? 'critical' : 'warning',
          title: `Rollout of Deployment ${d.metadata.name} ${deadline ? 'exceeded its progress deadline' : 'is in progress'}: ${available}/${desired} available, ${d.status?.updatedReplicas ?? 0} updated`,
          detail:
            (deadline
              ? `The Deployment made no progress for ${d.spec.progressDeadlineSeconds ?? 600}s (${progressing?.message ?? 'ProgressDeadlineExceeded'}). `
              : 'New pods are not becoming available, so the rollout cannot finish. ') +
            (current
              ? `The new ReplicaSet ${current.metadata.name} (revision ${revision(current)}) has ${current.status?.readyReplicas ?? 0}/${current.spec.replicas ?? 0} ready.`
              : ''),
          evidence: [
            evidence(
              ['rollout', 'status', `deployment/${d.metadata.name}`, '-n', ns],
              deadline
                ? `error: deployment "${d.metadata.name}" exceeded its progress deadline`
                : `Waiting for deployment "${d.metadata.name}" rollout to finish: ${d.status?.updatedReplicas ?? 0} of ${desired} updated replicas are available...`,
            ),
            evidence(
              [
                'get',
                'deployment',
                d.metadata.name,
                '-n',
                ns,
                '-o',
                'jsonpath={.status.conditions}',
              ],
              jsonpathText(d.status?.conditions),
            ),
          ],
          objects: [ref('Deployment', d)],
          remediations:
            current && previous
              ? [rolloutUndo(d, current, previous, ['rollout.stalled', 'service.no-endpoints'])]
              : [],
        }),
      );
    }
    return out;
  },
});
