// An alert thread's context from Alertmanager's payload: the name (never just "Alert" when the
// payload names it anywhere), severity, and links that are http(s) only and carry no secret.
import { describe, expect, it } from 'vitest';
import { alertContext, safeLink, silenceLink } from '../../src/alerts/context.js';
import { AlertmanagerPayloadSchema } from '../../src/alerts/schema.js';

const payload = (over: Record<string, unknown> = {}, alert: Record<string, unknown> = {}) =>
  AlertmanagerPayloadSchema.parse({
    version: '4',
    groupKey: 'g',
    status: 'firing',
    receiver: 'kubemedic',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093/',
    alerts: [{ status: 'firing', labels: { alertname: 'ServiceZeroEndpoints' }, ...alert }],
    ...over,
  });

describe('alert context', () => {
  it('names the alert from commonLabels, else from the alerts, else from groupLabels', () => {
    expect(alertContext(payload({ commonLabels: { alertname: 'A' } })).alertname).toBe('A');
    expect(alertContext(payload()).alertname).toBe('ServiceZeroEndpoints');
    expect(
      alertContext(payload({ groupLabels: { alertname: 'G' } }, { labels: { service: 'x' } }))
        .alertname,
    ).toBe('G');
    expect(alertContext(payload({}, { labels: {} })).alertname).toBe('Alert');
  });

  it('links runbook, dashboard and graph when they are http(s), and drops anything else', () => {
    const ctx = alertContext(
      payload(
        {
          commonLabels: { severity: 'page' },
          commonAnnotations: {
            runbook_url: 'https://runbooks.example/x',
            dashboard: 'javascript:alert(1)',
          },
        },
        {
          annotations: { grafana: 'https://grafana.example/d/1' },
          generatorURL: 'http://prom.example:9090/graph?g0.expr=up',
        },
      ),
    );
    expect(ctx.severity).toBe('page');
    expect(ctx.links).toMatchObject({
      runbook: 'https://runbooks.example/x',
      dashboard: 'https://grafana.example/d/1',
      graph: 'http://prom.example:9090/graph?g0.expr=up',
    });
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'not a url',
      'https://user:pass@example.com/',
      'https://example.com/?token=xoxb-1234567890-abcdefghij',
      `https://example.com/${'a'.repeat(3000)}`,
    ])
      expect(safeLink(bad)).toBeUndefined();
  });

  it("opens Alertmanager's silence form pre-filled with the group's labels, quoted", () => {
    const link = silenceLink(
      payload({ groupLabels: { alertname: 'A', namespace: 'pr"od' }, commonLabels: { x: 'y' } }),
    );
    expect(link).toBe(
      `http://alertmanager.example:9093/#/silences/new?filter=${encodeURIComponent('{alertname="A",namespace="pr\\"od"}')}`,
    );
    // No group labels: the common ones; no externalURL or no labels: no button.
    expect(silenceLink(payload({ commonLabels: { job: 'api' } }))).toContain(
      encodeURIComponent('{job="api"}'),
    );
    expect(
      silenceLink(payload({ externalURL: undefined, groupLabels: { a: 'b' } })),
    ).toBeUndefined();
    expect(silenceLink(payload())).toBeUndefined();
  });
});
