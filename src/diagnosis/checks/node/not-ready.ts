import type { Node, Pod } from '../../../cluster/k8s-types.js';
import { customColumnsTable, evidence } from '../../model/evidence.js';
import { condition } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Evidence, Finding } from '../../types.js';

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
    const bad: { name: string; node: Node; problems: string[]; pods: Pod[] }[] = [];
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
      if (problems.length) bad.push({ name, node, problems, pods });
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
          'Cordon and drain the node, or fix the kubelet; the pods are rescheduled elsewhere once evicted. ' +
          bad
            .map(
              (b) =>
                `On ${b.name}: ${b.pods
                  .map((p) => p.metadata.name)
                  .slice(0, 5)
                  .join(', ')}${b.pods.length > 5 ? ` and ${b.pods.length - 5} more` : ''}.`,
            )
            .join(' '),
        evidence: [nodesEvidence(bad.map((b) => b.node))],
        objects: bad.map((b) => ({ kind: 'Node', name: b.name })),
      }),
    ];
    return out;
  },
});

/** `kubectl get nodes A B` in columns kubectl prints exactly: the Ready and pressure conditions. */
function nodesEvidence(nodes: Node[]): Evidence {
  const cond = (t: string) => `.status.conditions[?(@.type=="${t}")]`;
  const kinds = ['Ready', ...PRESSURE];
  const table = customColumnsTable(
    [
      ['NAME', '.metadata.name'],
      ['READY', `${cond('Ready')}.status`],
      ['REASON', `${cond('Ready')}.reason`],
      ...PRESSURE.map((t) => [t.toUpperCase(), `${cond(t)}.status`] as const),
    ],
    nodes.map((n) => [
      n.metadata.name,
      ...kinds.flatMap((t, i) => {
        const c = (n.status?.conditions ?? []).filter((x) => x.type === t);
        return i === 0
          ? [c.map((x) => x.status), c.map((x) => x.reason)]
          : [c.map((x) => x.status)];
      }),
    ]),
  );
  return evidence(
    ['get', 'nodes', ...nodes.map((n) => n.metadata.name), '-o', table.arg],
    table.output,
  );
}
