import type { Pod, ServicePort } from '../../cluster/k8s-types.js';
import { patchServiceSelector, patchServiceTargetPort } from '../../remediation/plans.js';
import { finding } from '../catalogue.js';
import { type DiagnosisContext, evidence, isLive, ref } from '../context.js';
import { editDistance, formatSelector, matchesServiceSelector } from '../selectors.js';
import type { Check, Finding } from '../types.js';

export const serviceNotFound: Check = {
  id: 'service.not-found',
  reads: ['services'],
  run(ctx) {
    const m = ctx.missing;
    if (!m || m.kind !== 'Service') return [];
    const near = m.nearest.length
      ? `Nearest names: ${m.nearest.join(', ')}.`
      : 'The namespace has no Services.';
    return [
      finding('service.not-found', {
        severity: 'critical',
        title: `Service ${m.name} does not exist in namespace ${m.namespace}`,
        detail: `No Service named ${m.name} in ${m.namespace}. ${near}`,
        evidence: [
          evidence(['get', 'services', '-n', m.namespace], m.nearest.join('\n') || '(none)'),
        ],
        objects: [{ kind: 'Service', namespace: m.namespace, name: m.name }],
      }),
    ];
  },
};

/** How one selector key compares with a pod's labels. */
interface KeyDiff {
  key: string;
  want: string;
  podKey?: string;
  podValue?: string;
  kind: 'same' | 'value' | 'key-case' | 'missing';
}

function diffSelector(selector: Record<string, string>, labels: Record<string, string>): KeyDiff[] {
  return Object.entries(selector).map(([key, want]) => {
    if (labels[key] === want) return { key, want, podKey: key, podValue: want, kind: 'same' };
    if (key in labels) return { key, want, podKey: key, podValue: labels[key], kind: 'value' };
    const other = Object.keys(labels).find((k) => k.toLowerCase() === key.toLowerCase());
    if (other) return { key, want, podKey: other, podValue: labels[other], kind: 'key-case' };
    return { key, want, kind: 'missing' };
  });
}

function diffScore(d: KeyDiff[]): number {
  return d.reduce((n, k) => {
    if (k.kind === 'same') return n;
    if (k.kind === 'key-case')
      return n + 1 + (k.podValue === k.want ? 0 : editDistance(k.want, k.podValue ?? ''));
    if (k.kind === 'value') return n + 1 + Math.min(editDistance(k.want, k.podValue ?? ''), 10);
    return n + 12;
  }, 0);
}

/** Close enough to be the pods the selector was meant for: every differing key is a near miss
 * (a typo, a case change) and at least one key is right or near. */
function isNear(diff: KeyDiff[]): boolean {
  const near = (d: KeyDiff) => {
    if (d.kind === 'same' || d.kind === 'key-case') return true;
    if (d.kind === 'missing' || d.podValue === undefined) return false;
    const a = d.want.toLowerCase();
    const b = d.podValue.toLowerCase();
    const budget = Math.max(2, Math.floor(Math.max(a.length, b.length) / 2));
    return editDistance(a, b) <= budget || a.includes(b) || b.includes(a);
  };
  const wrong = diff.filter((d) => d.kind !== 'same');
  return diff.some(near) && wrong.every((d) => near(d) || diff.some((x) => x.kind === 'same'));
}

function describeDiff(d: KeyDiff): string {
  switch (d.kind) {
    case 'same':
      return `${d.key}: ${d.want} matches`;
    case 'value':
      return `${d.key}: selector wants "${d.want}", pods have "${d.podValue}"`;
    case 'key-case':
      return `${d.key}: selector key "${d.key}" but pods use "${d.podKey}" (labels are case-sensitive)`;
    case 'missing':
      return `${d.key}: pods have no label ${d.key} (selector wants "${d.want}")`;
  }
}

/** The pods of one owner (or one label set) stand as one candidate. */
function candidates(
  pods: Pod[],
  ctx: DiagnosisContext,
  selector: Record<string, string>,
): { pods: Pod[]; labels: Record<string, string> }[] {
  const groups = new Map<string, Pod[]>();
  for (const p of pods) {
    const owner = ctx.ownerOf(p);
    const k = owner
      ? `${owner.kind}/${owner.object.metadata.name}`
      : JSON.stringify(stableLabels(p, selector));
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return [...groups.values()].map((g) => ({ pods: g, labels: commonLabels(g, selector) }));
}

/** Labels the system sets per pod: revision hashes from controllers, and (Kubernetes 1.35+) the
 * node's topology labels copied onto each pod at binding. They never name a workload. */
const PER_POD_LABELS = [
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'pod-template-generation',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
];

/** A pod's labels without the per-pod ones, unless the selector itself names them. */
function stableLabels(p: Pod, selector: Record<string, string>): Record<string, string> {
  const l = { ...(p.metadata.labels ?? {}) };
  for (const k of PER_POD_LABELS) if (!(k in selector)) delete l[k];
  return l;
}

/** The stable labels every pod of a group carries: what the group as a whole is labelled. */
function commonLabels(pods: Pod[], selector: Record<string, string>): Record<string, string> {
  const [first, ...rest] = pods.map((p) => stableLabels(p, selector));
  return Object.fromEntries(
    Object.entries(first ?? {}).filter(([k, v]) => rest.every((l) => l[k] === v)),
  );
}

export const selectorMismatch: Check = {
  id: 'service.selector-mismatch',
  reads: ['services', 'pods'],
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
      const shown = evidence(
        ['get', 'pods', '-n', ns, '--show-labels'],
        live
          .slice(0, 10)
          .map((p) => `${p.metadata.name}  ${formatSelector(p.metadata.labels)}`)
          .join('\n') || 'No resources found',
      );
      const seen = [
        evidence(
          ['get', 'service', svc.metadata.name, '-n', ns, '-o', 'jsonpath={.spec.selector}'],
          JSON.stringify(selector),
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
              ? [
                  ...seen,
                  evidence(
                    ['get', 'pods', '-A', '-l', formatSelector(selector)],
                    elsewhere
                      .slice(0, 5)
                      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
                      .join('\n'),
                  ),
                ]
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
};

function short(d: KeyDiff): string {
  if (d.kind === 'value') return `${d.key}: ${d.want} vs ${d.podValue}`;
  if (d.kind === 'key-case') return `key ${d.key} vs ${d.podKey}`;
  return `no label ${d.key}`;
}

/** The selector the nearest pods answer to, as close to the old one as possible and no broader
 * than their own workload: keys fixed one by one, or the owner's own selector when that is safer. */
function wantedSelector(
  selector: Record<string, string>,
  diff: KeyDiff[],
  pods: Pod[],
  live: Pod[],
  ctx: DiagnosisContext,
): Record<string, string> | undefined {
  const fixed: Record<string, string> = {};
  for (const d of diff) if (d.podKey && d.podValue !== undefined) fixed[d.podKey] = d.podValue;
  const owner = ctx.ownerOf(pods[0] as Pod);
  const ownerSelector = owner?.object.spec.selector.matchLabels;
  const selects = (sel: Record<string, string>) =>
    live.filter((p) => matchesServiceSelector(sel, p.metadata.labels));
  const onlyThese = (sel: Record<string, string>) => {
    const hit = selects(sel);
    return hit.length > 0 && hit.every((p) => pods.includes(p));
  };
  if (Object.keys(fixed).length > 0 && onlyThese(fixed)) return fixed;
  if (ownerSelector && onlyThese(ownerSelector)) return ownerSelector;
  return Object.keys(fixed).length > 0 && selects(fixed).length > 0 ? fixed : undefined;
}

export const noEndpoints: Check = {
  id: 'service.no-endpoints',
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
          evidence: [
            evidence(
              [
                'get',
                'endpointslices',
                '-n',
                ns,
                '-l',
                `kubernetes.io/service-name=${svc.metadata.name}`,
              ],
              `ready: 0, not ready: ${ep.total}`,
            ),
          ],
          objects: [ref('Service', svc)],
        }),
      );
    }
    return out;
  },
};

/** Which container port, if any, a Service port's targetPort reaches in a pod. */
function resolveTargetPort(port: ServicePort, pod: Pod): number | undefined | 'undeclared' {
  const target = port.targetPort ?? port.port;
  const declared = pod.spec.containers.flatMap((c) => c.ports ?? []);
  if (typeof target === 'string' && !/^\d+$/.test(target)) {
    return declared.find((p) => p.name === target)?.containerPort;
  }
  const n = Number(target);
  if (declared.length === 0) return 'undeclared';
  return declared.some((p) => p.containerPort === n) ? n : undefined;
}

function bestContainerPort(port: ServicePort, pod: Pod): number | string | undefined {
  const declared = pod.spec.containers
    .flatMap((c) => c.ports ?? [])
    .filter((p) => (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
  if (declared.length === 1) return declared[0]?.containerPort;
  const byName = declared.find(
    (p) => p.name && (p.name === port.name || p.name === port.targetPort),
  );
  if (byName) return byName.containerPort;
  const t = Number(port.targetPort ?? port.port);
  return declared.sort((a, b) => Math.abs(a.containerPort - t) - Math.abs(b.containerPort - t))[0]
    ?.containerPort;
}

export const portMismatch: Check = {
  id: 'service.port-mismatch',
  reads: ['services', 'pods'],
  run(ctx) {
    const out: Finding[] = [];
    for (const svc of ctx.selectingServices) {
      const backends = ctx.backendsOf(svc);
      if (backends.length === 0) continue;
      const ports = svc.spec.ports ?? [];
      const broken = ports
        .map((port, index) => ({
          port,
          index,
          missing: backends.filter((p) => resolveTargetPort(port, p) === undefined),
        }))
        .filter((b) => b.missing.length > 0);
      for (const b of broken) {
        const ns = svc.metadata.namespace as string;
        const sample = b.missing[0] as Pod;
        const declared = sample.spec.containers.flatMap((c) =>
          (c.ports ?? []).map(
            (p) =>
              `${c.name}:${p.name ? p.name + '=' : ''}${p.containerPort}/${p.protocol ?? 'TCP'}`,
          ),
        );
        const wanted = bestContainerPort(b.port, sample);
        const allPortsBroken = broken.length === ports.length;
        const target = b.port.targetPort ?? b.port.port;
        out.push(
          finding('service.port-mismatch', {
            severity: allPortsBroken ? 'critical' : 'warning',
            title: `Service ${svc.metadata.name} port ${b.port.name ?? b.port.port} targets ${target}, which ${b.missing.length === backends.length ? 'no' : `${b.missing.length} of ${backends.length}`} backing pod(s) expose`,
            detail:
              `Port ${b.port.port} forwards to targetPort ${JSON.stringify(target)}, but the pods declare ${declared.join(', ') || 'no ports'}. ` +
              (typeof target === 'string'
                ? 'A named targetPort must match a named containerPort.'
                : 'Connections to that port are refused.'),
            evidence: [
              evidence(
                ['get', 'service', svc.metadata.name, '-n', ns, '-o', 'jsonpath={.spec.ports}'],
                JSON.stringify(ports),
              ),
              evidence(
                [
                  'get',
                  'pod',
                  sample.metadata.name,
                  '-n',
                  ns,
                  '-o',
                  'jsonpath={.spec.containers[*].ports}',
                ],
                JSON.stringify(sample.spec.containers.map((c) => c.ports ?? [])),
              ),
            ],
            objects: [ref('Service', svc), ...b.missing.slice(0, 5).map((p) => ref('Pod', p))],
            remediations:
              wanted !== undefined
                ? [patchServiceTargetPort(svc, b.index, wanted, ['service.port-mismatch'])]
                : [],
          }),
        );
      }
    }
    return out;
  },
};

export const serviceChecks: Check[] = [
  serviceNotFound,
  selectorMismatch,
  noEndpoints,
  portMismatch,
];
