import { ref } from '../../model/objects.js';
import { endpointSlicesEvidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';

export const noEndpoints: CheckDef<'service.no-endpoints'> = defineCheck({
  id: 'service.no-endpoints',
  layer: 'service',
  meaning: 'the Service has matching pods but no ready endpoint',
  explains: ['ingress.backend-no-endpoints'],
  reads: ['services', 'pods'],
  run(ctx) {
    const out: Finding[] = [];
    for (const svc of ctx.selectingServices) {
      const backends = ctx.backendsOf(svc);
      if (backends.length === 0) continue;
      const ep = ctx.endpointsOf(svc);
      if (ep.ready > 0) continue;
      const ns = svc.metadata.namespace as string;
      out.push(
        finding('service.no-endpoints', {
          severity: 'critical',
          title: `Service ${svc.metadata.name} has ${backends.length} matching pod(s) but no ready endpoint`,
          detail: `Every pod behind ${svc.metadata.name} is out of the endpoints (${ep.total} not-ready address(es) in the ${ep.source}), so requests get 503.`,
          evidence: [endpointSlicesEvidence(ctx.snapshot.endpointSlices, ns, svc.metadata.name)],
          objects: [ref('Service', svc)],
        }),
      );
    }
    return out;
  },
});
