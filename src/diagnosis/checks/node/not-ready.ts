import type { Pod } from '../../../cluster/k8s-types.js';
import { evidence } from '../../model/evidence.js';
import { condition } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export const nodeNotReady: CheckDef<'node.not-ready'> = defineCheck({
  id: 'node.not-ready',
  layer: 'node',
  meaning: 'backends run on nodes that are NotReady or under pressure',
  explains: ['pod.not-ready', 'service.no-endpoints'],
  reads: ['nodes', 'pods'],
  run(ctx) {
    const byNode = new Map<string, Pod[]>();
    for (const p of ctx.allBackends) {
      if (p.spec.nodeName) byNode.set(p.spec.nodeName, [...(byNode.get(p.spec.nodeName) ?? []), p]);
    }
    const bad: { name: string; problems: string[]; pods: Pod[] }[] = [];
    for (const [name, pods] of byNode) {
      const node = ctx.snapshot.nodes.find((n) => n.metadata.name === name);
      if (!node) continue;
      const problems: string[] = [];
      const ready = condition(node, 'Ready');
      if (ready?.status !== 'True')
        problems.push(
          `Ready=${ready?.status ?? 'missing'}${ready?.reason ? ` (${ready.reason})` : ''}`,
        );
      for (const t of PRESSURE) if (condition(node, t)?.status === 'True') problems.push(t);
      if (problems.length) bad.push({ name, problems, pods });
    }
    if (bad.length === 0) return [];
    const affected = bad.flatMap((b) => b.pods).length;
    const all = affected === ctx.allBackends.length;
    const out: Finding[] = [
      finding('node.not-ready', {
        severity: all && ctx.nothingServes ? 'critical' : 'warning',
        title: `${affected} of ${ctx.allBackends.length} backend pod(s) run on unhealthy node(s): ${bad.map((b) => `${b.name} (${b.problems.join(', ')})`).join('; ')}`,
        detail:
          'Pods on a NotReady node are marked not ready and leave the endpoints; under pressure the kubelet evicts them. ' +
          'Cordon and drain the node, or fix the kubelet; the pods are rescheduled elsewhere once evicted.',
        evidence: [
          evidence(
            ['get', 'nodes', ...bad.map((b) => b.name)],
            bad
              .map(
                (b) =>
                  `${b.name}  ${b.problems.join(',')}  pods: ${b.pods
                    .map((p) => p.metadata.name)
                    .slice(0, 5)
                    .join(', ')}`,
              )
              .join('\n'),
          ),
        ],
        objects: bad.map((b) => ({ kind: 'Node', name: b.name })),
      }),
    ];
    return out;
  },
});
