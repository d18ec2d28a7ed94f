import type { Pod } from '../../cluster/k8s-types.js';
import { isDnsSubdomain } from '../../cluster/names.js';
import { finding } from '../catalogue.js';
import { condition, ref, evidence } from '../context.js';
import type { Check, Finding } from '../types.js';

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export const nodeNotReady: Check = {
  id: 'node.not-ready',
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
};

export const pvcUnbound: Check = {
  id: 'storage.pvc-unbound',
  reads: ['pvcs', 'pods'],
  run(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const pod of ctx.allBackends) {
      for (const v of pod.spec.volumes ?? []) {
        const claim = v.persistentVolumeClaim?.claimName;
        if (!claim || seen.has(claim)) continue;
        if (!isDnsSubdomain(claim)) {
          // No claim can carry this name, and it was not read (it would have been a different
          // request path): say so rather than "does not exist".
          seen.add(claim);
          const waiting = ctx.allBackends.filter((p) =>
            p.spec.volumes?.some((x) => x.persistentVolumeClaim?.claimName === claim),
          );
          out.push(
            finding('storage.pvc-unbound', {
              severity: waiting.some((p) => p.status?.phase === 'Pending')
                ? ctx.podImpact
                : 'warning',
              title: `Volume ${v.name} of pod ${pod.metadata.name} names a claim that is not a valid PersistentVolumeClaim name; ${waiting.length} pod(s) wait on it`,
              detail: `claimName ${JSON.stringify(claim)} is not a DNS-1123 subdomain, so no PersistentVolumeClaim can have it and pods that mount it cannot start. kubemedic did not read it. Fix claimName in the pod template.`,
              evidence: [
                evidence(
                  [
                    'get',
                    'pod',
                    pod.metadata.name,
                    '-n',
                    pod.metadata.namespace ?? '',
                    '-o',
                    'jsonpath={.spec.volumes}',
                  ],
                  JSON.stringify(pod.spec.volumes ?? []),
                ),
              ],
              objects: waiting.slice(0, 5).map((p) => ref('Pod', p)),
            }),
          );
          continue;
        }
        const pvc = ctx.snapshot.pvcs.find(
          (c) => c.metadata.name === claim && c.metadata.namespace === pod.metadata.namespace,
        );
        const phase = pvc?.status?.phase;
        if (phase === 'Bound') continue;
        seen.add(claim);
        const waiting = ctx.allBackends.filter((p) =>
          p.spec.volumes?.some((x) => x.persistentVolumeClaim?.claimName === claim),
        );
        const events = pvc
          ? ctx
              .eventsFor('PersistentVolumeClaim', claim, pod.metadata.namespace)
              .map((e) => `${e.reason ?? ''}: ${e.message ?? e.note ?? ''}`)
          : [];
        out.push(
          finding('storage.pvc-unbound', {
            severity: waiting.some((p) => p.status?.phase === 'Pending')
              ? ctx.podImpact
              : 'warning',
            title: pvc
              ? `PersistentVolumeClaim ${claim} is ${phase ?? 'not bound'}; ${waiting.length} pod(s) wait on it`
              : `PersistentVolumeClaim ${claim} does not exist; ${waiting.length} pod(s) wait on it`,
            detail: pvc
              ? `The claim (storageClass ${pvc.spec?.storageClassName ?? 'default'}) has no volume, so pods that mount it cannot start. ${events.join(' ')}`
              : `Pods mount a claim that was never created or was deleted.`,
            evidence: [
              evidence(
                ['get', 'pvc', claim, '-n', pod.metadata.namespace ?? ''],
                pvc
                  ? `${claim}  ${phase ?? 'Pending'}  ${pvc.spec?.storageClassName ?? ''}`
                  : `Error from server (NotFound): persistentvolumeclaims "${claim}" not found`,
              ),
            ],
            objects: pvc
              ? [ref('PersistentVolumeClaim', pvc)]
              : [{ kind: 'PersistentVolumeClaim', namespace: pod.metadata.namespace, name: claim }],
          }),
        );
      }
    }
    return out;
  },
};

export const nodeChecks: Check[] = [nodeNotReady, pvcUnbound];
