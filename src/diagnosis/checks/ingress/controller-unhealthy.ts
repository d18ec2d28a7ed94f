import type { Pod } from '../../../cluster/k8s-types.js';
import { ref } from '../../model/objects.js';
import { evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { labelledPodsEvidence } from '../../model/pods.js';
import { podTrouble } from '../../model/pods.js';
import {
  controllerName,
  controllerSelector,
  controllersFor,
  ingressControllerPods,
  scopedIngressBackends,
  scopedIngresses,
} from './shared.js';

export const controllerUnhealthy: CheckDef<'ingress.controller-unhealthy'> = defineCheck({
  id: 'ingress.controller-unhealthy',
  layer: 'ingress',
  meaning: 'the ingress controller pods are not ready or restarting',
  explains: [],
  reads: ['ingresses', 'pods'],
  run(ctx) {
    const ingresses = scopedIngresses(scopedIngressBackends(ctx));
    if (ingresses.length === 0) return [];
    const pods = controllersFor(ctx, ingresses, ingressControllerPods(ctx.snapshot));
    const groups = new Map<string, Pod[]>();
    for (const p of pods) {
      const k = `${p.metadata.namespace}/${controllerName(p)}`;
      groups.set(k, [...(groups.get(k) ?? []), p]);
    }
    const out: Finding[] = [];
    for (const group of groups.values()) {
      const troubles = group.map((p) => podTrouble(p, ctx.now));
      const troubled = troubles.filter((t) => t.problems.length > 0);
      if (troubled.length === 0) continue;
      const ready = troubles.filter((t) => t.ready).length;
      const first = group[0] as Pod;
      const ns = first.metadata.namespace ?? '';
      const name = controllerName(first);
      const none = ready === 0;
      out.push(
        finding('ingress.controller-unhealthy', {
          severity: none ? 'critical' : 'warning',
          title: `Ingress controller ${name} in ${ns}: ${ready} of ${group.length} pod(s) ready${
            troubled.length ? `, ${troubled.length} failing` : ''
          }`,
          detail:
            (none
              ? `No ${name} pod is ready, so nothing serves Ingress ${ingresses.map((i) => i.metadata.name).join(', ')}: requests fail before reaching any Service. `
              : `Some ${name} pods are unhealthy; requests load-balanced to them fail or are reset. `) +
            troubled.map((t) => `${t.pod.metadata.name}: ${t.problems.join('; ')}.`).join(' ') +
            ' Read the controller logs (the command below).',
          evidence: [
            labelledPodsEvidence(ctx.snapshot.pods, ns, controllerSelector(first)),
            evidence(
              [
                'logs',
                '-n',
                ns,
                (troubled[0] ?? troubles[0])?.pod.metadata.name ?? '',
                '--previous',
              ],
              '',
            ),
          ],
          objects: troubled.slice(0, 5).map((t) => ref('Pod', t.pod)),
        }),
      );
    }
    return out;
  },
});
