// The incident picture's data from what a diagnosis read (the report's history), the alert that
// asked for it and the fixes applied since.
import { describeTarget } from '../diagnosis/target.js';
import type { Report } from '../diagnosis/types.js';
import type { IncidentPicture } from './model.js';

export interface PictureContext {
  alert?: IncidentPicture['alert'];
  fixes?: IncidentPicture['fixes'];
  metric?: IncidentPicture['metric'];
}

/** Undefined when the report has nothing to draw (no history: a dump from an older version). */
export function pictureOf(report: Report, ctx: PictureContext = {}): IncidentPicture | undefined {
  const h = report.history;
  if (!h) return undefined;
  const iso = (s: string) => new Date(s).toISOString();
  return {
    subject:
      `${describeTarget(report.target)} in ${report.target.namespace}: ${report.verdict}`.slice(
        0,
        300,
      ),
    ready: h.ready.map((p) => ({ at: iso(p.at), value: p.value })),
    ...(h.desired !== undefined ? { desired: h.desired } : {}),
    restarts: h.restarts.map((p) => ({ at: iso(p.at), value: p.value })),
    revisions: h.revisions.slice(-20).map((r) => ({
      at: iso(r.at),
      label: `${r.workload} rev ${r.revision}`.slice(-120),
    })),
    ...(ctx.alert ? { alert: ctx.alert } : {}),
    fixes: ctx.fixes ?? [],
    ...(ctx.metric ? { metric: ctx.metric } : {}),
    until: iso(h.at),
  };
}
