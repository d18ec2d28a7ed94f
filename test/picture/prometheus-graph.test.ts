// The alert's own expression in the incident picture, against a real Prometheus server (built
// from source) scraping a gauge of the test's own: the bot takes the expression from the alert's
// generatorURL, asks query_range over the incident window, and draws the series it got.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exprOfGeneratorURL } from '../../src/alerts/prometheus.js';
import { PICTURE_COLOURS, SERIES } from '../../src/picture/incident.js';
import { ALERT_CHANNEL, postAlert, useBotSuite, zeroEndpointsAlert } from '../support/app.js';
import { waitFor } from '../support/cluster.js';
import { decodePng, inPlot } from '../support/png.js';
import { type RunningPrometheus, startExporter, startPrometheus } from '../support/prometheus.js';

const METRIC = 'kubemedic_test_http_errors';
const suite = useBotSuite('promgraph', { mode: 'http', start: false });
let exporter: Awaited<ReturnType<typeof startExporter>>;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  // A gauge that climbs by one per scrape: 1, 2, 3, ...
  let n = 0;
  exporter = await startExporter(METRIC, { service: 'api-service' }, () => ++n);
  // Enough scrapes (one a second) for several of the graph's 4-second steps.
  prometheus = await startPrometheus(exporter.target, METRIC, 16);
  await suite.start({ PROMETHEUS_URL: prometheus.proxyUrl });
}, 600_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.close();
});

describe('the alert expression graphed in the incident picture', () => {
  it('takes g0.expr from the generatorURL', () => {
    expect(
      exprOfGeneratorURL('http://prom:9090/graph?g0.expr=up%7Bjob%3D%22a%22%7D+%3D%3D+0&g0.tab=1'),
    ).toBe('up{job="a"} == 0');
    expect(exprOfGeneratorURL('http://prom:9090/graph')).toBeUndefined();
    expect(exprOfGeneratorURL('not a url')).toBeUndefined();
  });

  it('queries the expression over the incident window and draws the series Prometheus returned', async () => {
    const { fake, ns } = suite;
    const expr = `${METRIC}{service="api-service"} > 0`;
    const startsAt = new Date(Date.now() - 2 * 60_000);
    const alert = zeroEndpointsAlert(ns) as { alerts: Record<string, unknown>[] };
    Object.assign(alert.alerts[0] as object, {
      startsAt: startsAt.toISOString(),
      // The host is the alert's; only PROMETHEUS_URL is ever queried.
      generatorURL: `http://prometheus.elsewhere.example:9090/graph?g0.expr=${encodeURIComponent(expr)}&g0.tab=1`,
    });
    expect((await postAlert(suite.app.url, alert)).status).toBe(200);

    const file = await waitFor('the incident picture', async () => fake.files[0], 60_000);
    expect(file.channel).toBe(ALERT_CHANNEL);
    expect(file.altText).toContain(`Graph of ${expr}: 1 series.`);
    expect(file.altText).toMatch(/Alert ServiceZeroEndpoints firing from \d\d:\d\d UTC\./);

    // The query the bot made: the alert's expression, from 15 minutes before the diagnosis (ten
    // before the alert started at the latest) to the diagnosis, in steps of about 240 points.
    const asked = prometheus.queries.filter((q) => q.path === '/api/v1/query_range');
    expect(asked).toHaveLength(1);
    const q = asked[0];
    expect(q?.params.get('query')).toBe(expr);
    const start = Number(q?.params.get('start'));
    const end = Number(q?.params.get('end'));
    expect(end - start).toBeGreaterThanOrEqual(899);
    expect(end - start).toBeLessThanOrEqual(901);
    expect(start).toBeLessThanOrEqual(startsAt.getTime() / 1000 - 600);
    expect(q?.params.get('step')).toBe('4s');
    // What Prometheus answered: the exporter's series with its climbing values.
    const answer = JSON.parse(q?.body ?? '{}') as {
      data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
    };
    expect(answer.data.result).toHaveLength(1);
    expect(answer.data.result[0]?.metric).toMatchObject({
      __name__: METRIC,
      service: 'api-service',
    });
    const values = answer.data.result[0]?.values.map(([, v]) => Number(v)) ?? [];
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect(values.at(-1)).toBeGreaterThan(values[0] ?? Infinity);

    // ...drawn: the first series colour is in the picture, beside the alert's firing span.
    const png = decodePng(file.bytes);
    expect(inPlot(png, SERIES[0] as [number, number, number], 1)).toBeGreaterThan(20);
    expect(inPlot(png, PICTURE_COLOURS.alert)).toBeGreaterThan(20);
    expect(exporter.scrapes()).toBeGreaterThanOrEqual(3);
  });
});
