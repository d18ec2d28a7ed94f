// The incident over time, as far as one snapshot tells it: ready endpoints and container restarts
// reconstructed from the pods' Ready transitions and last terminations, and the rollout revisions
// from the ReplicaSets' creation times. The incident picture (src/picture/) is drawn from this.
import type { Deployment, Pod } from '../cluster/k8s-types.js';
import type { DiagnosisContext } from './context.js';
import { condition, isLive, revision } from './model/pods.js';
import type { Finding, ReportHistory } from './types.js';

const MAX_POINTS = 200;

/** Points of a step series from +1/-1 changes, starting at 0 before the first change. */
function steps(
  changes: { at: number; delta: number }[],
  now: number,
): { at: string; value: number }[] {
  const sorted = changes.filter((c) => c.at <= now).sort((a, b) => a.at - b.at);
  const out: { at: number; value: number }[] = [];
  let value = 0;
  for (const c of sorted) {
    value += c.delta;
    const last = out.at(-1);
    if (last && last.at === c.at) last.value = value;
    else out.push({ at: c.at, value });
  }
  return out.slice(-MAX_POINTS).map((p) => ({ at: new Date(p.at).toISOString(), value: p.value }));
}

const time = (s: string | undefined): number | undefined => {
  const t = s ? Date.parse(s) : Number.NaN;
  return Number.isNaN(t) ? undefined : t;
};

/** When a pod was ready, as far as its Ready condition tells: [from, to) with to absent if still ready. */
function readySpan(p: Pod): { from: number; to?: number } | undefined {
  const ready = condition(p, 'Ready');
  const created = time(p.metadata.creationTimestamp);
  const changed = time(ready?.lastTransitionTime);
  if (ready?.status === 'True') return { from: changed ?? created ?? 0 };
  // Ready starts False when a pod starts; a later move to False means it was ready before.
  const initialized = time(condition(p, 'Initialized')?.lastTransitionTime) ?? created;
  if (changed !== undefined && initialized !== undefined && changed > initialized + 1000)
    return { from: initialized, to: changed };
  return undefined;
}

/**
 * A Deployment whose ReplicaSets were not read (they are read only for the workloads behind the
 * Service): its current revision, rolled out at the latest when its oldest current pod started.
 */
function currentRevision(
  d: Deployment,
  pods: Pod[],
  ctx: DiagnosisContext,
): { at: string; workload: string; revision: number }[] {
  const rev = revision(d);
  const started = pods
    .filter((p) => ctx.ownerOf(p)?.object === d)
    .map((p) => time(p.metadata.creationTimestamp))
    .filter((t): t is number => t !== undefined);
  if (!rev || !started.length) return [];
  return [
    { at: new Date(Math.min(...started)).toISOString(), workload: d.metadata.name, revision: rev },
  ];
}

export function buildHistory(ctx: DiagnosisContext, findings: Finding[]): ReportHistory {
  const now = ctx.now.getTime();
  const ns = ctx.target.namespace;
  // The workloads behind the target, and those the findings name (a selector that matches none
  // of its pods still names the Deployment they belong to).
  const named = new Set(
    findings.flatMap((f) => f.objects.filter((o) => o.kind === 'Deployment').map((o) => o.name)),
  );
  const deployments = [
    ...new Map(
      [
        ...ctx.workloads.flatMap((w) => (w.kind === 'Deployment' ? [w.object] : [])),
        ...ctx.snapshot.deployments.filter(
          (d) => d.metadata.namespace === ns && named.has(d.metadata.name),
        ),
      ].map((d) => [d.metadata.name, d]),
    ).values(),
  ];
  const names = new Set(deployments.map((d) => d.metadata.name));
  const pods = [
    ...new Set([
      ...ctx.allBackends,
      ...ctx.podsIn(ns).filter((p) => {
        const owner = ctx.ownerOf(p);
        return owner?.kind === 'Deployment' && names.has(owner.object.metadata.name);
      }),
    ]),
  ];

  const service = ctx.selectingServices[0];
  const selected = new Set(service ? ctx.backendsOf(service) : []);
  const readyChanges: { at: number; delta: number }[] = [];
  for (const p of pods) {
    if (!selected.has(p)) continue;
    const span = readySpan(p);
    if (!span) continue;
    readyChanges.push({ at: span.from, delta: 1 });
    if (span.to !== undefined) readyChanges.push({ at: span.to, delta: -1 });
  }
  const ready = steps(readyChanges, now);
  if (service && readyChanges.length === 0) {
    // No backend was ever ready as far as the pods tell: no endpoint since the Service appeared
    // (it selects none of the pods), or since the first of its pods did (none became ready).
    const created = time(service.metadata.creationTimestamp);
    const firstPod = Math.min(
      ...[...selected].map((p) => time(p.metadata.creationTimestamp) ?? Infinity),
    );
    const since = selected.size === 0 ? created : Math.max(created ?? 0, firstPod);
    if (since !== undefined && Number.isFinite(since) && since < now)
      ready.unshift({ at: new Date(since).toISOString(), value: 0 });
  }
  // What the endpoints say now wins over the reconstruction (a selector that matches nothing).
  const readyNow = service ? ctx.endpointsOf(service).ready : (ready.at(-1)?.value ?? 0);
  ready.push({ at: ctx.now.toISOString(), value: readyNow });

  // Restarts: a container's count, spread from its pod's start to its last termination.
  const restartChanges: { at: number; delta: number }[] = [];
  for (const p of pods) {
    if (!isLive(p)) continue;
    const start = time(p.status?.startTime) ?? time(p.metadata.creationTimestamp);
    for (const s of [
      ...(p.status?.containerStatuses ?? []),
      ...(p.status?.initContainerStatuses ?? []),
    ]) {
      const n = s.restartCount ?? 0;
      const last = time(s.lastState?.terminated?.finishedAt) ?? start;
      if (n === 0 || start === undefined || last === undefined) continue;
      for (let i = 1; i <= n; i++)
        restartChanges.push({ at: n === 1 ? last : start + ((last - start) * i) / n, delta: 1 });
    }
  }
  const restarts = steps(restartChanges, now);
  // Counted from zero: the climb to the first restart is part of the story.
  if (restarts[0]) restarts.unshift({ at: restarts[0].at, value: 0 });
  if (restarts.length)
    restarts.push({ at: ctx.now.toISOString(), value: restarts.at(-1)?.value ?? 0 });

  const revisions = deployments
    .flatMap((d) =>
      ctx.replicaSetsOf(d).length === 0
        ? currentRevision(d, pods, ctx)
        : ctx
            .replicaSetsOf(d)
            .slice(0, 5)
            .flatMap((rs) => {
              const at = time(rs.metadata.creationTimestamp);
              return at === undefined
                ? []
                : [
                    {
                      at: new Date(at).toISOString(),
                      workload: d.metadata.name,
                      revision: revision(rs),
                    },
                  ];
            }),
    )
    .sort((a, b) => a.at.localeCompare(b.at));
  const desired = deployments.reduce((n, d) => n + (d.spec.replicas ?? 1), 0);
  return {
    at: ctx.now.toISOString(),
    ready,
    restarts,
    revisions,
    ...(deployments.length ? { desired } : {}),
  };
}
