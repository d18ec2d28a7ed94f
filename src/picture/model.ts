// What the incident picture shows, as data: drawn by incident.ts, carried in slack-post jobs (so
// described by a schema, like any job data) and kept per thread so a fix can redraw it.
import { z } from 'zod';

const Time = z.iso.datetime();
const Point = z.object({ at: Time, value: z.number() });
const Mark = z.object({ at: Time, label: z.string().max(120) });

export const MetricSeriesSchema = z.object({
  label: z.string().max(300),
  /** [unix seconds, value] as query_range answers them (values parsed to numbers). */
  points: z.array(z.tuple([z.number(), z.number()])).max(2000),
});

export const IncidentPictureSchema = z.object({
  /** What the picture is about, e.g. "Service api-service in prod". */
  subject: z.string().max(300),
  ready: z.array(Point).max(500),
  desired: z.number().int().nonnegative().optional(),
  restarts: z.array(Point).max(500),
  revisions: z.array(Mark).max(20),
  /** The alert's firing span; `to` absent while it fires. */
  alert: z.object({ name: z.string().max(200), from: Time, to: Time.optional() }).optional(),
  fixes: z.array(Mark).max(10),
  /** The alert's own expression over the incident window (Prometheus query_range). */
  metric: z
    .object({
      expr: z.string().max(2000),
      series: z.array(MetricSeriesSchema).max(10),
      /** Why the graph is missing (Prometheus unreachable, bad query): said in the picture. */
      error: z.string().max(300).optional(),
    })
    .optional(),
  /** The end of the picture's time axis (the diagnosis, or the latest fix). */
  until: Time,
});
export type IncidentPicture = z.infer<typeof IncidentPictureSchema>;
export type MetricSeries = z.infer<typeof MetricSeriesSchema>;

export const PictureFixSchema = z.object({
  at: Time,
  label: z.string().max(120),
  /** Ready endpoints the verification saw, and when. */
  ready: z.number().int().nonnegative().optional(),
  verifiedAt: Time.optional(),
});
export type PictureFix = z.infer<typeof PictureFixSchema>;

const later = (a: string, b: string | undefined) => (b && Date.parse(b) > Date.parse(a) ? b : a);

/** The picture with a fix marked (and what the verification saw), drawn up to it. */
export function withFix(p: IncidentPicture, fix: PictureFix): IncidentPicture {
  const seen = fix.verifiedAt ?? fix.at;
  const ready =
    fix.ready === undefined
      ? p.ready
      : [
          ...p.ready.filter((x) => Date.parse(x.at) < Date.parse(seen)),
          { at: seen, value: fix.ready },
        ];
  return {
    ...p,
    // The verdict in the subject was the diagnosis'; the picture now shows what followed.
    subject: p.subject.replace(/: (unhealthy|degraded|unknown)$/, ': fix applied'),
    ready,
    fixes: [
      ...p.fixes.filter((f) => f.at !== fix.at),
      { at: fix.at, label: fix.label.slice(0, 120) },
    ].slice(-10),
    until: later(p.until, seen),
  };
}

/** The picture with the alert's firing span as the thread knows it now. */
export function withAlert(
  p: IncidentPicture,
  alert: { alertname: string; startsAt?: string; endsAt?: string } | undefined,
): IncidentPicture {
  const from =
    alert?.startsAt && !Number.isNaN(Date.parse(alert.startsAt)) ? alert.startsAt : undefined;
  if (!alert || !from) return p;
  const to = alert.endsAt && !Number.isNaN(Date.parse(alert.endsAt)) ? alert.endsAt : undefined;
  const iso = (s: string) => new Date(s).toISOString();
  return {
    ...p,
    alert: { name: alert.alertname.slice(0, 200), from: iso(from), ...(to ? { to: iso(to) } : {}) },
    until: later(p.until, to && iso(to)),
  };
}

/** The picture in words: the file's alt text, for screen readers and the console. */
export function describePicture(p: IncidentPicture): string {
  const hhmm = (s: string) => `${new Date(s).toISOString().slice(11, 16)} UTC`;
  const ready = p.ready.at(-1)?.value ?? 0;
  const parts = [
    `${p.subject}.`,
    `Ready endpoints: ${ready}${p.desired !== undefined ? ` of ${p.desired} desired` : ''}.`,
    `Container restarts: ${p.restarts.at(-1)?.value ?? 0}.`,
  ];
  if (p.revisions.length)
    parts.push(`Revisions: ${p.revisions.map((r) => `${r.label} at ${hhmm(r.at)}`).join(', ')}.`);
  if (p.alert)
    parts.push(
      `Alert ${p.alert.name} firing from ${hhmm(p.alert.from)}${p.alert.to ? ` to ${hhmm(p.alert.to)}` : ''}.`,
    );
  for (const f of p.fixes) parts.push(`Fix ${f.label} at ${hhmm(f.at)}.`);
  if (p.metric)
    parts.push(
      p.metric.error
        ? `No graph of ${p.metric.expr}: ${p.metric.error}.`
        : `Graph of ${p.metric.expr}: ${p.metric.series.length} series.`,
    );
  return parts.join(' ').slice(0, 1000);
}
