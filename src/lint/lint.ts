// `kubemedic lint`: the static checks (define.ts `static`) on rendered manifests, through the same
// pure diagnose() as a live diagnosis. One diagnosis per Service, Ingress and HTTPRoute of the
// change, and per Service a route of the change names (so a missing one is found); a finding seen
// by several of them is reported once, by the first.
import type { Ingress, VirtualService } from '../cluster/k8s-types.js';
import type { Snapshot } from '../cluster/snapshot.js';
import { routeBackends } from '../diagnosis/checks/gateway/routes.js';
import { resolveHost } from '../diagnosis/checks/mesh/shared.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { rankFindings, rootCauseOf, verdictOf } from '../diagnosis/rank.js';
import { CHECK_IDS, STATIC_CHECKS } from '../diagnosis/registry.js';
import { describeTarget, ingressServiceNames } from '../diagnosis/target.js';
import type { CheckId, Finding, ObjectRef, Report, Severity, Target } from '../diagnosis/types.js';
import type { Located, Source } from './read.js';
import { type LintSnapshot, type Origin, lintSnapshot, objectKey } from './would-be.js';

export const IGNORE_ANNOTATION = 'kubemedic.io/ignore';

/** An object a finding names, with where it comes from. */
export type LocatedRef = ObjectRef & Origin;

export interface LintFinding extends Omit<Finding, 'objects'> {
  objects: LocatedRef[];
}

export type LintReport = Omit<Report, 'findings'> & { findings: LintFinding[] };

export interface LintResult {
  files: string[];
  /** Objects read from the manifests. */
  objects: number;
  /** Kinds in the manifests no lint check reads, with their counts. */
  notJudged: Record<string, number>;
  /** One report per target, findings deduplicated across them. */
  reports: LintReport[];
  /** Every finding, ranked. */
  findings: LintFinding[];
  /** Things the user should know that are not findings (unknown ids in an ignore annotation). */
  notes: string[];
}

export interface LintOptions {
  namespace: string;
  ignore: readonly CheckId[];
  /** The live objects of the manifests' namespaces (`--cluster`). */
  live?: Snapshot;
  cluster?: string;
}

/** Kinds whose objects a lint check reads (the rest are counted as not judged). */
const JUDGED_KINDS = new Set([
  'Service',
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'NetworkPolicy',
  'Ingress',
  'HTTPRoute',
  'GRPCRoute',
  'VirtualService',
  'DestinationRule',
  'Namespace',
]);

export function lint(located: Located[], files: string[], opts: LintOptions): LintResult {
  const set = lintSnapshot(located, opts.namespace, opts.live);
  const notes: string[] = [];
  const ignored = ignoredIds(set, notes);
  const reports: LintReport[] = [];
  const seen = new Set<string>();
  for (const target of targetsOf(set, opts.cluster ?? 'manifests')) {
    const report = diagnose(set.snapshot, target, { checks: STATIC_CHECKS });
    const findings = report.findings
      .filter((f) => !opts.ignore.includes(f.check))
      .map((f) => locate(f, set))
      .filter((f) => !f.objects.some((o) => ignored.get(refKey(o))?.has(f.check)))
      // With the manifests alone a Service with no workload in the set may select pods deployed
      // by something else: only a workload the change scales to zero is a finding.
      .filter((f) => opts.live || f.check !== 'pod.no-pods' || f.objects.length > 1)
      .filter((f) => {
        const k = `${f.check}|${f.title}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    reports.push(rejudge(report, findings));
  }
  const notJudged: Record<string, number> = {};
  for (const { object } of located)
    if (!JUDGED_KINDS.has(object.kind)) notJudged[object.kind] = (notJudged[object.kind] ?? 0) + 1;
  return {
    files,
    objects: located.length,
    notJudged,
    reports,
    findings: rankFindings(
      reports.flatMap((r) => r.findings) as Finding[],
    ) as unknown as LintFinding[],
    notes,
  };
}

/** A report's verdict and root cause again, over the findings left after deduplication. */
function rejudge(report: Report, findings: LintFinding[]): LintReport {
  const ranked = rankFindings(findings as unknown as Finding[]);
  const verdict = verdictOf(ranked, { partial: false, readable: true });
  const root = rootCauseOf(ranked, verdict);
  const what = `${describeTarget(report.target)} in ${report.target.namespace}`;
  return {
    ...report,
    verdict,
    rootCause: root?.check ?? null,
    summary: root
      ? `${what} would be ${verdict}: ${root.title}`
      : findings.length === report.findings.length
        ? `${what}: no problem found`
        : `${what}: no problem found beyond those reported for another object`,
    findings: ranked as unknown as LintFinding[],
  };
}

function refKey(o: ObjectRef): string {
  return objectKey(o.kind, o.namespace, o.name);
}

/** The finding with each object located; a would-be pod stands for its workload. */
function locate(f: Finding, set: LintSnapshot): LintFinding {
  const out = new Map<string, LocatedRef>();
  for (const o of f.objects) {
    const owner =
      o.kind === 'Pod' ? set.podOwners.get(`${o.namespace ?? ''}/${o.name}`) : undefined;
    const ref = owner ?? o;
    const k = refKey(ref);
    if (out.has(k)) continue;
    const origin = set.origins.get(k) ?? { from: 'cluster' as const };
    out.set(k, { kind: ref.kind, namespace: ref.namespace, name: ref.name, ...origin });
  }
  // Lint fixes the manifest, not the live object: the kubectl fix plans do not apply.
  return { ...f, objects: [...out.values()], remediations: [] };
}

/** `kubemedic.io/ignore` of each manifest object: the check ids it silences. */
function ignoredIds(set: LintSnapshot, notes: string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const { object: o, source } of set.manifests) {
    const text = o.metadata.annotations?.[IGNORE_ANNOTATION];
    if (text === undefined) continue;
    const ids = text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const id of ids)
      if (!(CHECK_IDS as readonly string[]).includes(id))
        notes.push(
          `${source.file}:${source.line}: ${IGNORE_ANNOTATION} of ${o.kind} ${o.metadata.name} names unknown check ${id}`,
        );
    out.set(objectKey(o.kind, o.metadata.namespace, o.metadata.name), new Set(ids));
  }
  return out;
}

/** What to diagnose: the change's Services, Ingresses and HTTPRoutes, and the Services that its
 * routes (Ingress, Gateway API, Istio) name, existing or not. */
function targetsOf(set: LintSnapshot, cluster: string): Target[] {
  const out = new Map<string, Target>();
  const add = (kind: Target['kind'], name: string, namespace: string) =>
    out.set(`${kind}/${namespace}/${name}`, { kind, name, namespace, cluster });
  const namespaces = new Set([
    ...set.snapshot.namespaces.map((n) => n.metadata.name),
    ...set.snapshot.services.flatMap((s) => (s.metadata.namespace ? [s.metadata.namespace] : [])),
  ]);
  for (const { object: o } of set.manifests) {
    const ns = o.metadata.namespace ?? '';
    switch (o.kind) {
      case 'Service':
        add('Service', o.metadata.name, ns);
        break;
      case 'Ingress':
        add('Ingress', o.metadata.name, ns);
        for (const name of ingressServiceNames(o as unknown as Ingress)) add('Service', name, ns);
        break;
      case 'HTTPRoute':
      case 'GRPCRoute':
        if (o.kind === 'HTTPRoute') add('HTTPRoute', o.metadata.name, ns);
        for (const b of routeBackends(o as never, o.kind)) add('Service', b.ref.name, b.namespace);
        break;
      case 'VirtualService':
        for (const http of [
          ...((o as unknown as VirtualService).spec.http ?? []),
          ...((o as unknown as VirtualService).spec.tcp ?? []),
        ])
          for (const r of http.route ?? []) {
            const h = resolveHost(r.destination.host, ns, namespaces);
            if (h) add('Service', h.name, h.namespace);
          }
        break;
    }
  }
  return [...out.values()];
}

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Whether a finding is at or above the `--fail-on` severity. */
export function failsOn(f: { severity: Severity }, threshold: Severity): boolean {
  return RANK[f.severity] <= RANK[threshold];
}

/** The first manifest location a finding names: where a code-scanning UI puts it. */
export function primarySource(f: LintFinding): Source | undefined {
  for (const o of f.objects) if (o.from === 'manifest') return o.source;
  return undefined;
}
