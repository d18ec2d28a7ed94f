import { rolloutUndo } from '../../fixes/rollout-undo.js';
import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { revision } from '../../model/pods.js';
import { condition } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import type { Deployment } from '../../../cluster/k8s-types.js';
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
              ['rollout', 'status', `deployment/${d.metadata.name}`, '-n', ns, '--watch=false'],
              rolloutStatusText(d),
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

/**
 * What `kubectl rollout status deployment/NAME --watch=false` prints for a Deployment: the first
 * of kubectl's rollout checks that holds (an exceeded deadline is its error, on stderr).
 */
export function rolloutStatusText(d: Deployment): string {
  const name = d.metadata.name;
  const st = d.status ?? {};
  const waiting = (what: string) => `Waiting for deployment "${name}" rollout to finish: ${what}`;
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0))
    return 'Waiting for deployment spec update to be observed...';
  if (condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded')
    return `error: deployment "${name}" exceeded its progress deadline`;
  const updated = st.updatedReplicas ?? 0;
  if (d.spec.replicas !== undefined && updated < d.spec.replicas)
    return waiting(`${updated} out of ${d.spec.replicas} new replicas have been updated...`);
  if ((st.replicas ?? 0) > updated)
    return waiting(`${(st.replicas ?? 0) - updated} old replicas are pending termination...`);
  if ((st.availableReplicas ?? 0) < updated)
    return waiting(`${st.availableReplicas ?? 0} of ${updated} updated replicas are available...`);
  return `deployment "${name}" successfully rolled out`;
}
