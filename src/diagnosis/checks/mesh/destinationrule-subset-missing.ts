import { ref } from '../../model/objects.js';
import { evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { uniqueNearest } from '../../model/names.js';
import {
  drCovers,
  fqdn,
  knownNamespaces,
  patchEvidence,
  resolveHost,
  routesOf,
  routeText,
  scopedVirtualServices,
  weightNote,
} from './shared.js';

export const destinationRuleSubsetMissing: CheckDef<'mesh.destinationrule-subset-missing'> =
  defineCheck({
    id: 'mesh.destinationrule-subset-missing',
    layer: 'mesh',
    meaning: 'a route names a subset no DestinationRule defines',
    explains: [],
    reads: ['virtualServices', 'destinationRules'],
    static: true,
    run(ctx) {
      if (ctx.snapshot.virtualServices.length === 0 && ctx.snapshot.destinationRules.length === 0)
        return [];
      const out: Finding[] = [];
      const namespaces = knownNamespaces(ctx);
      for (const vs of scopedVirtualServices(ctx)) {
        const ns = vs.metadata.namespace ?? '';
        const seen = new Set<string>();
        for (const r of routesOf(vs)) {
          const subset = r.destination.subset;
          if (!subset) continue;
          const h = resolveHost(r.destination.host, ns, namespaces);
          const destKey = h ? fqdn(h) : r.destination.host.toLowerCase();
          if (seen.has(`${destKey}/${subset}`)) continue;
          const rules = ctx.snapshot.destinationRules.filter((dr) =>
            drCovers(dr, destKey, namespaces),
          );
          if (rules.some((dr) => (dr.spec.subsets ?? []).some((s) => s.name === subset))) continue;
          seen.add(`${destKey}/${subset}`);
          const defined = rules.flatMap((dr) => (dr.spec.subsets ?? []).map((s) => s.name));
          const near = uniqueNearest(subset, defined);
          const fix = near ? patchEvidence(vs, `${r.path}/subset`, near) : undefined;
          out.push(
            finding('mesh.destinationrule-subset-missing', {
              severity: 'critical',
              title: rules.length
                ? `VirtualService ${vs.metadata.name} routes to subset ${subset} of ${r.destination.host}, which DestinationRule ${rules.map((d) => d.metadata.name).join(', ')} does not define`
                : `VirtualService ${vs.metadata.name} routes to subset ${subset} of ${r.destination.host}, but no DestinationRule defines subsets for that host`,
              detail:
                `A route to an undefined subset has no endpoints: the sidecar answers 503 (NR / no cluster found) for requests routed there${weightNote(r)}. ` +
                (rules.length
                  ? `Subsets defined: ${defined.join(', ') || '(none)'}. `
                  : `Create a DestinationRule for ${destKey} that defines subset ${subset} (with the pod labels of that version), or drop the subset from the route. `) +
                (fix ? `Did you mean subset ${near}? (The fix is the command below.)` : ''),
              evidence: [
                evidence(
                  ['get', 'virtualservice', vs.metadata.name, '-n', ns, '-o', 'yaml'],
                  `route -> ${routeText(r)}`,
                ),
                evidence(
                  ['get', 'destinationrules', '-A'],
                  rules.length
                    ? rules
                        .map(
                          (d) =>
                            `${d.metadata.namespace}/${d.metadata.name} host ${d.spec.host} subsets ${(d.spec.subsets ?? []).map((s) => s.name).join(',') || '(none)'}`,
                        )
                        .join('\n')
                    : `(no DestinationRule for ${destKey})`,
                ),
                ...(fix ? [fix] : []),
              ],
              objects: [ref('VirtualService', vs), ...rules.map((d) => ref('DestinationRule', d))],
            }),
          );
        }
      }
      return out;
    },
  });
