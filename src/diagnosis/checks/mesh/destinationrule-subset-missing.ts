import { ref } from '../../model/objects.js';
import { customColumnsTable, evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { uniqueNearest } from '../../model/names.js';
import { formatSelector } from '../../model/labels.js';
import { isLive } from '../../model/pods.js';
import type { DestinationRule, Pod } from '../../../cluster/k8s-types.js';
import type { DiagnosisContext } from '../../context.js';
import { matchesServiceSelector } from '../../selectors.js';
import {
  drCovers,
  fqdn,
  knownNamespaces,
  patchEvidence,
  resolveHost,
  type ServiceHost,
  routesOf,
  routeEvidence,
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
          const defining = rules.filter((dr) =>
            (dr.spec.subsets ?? []).some((s) => s.name === subset),
          );
          if (defining.length > 0) {
            const empty = h ? emptySubset(ctx, h, subset, defining) : undefined;
            if (empty) {
              seen.add(`${destKey}/${subset}`);
              out.push(
                finding('mesh.destinationrule-subset-missing', {
                  severity: 'critical',
                  title: `VirtualService ${vs.metadata.name} routes to subset ${subset} of ${r.destination.host}, whose labels (${formatSelector(empty.labels)}) select none of the ${empty.pods.length} pod(s) of Service ${h?.name}`,
                  detail:
                    `DestinationRule ${empty.rule.metadata.name} defines subset ${subset} as the pods labelled ${formatSelector(empty.labels)}, and no live pod behind the Service has those labels: the subset has no endpoints, and Envoy answers 503 "no healthy upstream" for requests routed there${weightNote(r)}. ` +
                    `The pods carry ${[...new Set(empty.pods.map((p) => formatSelector(pick(p.metadata.labels, Object.keys(empty.labels)))))].join('; ') || 'none of those label keys'}. ` +
                    'Fix the subset labels, label the pods of that version, or route to a subset that has pods.',
                  evidence: [
                    routeEvidence(vs, r.path),
                    evidence(
                      [
                        'get',
                        'pods',
                        '-n',
                        h?.namespace ?? ns,
                        '-l',
                        formatSelector({ ...empty.selector, ...empty.labels }),
                      ],
                      `No resources found in ${h?.namespace ?? ns} namespace.`,
                    ),
                  ],
                  objects: [ref('VirtualService', vs), ref('DestinationRule', empty.rule)],
                }),
              );
            }
            continue;
          }
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
                routeEvidence(vs, r.path),
                destinationRulesEvidence(ctx.snapshot.destinationRules),
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

/**
 * A defined subset whose labels match no live pod of the host's Service. Undecided (undefined)
 * when the Service or the pods were not read, or the Service has no live pod at all (that is
 * service.no-endpoints' story, not the subset's).
 */
function emptySubset(
  ctx: DiagnosisContext,
  h: ServiceHost,
  subset: string,
  rules: DestinationRule[],
):
  | {
      rule: DestinationRule;
      labels: Record<string, string>;
      selector: Record<string, string>;
      pods: Pod[];
    }
  | undefined {
  if (ctx.snapshot.unavailable.pods || ctx.snapshot.unavailable.services) return undefined;
  const svc = ctx.snapshot.services.find(
    (s) => s.metadata.name === h.name && s.metadata.namespace === h.namespace,
  );
  const selector = svc?.spec.selector ?? {};
  if (!svc || Object.keys(selector).length === 0) return undefined;
  const pods = ctx.snapshot.pods.filter(
    (p) =>
      p.metadata.namespace === h.namespace &&
      isLive(p) &&
      matchesServiceSelector(selector, p.metadata.labels),
  );
  if (pods.length === 0) return undefined;
  for (const rule of rules) {
    const labels = (rule.spec.subsets ?? []).find((s) => s.name === subset)?.labels ?? {};
    // A subset without labels is every pod of the host.
    if (Object.keys(labels).length === 0) continue;
    if (!pods.some((p) => matchesServiceSelector(labels, p.metadata.labels)))
      return { rule, labels, selector, pods };
  }
  return undefined;
}

function pick(labels: Record<string, string> | undefined, keys: string[]): Record<string, string> {
  return Object.fromEntries(
    keys.filter((k) => labels?.[k] !== undefined).map((k) => [k, labels?.[k] ?? '']),
  );
}

/** `kubectl get destinationrules -A` in columns kubectl prints exactly: host and subset names. */
function destinationRulesEvidence(rules: readonly DestinationRule[]) {
  const k = (d: DestinationRule) => `${d.metadata.namespace ?? ''}/${d.metadata.name}`;
  const table = customColumnsTable(
    [
      ['NAMESPACE', '.metadata.namespace'],
      ['NAME', '.metadata.name'],
      ['HOST', '.spec.host'],
      ['SUBSETS', '.spec.subsets[*].name'],
    ],
    [...rules]
      .sort((a, b) => (k(a) < k(b) ? -1 : 1))
      .map((d) => [
        d.metadata.namespace,
        d.metadata.name,
        d.spec.host,
        (d.spec.subsets ?? []).map((x) => x.name),
      ]),
  );
  return evidence(['get', 'destinationrules', '-A', '-o', table.arg], table.output);
}
