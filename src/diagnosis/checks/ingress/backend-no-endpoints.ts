import { ref } from '../../model/objects.js';
import { shown } from '../../model/evidence.js';
import { endpointSlicesEvidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { backendEvidence, scopedIngressBackends, serviceNamed } from './shared.js';

export const backendNoEndpoints: CheckDef<'ingress.backend-no-endpoints'> = defineCheck({
  id: 'ingress.backend-no-endpoints',
  layer: 'ingress',
  meaning: 'the Ingress backend Service has no ready endpoint',
  explains: [],
  reads: ['ingresses', 'services', 'pods'],
  run(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const r of scopedIngressBackends(ctx)) {
      const ns = r.ingress.metadata.namespace;
      const svc = serviceNamed(ctx.snapshot, ns, r.service.name);
      if (!svc || svc.spec.type === 'ExternalName') continue;
      const key = `${ns}/${r.ingress.metadata.name}/${svc.metadata.name}`;
      if (seen.has(key)) continue;
      const ep = ctx.endpointsOf(svc);
      // A selector-less Service whose endpoints were not read cannot be judged.
      const selectorless = Object.keys(svc.spec.selector ?? {}).length === 0;
      if (ep.ready > 0 || (selectorless && ep.source === 'Pods')) continue;
      seen.add(key);
      const routes = scopedIngressBackends(ctx)
        .filter((x) => x.ingress === r.ingress && x.service.name === svc.metadata.name)
        .map((x) => x.route);
      const inScope = ctx.services.includes(svc);
      out.push(
        finding('ingress.backend-no-endpoints', {
          severity: 'critical',
          title: `Ingress ${r.ingress.metadata.name} routes to Service ${svc.metadata.name}, which has no ready endpoint`,
          detail:
            `Requests for ${routes.join(', ')} reach the ingress controller, which finds no ready pod ` +
            `behind ${svc.metadata.name} (${ep.total === 0 ? 'it has no endpoint at all' : `${ep.total} address(es), none ready`}) and answers 503. ` +
            (inScope
              ? 'The service and pod findings explain why the Service has no ready endpoint.'
              : 'Diagnose the Service itself (the command below).'),
          evidence: [
            backendEvidence(r),
            endpointSlicesEvidence(ctx.snapshot.endpointSlices, ns ?? '', svc.metadata.name),
            ...(inScope
              ? []
              : [shown(['kubemedic', 'diagnose', svc.metadata.name, '-n', ns ?? ''], '')]),
          ],
          objects: [ref('Ingress', r.ingress), ref('Service', svc)],
        }),
      );
    }
    return out;
  },
});
