import { isDnsSubdomain } from '../../../cluster/names.js';
import { ref } from '../../model/objects.js';
import { type Column, customColumns, evidence, jsonpathText } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';

export const pvcUnbound: CheckDef<'storage.pvc-unbound'> = defineCheck({
  id: 'storage.pvc-unbound',
  layer: 'node',
  meaning: 'pods wait on a PersistentVolumeClaim that is not bound',
  explains: ['pod.unschedulable', 'pod.not-ready', 'service.no-endpoints'],
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
                  jsonpathText(pod.spec.volumes),
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
              pvc
                ? pvcEvidence(claim, pod.metadata.namespace ?? '', [
                    ['NAME', '.metadata.name', claim],
                    ['STATUS', '.status.phase', pvc.status?.phase],
                    ['STORAGECLASS', '.spec.storageClassName', pvc.spec?.storageClassName],
                  ])
                : evidence(
                    ['get', 'pvc', claim, '-n', pod.metadata.namespace ?? ''],
                    `Error from server (NotFound): persistentvolumeclaims "${claim}" not found`,
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
});

/** `kubectl get pvc NAME` in columns kubectl prints exactly. */
function pvcEvidence(claim: string, namespace: string, columns: Column[]) {
  const c = customColumns(columns);
  return evidence(['get', 'pvc', claim, '-n', namespace, '-o', c.arg], c.output);
}
