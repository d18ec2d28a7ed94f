import { patchIngressBackend } from '../../fixes/patch-ingress-backend.js';
import { ref } from '../../model/objects.js';
import { evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import {
  backendEvidence,
  portOn,
  scopedIngressBackends,
  serviceNamed,
  servicesIn,
} from './shared.js';
import { uniqueNearest } from '../../model/names.js';

export const backendMissing: CheckDef<'ingress.backend-missing'> = defineCheck({
  id: 'ingress.backend-missing',
  layer: 'ingress',
  meaning: 'an Ingress rule names a Service that does not exist',
  explains: [],
  reads: ['ingresses', 'services'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const r of scopedIngressBackends(ctx)) {
      const ns = r.ingress.metadata.namespace;
      if (serviceNamed(ctx.snapshot, ns, r.service.name)) continue;
      const names = servicesIn(ctx.snapshot, ns).map((s) => s.metadata.name);
      const near = uniqueNearest(r.service.name, names);
      const nearSvc = near ? serviceNamed(ctx.snapshot, ns, near) : undefined;
      const wantedPort = nearSvc ? portOn(nearSvc, r.service.port) : undefined;
      const ing = r.ingress.metadata.name;
      out.push(
        finding('ingress.backend-missing', {
          severity: 'critical',
          title: `Ingress ${ing} routes ${r.route} to Service ${r.service.name}, which does not exist in ${ns}`,
          detail:
            `The ingress controller has nowhere to send requests for ${r.route} and answers 503. ` +
            (near
              ? `Did you mean Service ${near}? Point the rule at it.`
              : names.length
                ? `Services in ${ns}: ${names.slice(0, 8).join(', ')}. Create ${r.service.name} or fix the rule.`
                : `Namespace ${ns} has no Services; create ${r.service.name} or fix the rule.`),
          evidence: [
            backendEvidence(r),
            evidence(
              ['get', 'service', r.service.name, '-n', ns ?? ''],
              `Error from server (NotFound): services "${r.service.name}" not found`,
            ),
          ],
          objects: [ref('Ingress', r.ingress), ...(nearSvc ? [ref('Service', nearSvc)] : [])],
          remediations:
            near && wantedPort
              ? [
                  patchIngressBackend(
                    r.ingress,
                    r.path,
                    r.service,
                    { name: near, port: wantedPort },
                    ['ingress.backend-missing'],
                  ),
                ]
              : [],
        }),
      );
    }
    return out;
  },
});
