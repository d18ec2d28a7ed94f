import { type CheckDef, defineCheck, finding } from '../../define.js';
import { customColumnsTable, evidence } from '../../model/evidence.js';
import { uniqueNearest } from '../../model/names.js';
import { ref } from '../../model/objects.js';
import type { Finding } from '../../types.js';
import { getIngress, scopedIngressBackends, scopedIngresses } from './shared.js';

/**
 * An Ingress whose `ingressClassName` names no IngressClass is claimed by no controller: its
 * hosts are not routed at all. Judged only where the cluster has IngressClasses: a cluster with
 * none may still run a controller that serves Ingresses by the old annotation.
 */
export const classMissing: CheckDef<'ingress.class-missing'> = defineCheck({
  id: 'ingress.class-missing',
  layer: 'ingress',
  meaning: 'an Ingress names an IngressClass that does not exist, so no controller serves it',
  explains: [],
  reads: ['ingresses', 'ingressClasses'],
  run(ctx) {
    const classes = ctx.snapshot.ingressClasses.map((c) => c.metadata.name);
    if (classes.length === 0) return [];
    const out: Finding[] = [];
    for (const ing of scopedIngresses(scopedIngressBackends(ctx))) {
      const wanted = ing.spec.ingressClassName;
      if (!wanted || classes.includes(wanted)) continue;
      const near = uniqueNearest(wanted, classes);
      const listed = customColumnsTable(
        [
          ['NAME', '.metadata.name'],
          ['CONTROLLER', '.spec.controller'],
        ],
        [...ctx.snapshot.ingressClasses]
          .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
          .map((c) => [c.metadata.name, c.spec.controller]),
      );
      out.push(
        finding('ingress.class-missing', {
          severity: 'critical',
          title: `Ingress ${ing.metadata.name} names IngressClass ${wanted}, which does not exist`,
          detail:
            `No ingress controller claims an Ingress of a class that does not exist, so requests for its hosts are not routed. ` +
            (near
              ? `Did you mean ${near}? Set spec.ingressClassName to it.`
              : `IngressClasses in the cluster: ${classes.join(', ')}. Set spec.ingressClassName to one of them.`),
          evidence: [
            getIngress(ing, '/spec/ingressClassName'),
            evidence(['get', 'ingressclasses', '-o', listed.arg], listed.output),
          ],
          objects: [ref('Ingress', ing)],
        }),
      );
    }
    return out;
  },
});
