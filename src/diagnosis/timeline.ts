import { type DiagnosisContext } from './context.js';
import { revision } from './model/pods.js';
import { isPodReady } from './model/pods.js';
import { condition } from './model/pods.js';
import type { TimelineEntry } from './types.js';

const MAX_ENTRIES = 40;

/** Joins what the checks read into one ordered story: revisions, restarts, readiness, events. */
export function buildTimeline(ctx: DiagnosisContext): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const add = (at: string | undefined, what: string) => {
    if (at && !Number.isNaN(Date.parse(at))) out.push({ at: new Date(at).toISOString(), what });
  };
  const revisions: { at: string; rev: number; name: string }[] = [];
  for (const w of ctx.workloads) {
    if (w.kind !== 'Deployment') continue;
    for (const rs of ctx.replicaSetsOf(w.object).slice(0, 3)) {
      const at = rs.metadata.creationTimestamp;
      if (!at) continue;
      revisions.push({ at, rev: revision(rs), name: w.object.metadata.name });
      add(
        at,
        `Deployment ${w.object.metadata.name} revision ${revision(rs)} rolled out (ReplicaSet ${rs.metadata.name})`,
      );
    }
  }
  const pods = ctx.allBackends;
  for (const p of pods) {
    const ready = condition(p, 'Ready');
    if (ready?.lastTransitionTime)
      add(
        ready.lastTransitionTime,
        `pod ${p.metadata.name} became ${ready.status === 'True' ? 'ready' : 'not ready'}${ready.reason ? ` (${ready.reason})` : ''}`,
      );
    for (const s of p.status?.containerStatuses ?? []) {
      const t = s.lastState?.terminated;
      if (t?.finishedAt)
        add(
          t.finishedAt,
          `container ${s.name} in ${p.metadata.name} terminated: ${t.reason ?? 'Error'} (exit ${t.exitCode}), restart #${s.restartCount}`,
        );
    }
  }
  const names = new Set([
    ...pods.map((p) => p.metadata.name),
    ...ctx.services.map((s) => s.metadata.name),
    ...ctx.workloads.map((w) => w.object.metadata.name),
  ]);
  for (const e of ctx.snapshot.events) {
    const o = e.involvedObject ?? e.regarding;
    if (!o?.name || (!names.has(o.name) && !names.has(o.name.replace(/-[a-z0-9]{5,10}$/, ''))))
      continue;
    if (e.metadata.namespace && e.metadata.namespace !== ctx.target.namespace) continue;
    const times = e.count && e.count > 1 ? ` ×${e.count}` : '';
    add(
      e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp,
      `${e.type ?? 'Normal'} ${e.reason ?? ''} ${o.kind ?? ''}/${o.name}: ${(e.message ?? e.note ?? '').slice(0, 200)}${times}`,
    );
  }
  // The moment the service went dark, related to the latest revision before it.
  if (ctx.nothingServes && pods.length > 0 && !pods.some(isPodReady)) {
    const lastLoss = pods
      .map((p) => condition(p, 'Ready')?.lastTransitionTime)
      .filter((t): t is string => Boolean(t))
      .sort()
      .at(-1);
    if (lastLoss) {
      const before = revisions
        .filter((r) => r.at <= lastLoss)
        .sort((a, b) => a.at.localeCompare(b.at))
        .at(-1);
      const after = before
        ? ` , ${Math.round((Date.parse(lastLoss) - Date.parse(before.at)) / 1000)} s after revision ${before.rev} of ${before.name} rolled out`
        : '';
      add(
        lastLoss,
        `endpoints went empty: the last ready backend became not ready${after.replace(' ,', ',')}`,
      );
    }
  }
  out.sort((a, b) => a.at.localeCompare(b.at));
  return mergeRepeats(out).slice(-MAX_ENTRIES);
}

/** The random suffixes Kubernetes gives pods and ReplicaSets (its alphabet has no vowels). */
const GENERATED_SUFFIX = /-[bcdfghjklmnpqrstvwxz2456789]{5,10}\b/g;
const COUNT = / ×(\d+)$/;

/**
 * Ten near-identical lines (`SuccessfulCreate` of each pod, `Scheduled` of each) read as one:
 * entries equal once generated name suffixes are set aside are merged into the latest, `×N`.
 */
export function mergeRepeats(entries: TimelineEntry[]): TimelineEntry[] {
  const groups = new Map<string, { last: TimelineEntry; count: number; n: number }>();
  for (const e of entries) {
    const times = Number(COUNT.exec(e.what)?.[1] ?? 1);
    const key = e.what.replace(COUNT, '').replace(GENERATED_SUFFIX, '-*');
    const g = groups.get(key);
    if (g) groups.set(key, { last: e, count: g.count + times, n: g.n + 1 });
    else groups.set(key, { last: e, count: times, n: 1 });
  }
  return [...groups.entries()]
    .map(([key, g]) => (g.n === 1 ? g.last : { at: g.last.at, what: `${key} ×${g.count}` }))
    .sort((a, b) => a.at.localeCompare(b.at));
}
