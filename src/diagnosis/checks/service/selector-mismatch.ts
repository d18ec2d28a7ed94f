import type { Pod } from '../../../cluster/k8s-types.js';
import { patchServiceSelector } from '../../fixes/patch-service-selector.js';
import { ref } from '../../model/objects.js';
import { customColumnsTable, evidence, jsonpathText } from '../../model/evidence.js';
import { isLive } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import { matchesServiceSelector } from '../../selectors.js';
import { formatSelector } from '../../model/labels.js';
import type { Finding } from '../../types.js';
import {
  candidates,
  describeDiff,
  diffScore,
  diffSelector,
  isNear,
  short,
  wantedSelector,
} from './shared.js';

export const selectorMismatch: CheckDef<'service.selector-mismatch'> = defineCheck({
  id: 'service.selector-mismatch',
  layer: 'service',
  meaning: "the Service's selector matches no pod",
  explains: ['service.no-endpoints', 'ingress.backend-no-endpoints'],
  reads: ['services', 'pods'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const svc of ctx.selectingServices) {
      if (ctx.backendsOf(svc).length > 0) continue;
      const ns = svc.metadata.namespace as string;
      const selector = svc.spec.selector as Record<string, string>;
      // A workload whose template the selector matches but which has no pods is pod.no-pods.
      if (ctx.workloads.some((w) => w.object.metadata.namespace === ns)) continue;
      const live = ctx.podsIn(ns).filter(isLive);
      const elsewhere = ctx.snapshot.pods.filter(
        (p) =>
          p.metadata.namespace !== ns &&
          isLive(p) &&
          matchesServiceSelector(selector, p.metadata.labels),
      );
      const ranked = candidates(live, ctx, selector)
        .map((c) => ({ ...c, diff: diffSelector(selector, c.labels) }))
        .map((c) => ({ ...c, score: diffScore(c.diff) }))
        .sort((a, b) => a.score - b.score);
      const best = ranked[0];
      const labels = customColumnsTable(
        [
          ['NAME', '.metadata.name'],
          ['LABELS', '.metadata.labels'],
        ],
        byName(ctx.podsIn(ns)).map((p) => [p.metadata.name, p.metadata.labels]),
      );
      const shown = evidence(['get', 'pods', '-n', ns, '-o', labels.arg], labels.output);
      const seen = [
        evidence(
          ['get', 'service', svc.metadata.name, '-n', ns, '-o', 'jsonpath={.spec.selector}'],
          jsonpathText(selector),
        ),
        shown,
      ];
      if (!best || !isNear(best.diff)) {
        if (elsewhere.length === 0 && live.length === 0) continue; // nothing to compare: pod.no-pods says it
        const other = [...new Set(elsewhere.map((p) => p.metadata.namespace))];
        out.push(
          finding('service.selector-mismatch', {
            severity: 'critical',
            title: `Service ${svc.metadata.name} selects no pods (${formatSelector(selector)})`,
            detail: other.length
              ? `Pods labelled ${formatSelector(selector)} exist only in namespace ${other.join(', ')}; a Service selects pods in its own namespace (${ns}) only.`
              : `No pod in ${ns} carries labels close to ${formatSelector(selector)}.`,
            evidence: other.length
              ? [...seen, elsewhereEvidence(ctx.snapshot.pods, selector)]
              : seen,
            objects: [ref('Service', svc)],
          }),
        );
        continue;
      }
      const wanted = wantedSelector(selector, best.diff, best.pods, live, ctx);
      const owner = ctx.ownerOf(best.pods[0] as Pod);
      const who = owner
        ? `${owner.kind} ${owner.object.metadata.name}`
        : `pod ${best.pods[0]?.metadata.name}`;
      const wrong = best.diff.filter((d) => d.kind !== 'same');
      out.push(
        finding('service.selector-mismatch', {
          severity: 'critical',
          title: `Service ${svc.metadata.name} selects no pods: ${wrong.map(short).join('; ')}`,
          detail:
            `The selector ${formatSelector(selector)} matches no pod in ${ns}, so the Service has no endpoints. ` +
            `Nearest pods: ${who} (${best.pods.length} pod(s)), labelled ${formatSelector(best.labels)}. ` +
            best.diff.map(describeDiff).join('; ') +
            '.',
          evidence: seen,
          objects: [ref('Service', svc), ...(owner ? [ref(owner.kind, owner.object)] : [])],
          remediations: wanted
            ? [
                patchServiceSelector(svc, wanted, [
                  'service.selector-mismatch',
                  'service.no-endpoints',
                ]),
              ]
            : [],
        }),
      );
    }
    return out;
  },
});

function byName(pods: readonly Pod[]): Pod[] {
  const k = (p: Pod) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;
  return [...pods].sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}

/** `kubectl get pods -A -l SELECTOR`: every pod of any namespace the selector matches. */
function elsewhereEvidence(pods: readonly Pod[], selector: Record<string, string>) {
  const table = customColumnsTable(
    [
      ['NAMESPACE', '.metadata.namespace'],
      ['NAME', '.metadata.name'],
    ],
    byName(pods.filter((p) => matchesServiceSelector(selector, p.metadata.labels))).map((p) => [
      p.metadata.namespace,
      p.metadata.name,
    ]),
  );
  return evidence(
    ['get', 'pods', '-A', '-l', formatSelector(selector), '-o', table.arg],
    table.output,
  );
}
