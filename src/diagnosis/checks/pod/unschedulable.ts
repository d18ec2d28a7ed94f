import type { Pod } from '../../../cluster/k8s-types.js';
import { ref } from '../../model/objects.js';
import { evidence } from '../../model/evidence.js';
import { condition } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';

export const unschedulable: CheckDef<'pod.unschedulable'> = defineCheck({
  id: 'pod.unschedulable',
  layer: 'pod',
  meaning: 'pods cannot be scheduled onto any node',
  explains: ['rollout.stalled', 'pod.not-ready', 'service.no-endpoints'],
  reads: ['pods'],
  run(ctx) {
    const pending = ctx.allBackends.filter((p) => {
      const c = condition(p, 'PodScheduled');
      return p.status?.phase === 'Pending' && c?.status === 'False' && c.reason === 'Unschedulable';
    });
    if (pending.length === 0) return [];
    const first = pending[0] as Pod;
    const message = condition(first, 'PodScheduled')?.message ?? 'no message';
    return [
      finding('pod.unschedulable', {
        severity: ctx.podImpact,
        title: `${pending.length} pod(s) cannot be scheduled: ${message.slice(0, 160)}`,
        detail: `The scheduler found no node for ${first.metadata.name}: ${message.replace(/\.+$/, '')}. Free capacity, relax requests, tolerate the taints, or fix the affinity rules.`,
        evidence: [
          evidence(
            [
              'get',
              'pod',
              first.metadata.name,
              '-n',
              first.metadata.namespace ?? '',
              '-o',
              'jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}',
            ],
            condition(first, 'PodScheduled')?.message ?? '',
          ),
          evidence(
            ['describe', 'pod', first.metadata.name, '-n', first.metadata.namespace ?? ''],
            '',
          ),
        ],
        objects: pending.slice(0, 5).map((p) => ref('Pod', p)),
      }),
    ];
  },
});
