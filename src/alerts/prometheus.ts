// The alert's own expression over the incident window: the expression comes from the alert's
// generatorURL (Prometheus' graph link, `g0.expr`), the series from Prometheus' HTTP API
// (GET /api/v1/query_range). Only the configured PROMETHEUS_URL is queried, never the host the
// alert names: a webhook payload must not make the bot fetch URLs of its choosing.
import { z } from 'zod';
import type { IncidentPicture, MetricSeries } from '../picture/model.js';

/** The `g0.expr` of a Prometheus graph link, or undefined when the URL carries none. */
export function exprOfGeneratorURL(generatorURL: string | undefined): string | undefined {
  if (!generatorURL) return undefined;
  try {
    const expr = new URL(generatorURL).searchParams.get('g0.expr')?.trim();
    return expr ? expr : undefined;
  } catch {
    return undefined;
  }
}

const QueryRangeSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('matrix'),
    result: z.array(
      z.object({
        metric: z.record(z.string(), z.string()),
        values: z.array(z.tuple([z.number(), z.string()])),
      }),
    ),
  }),
});

const ErrorSchema = z.object({ status: z.literal('error'), error: z.string() });

export interface GraphWindow {
  from: Date;
  to: Date;
}

/** About this many points per series: enough for a 900-pixel-wide line. */
const POINTS = 240;
const MAX_SERIES = 10;
const TIMEOUT_MS = 5000;

/** The step query_range is asked for: the window over POINTS, in whole seconds, at least 1. */
export function stepSeconds(w: GraphWindow): number {
  return Math.max(1, Math.ceil((w.to.getTime() - w.from.getTime()) / 1000 / POINTS));
}

function seriesLabel(metric: Record<string, string>): string {
  const { __name__: name, ...labels } = metric;
  const inner = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return `${name ?? ''}{${inner}}`;
}

export class PrometheusClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = TIMEOUT_MS,
  ) {}

  /**
   * The expression over the window, as the picture draws it. Failures become `error` (said in
   * the picture): a graph is a nicety, never a reason to lose the diagnosis.
   */
  async graph(expr: string, w: GraphWindow): Promise<NonNullable<IncidentPicture['metric']>> {
    const url = new URL(
      'api/v1/query_range',
      this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`,
    );
    url.searchParams.set('query', expr);
    url.searchParams.set('start', String(Math.floor(w.from.getTime() / 1000)));
    url.searchParams.set('end', String(Math.ceil(w.to.getTime() / 1000)));
    url.searchParams.set('step', `${stepSeconds(w)}s`);
    const shown = expr.slice(0, 2000);
    try {
      const res = await fetch(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: 'application/json' },
      });
      const body: unknown = await res.json().catch(() => undefined);
      const failed = ErrorSchema.safeParse(body);
      if (failed.success)
        return { expr: shown, series: [], error: failed.data.error.slice(0, 300) };
      const ok = QueryRangeSchema.safeParse(body);
      if (!ok.success)
        return { expr: shown, series: [], error: `Prometheus answered HTTP ${res.status}` };
      const series: MetricSeries[] = ok.data.data.result.slice(0, MAX_SERIES).map((r) => ({
        label: seriesLabel(r.metric).slice(0, 300),
        points: r.values
          .slice(-2000)
          .map(([t, v]): [number, number] => [t, Number(v)])
          // NaN and ±Inf cannot be drawn (nor sent as JSON): a gap.
          .filter(([, v]) => Number.isFinite(v)),
      }));
      return { expr: shown, series };
    } catch (err) {
      const why = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      return { expr: shown, series: [], error: `Prometheus ${why}` };
    }
  }
}
