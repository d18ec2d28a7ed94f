// Helpers shared by the service checks.
import type { Pod, ServicePort } from '../../../cluster/k8s-types.js';
import type { DiagnosisContext } from '../../context.js';
import { editDistance, matchesServiceSelector } from '../../selectors.js';

/** How one selector key compares with a pod's labels. */
export interface KeyDiff {
  key: string;
  want: string;
  podKey?: string;
  podValue?: string;
  kind: 'same' | 'value' | 'key-case' | 'missing';
}

export function diffSelector(
  selector: Record<string, string>,
  labels: Record<string, string>,
): KeyDiff[] {
  return Object.entries(selector).map(([key, want]) => {
    if (labels[key] === want) return { key, want, podKey: key, podValue: want, kind: 'same' };
    if (key in labels) return { key, want, podKey: key, podValue: labels[key], kind: 'value' };
    const other = Object.keys(labels).find((k) => k.toLowerCase() === key.toLowerCase());
    if (other) return { key, want, podKey: other, podValue: labels[other], kind: 'key-case' };
    return { key, want, kind: 'missing' };
  });
}

export function diffScore(d: KeyDiff[]): number {
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
export function isNear(diff: KeyDiff[]): boolean {
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

export function describeDiff(d: KeyDiff): string {
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
export function candidates(
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
export const PER_POD_LABELS = [
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'pod-template-generation',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
];

/** A pod's labels without the per-pod ones, unless the selector itself names them. */
export function stableLabels(p: Pod, selector: Record<string, string>): Record<string, string> {
  const l = { ...(p.metadata.labels ?? {}) };
  for (const k of PER_POD_LABELS) if (!(k in selector)) delete l[k];
  return l;
}

/** The stable labels every pod of a group carries: what the group as a whole is labelled. */
export function commonLabels(
  pods: Pod[],
  selector: Record<string, string>,
): Record<string, string> {
  const [first, ...rest] = pods.map((p) => stableLabels(p, selector));
  return Object.fromEntries(
    Object.entries(first ?? {}).filter(([k, v]) => rest.every((l) => l[k] === v)),
  );
}

export function short(d: KeyDiff): string {
  if (d.kind === 'value') return `${d.key}: ${d.want} vs ${d.podValue}`;
  if (d.kind === 'key-case') return `key ${d.key} vs ${d.podKey}`;
  return `no label ${d.key}`;
}

/** The selector the nearest pods answer to, as close to the old one as possible and no broader
 * than their own workload: keys fixed one by one, or the owner's own selector when that is safer. */
export function wantedSelector(
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

/** Which container port, if any, a Service port's targetPort reaches in a pod. */
export function declaredTargetPort(port: ServicePort, pod: Pod): number | undefined | 'undeclared' {
  const target = port.targetPort ?? port.port;
  const declared = pod.spec.containers.flatMap((c) => c.ports ?? []);
  if (typeof target === 'string' && !/^\d+$/.test(target)) {
    return declared.find((p) => p.name === target)?.containerPort;
  }
  const n = Number(target);
  if (declared.length === 0) return 'undeclared';
  return declared.some((p) => p.containerPort === n) ? n : undefined;
}

export function bestContainerPort(port: ServicePort, pod: Pod): number | string | undefined {
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
