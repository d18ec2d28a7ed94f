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
