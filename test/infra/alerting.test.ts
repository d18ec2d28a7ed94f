// The alerting path into kubemedic: the chart's PrometheusRule carries the seven alert rules of
// the seed incident write-up (ServiceZeroEndpoints corrected to the label kube-state-metrics sets), promtool accepts them and fires each on the series it
// describes (with the labels the bot reads its target from), and the Alertmanager example
// routes every one of them to the kubemedic webhook with a bearer token and resolved
// notifications.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cluster.js';
import {
  type AlertRule,
  type InfraTools,
  type K8sObject,
  ensureInfraTools,
  exec,
  render,
  ruleGroups,
} from './chart.js';

const seedFile = join(repoRoot, '..', 'shared', 'seeds', '000_242863d5fa5e73df.txt');
const receiverFile = join(repoRoot, 'infra', 'alertmanager', 'receiver.yaml');
const ALERTS = [
  'Ingress503RateHigh',
  'ServiceZeroEndpoints',
  'DeploymentAvailabilityDrop',
  'ReadinessFailuresSpike',
  'Istio503RateHigh',
  'DiscoveryPlaneUnstable',
  'BackendSaturationRisk',
];

/** `- alert: Name` followed by `expr: ...` in the seed's text. */
function seedExpressions(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of text.matchAll(/^- alert: (\w+)\s*\nexpr: (.+)$/gm)) {
    found.set(m[1] ?? '', (m[2] ?? '').trim());
  }
  return found;
}

let tools: InfraTools;
let objects: K8sObject[];
let rules: AlertRule[];
let work: string;
let rulesFile: string;

beforeAll(async () => {
  tools = await ensureInfraTools();
  objects = await render(tools.helm);
  rules = ruleGroups(objects).flatMap((g) => g.rules);
  work = mkdtempSync(join(tmpdir(), 'kubemedic-alerting-'));
  // The PrometheusRule's spec is a Prometheus rule file.
  rulesFile = join(work, 'rules.yaml');
  writeFileSync(rulesFile, stringify(one(objects).spec));
}, 1_200_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function one(list: K8sObject[]): K8sObject {
  const rule = list.find((o) => o.kind === 'PrometheusRule');
  if (!rule) throw new Error('no PrometheusRule rendered');
  return rule;
}

describe('the PrometheusRule', () => {
  it('has the seven alerts of the seed, each with for, a severity, the routing label and a summary naming its target', () => {
    expect(rules.map((r) => r.alert)).toEqual(ALERTS);
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+m$/);
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels?.severity);
      expect(r.labels?.kubemedic, r.alert).toBe('true');
      expect(r.annotations?.summary, r.alert).toMatch(/\{\{ \$labels\.\w+ \}\}/);
      expect(r.annotations?.description, r.alert).toMatch(/namespace/);
    }
  });

  it.skipIf(!existsSync(seedFile))(
    'uses the expressions of the seed, with ServiceZeroEndpoints grouped by the label kube-state-metrics sets',
    () => {
      const seed = seedExpressions(readFileSync(seedFile, 'utf8'));
      expect([...seed.keys()]).toEqual(ALERTS);
      // The seed groups by `service`, which on this metric is the scraped kube-state-metrics
      // Service; the Endpoints' own name is in `endpoint`.
      const corrected = new Map(seed).set(
        'ServiceZeroEndpoints',
        (seed.get('ServiceZeroEndpoints') ?? '').replace(
          '(namespace,service)',
          '(namespace,endpoint)',
        ),
      );
      for (const r of rules) expect(r.expr, r.alert).toBe(corrected.get(r.alert));
    },
  );

  it('gives every alert a runbook_url at its own section of docs/runbooks.md', () => {
    const runbook = readFileSync(join(repoRoot, 'docs', 'runbooks.md'), 'utf8');
    // The anchors GitHub makes of the `## ` headings: lower case, spaces to dashes.
    const anchors = new Set(
      [...runbook.matchAll(/^## (.+)$/gm)].map((m) =>
        (m[1] ?? '')
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const r of rules) {
      const url = r.annotations?.runbook_url ?? '';
      expect(url, r.alert).toMatch(
        /^https:\/\/github\.com\/kubemedic\/kubemedic\/blob\/main\/docs\/runbooks\.md#/,
      );
      const anchor = url.slice(url.indexOf('#') + 1);
      expect(anchor, r.alert).toBe(r.alert.toLowerCase());
      expect(anchors.has(anchor), `${r.alert}: no section #${anchor} in docs/runbooks.md`).toBe(
        true,
      );
    }
  });

  it('points the runbook URLs at another copy with prometheusRule.runbookBaseUrl', async () => {
    const base = 'https://git.example.com/ops/kubemedic/-/blob/v1/docs/runbooks.md';
    const moved = ruleGroups(
      await render(tools.helm, { set: [`prometheusRule.runbookBaseUrl=${base}`] }),
    ).flatMap((g) => g.rules);
    expect(moved.map((r) => r.annotations?.runbook_url)).toEqual(
      rules.map((r) => `${base}#${r.alert.toLowerCase()}`),
    );
  });

  it('passes promtool check rules', async () => {
    const out = await exec(tools.promtool, ['check', 'rules', rulesFile]);
    expect(out).toMatch(/SUCCESS: 7 rules found/);
  });

  it('can leave an alert out and override another', async () => {
    const changed = ruleGroups(
      await render(tools.helm, {
        values: {
          prometheusRule: {
            disabled: ['Istio503RateHigh'],
            overrides: {
              ServiceZeroEndpoints: {
                expr: 'sum by (namespace,endpoint) (kube_endpoint_address_available) < 1',
                labels: { severity: 'warning' },
              },
            },
          },
        },
      }),
    ).flatMap((g) => g.rules);
    expect(changed.map((r) => r.alert)).toEqual(ALERTS.filter((a) => a !== 'Istio503RateHigh'));
    const zero = changed.find((r) => r.alert === 'ServiceZeroEndpoints');
    expect(zero?.expr).toContain('< 1');
    expect(zero?.labels).toEqual({ severity: 'warning', kubemedic: 'true' });
  });
});

/** What an alert's annotations read once Prometheus fills in its labels. */
function expand(template: string, labels: Record<string, string>): string {
  return template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, name: string) => labels[name] ?? '');
}

interface Case {
  alert: string;
  series: { series: string; values: string }[];
  evalTime: string;
  /** The labels of each alert that must fire (besides the rule's own); none: must not fire. */
  fires: Record<string, string>[];
}

// One minute per sample; every case runs past its rule's `for:`.
const cases: Case[] = [
  {
    alert: 'Ingress503RateHigh',
    series: [
      {
        series: 'nginx_ingress_controller_requests{namespace="prod",ingress="api",status="503"}',
        values: '0+600x30',
      },
      {
        series: 'nginx_ingress_controller_requests{namespace="prod",ingress="web",status="503"}',
        values: '0+60x30',
      },
    ],
    evalTime: '15m',
    fires: [{ namespace: 'prod', ingress: 'api' }],
  },
  {
    alert: 'ServiceZeroEndpoints',
    series: [
      {
        series:
          'kube_endpoint_address_available{namespace="prod",endpoint="api-service",service="kube-state-metrics"}',
        values: '0x20',
      },
      {
        series:
          'kube_endpoint_address_available{namespace="prod",endpoint="web",service="kube-state-metrics"}',
        values: '2x20',
      },
    ],
    evalTime: '10m',
    fires: [{ namespace: 'prod', endpoint: 'api-service' }],
  },
  {
    alert: 'DeploymentAvailabilityDrop',
    series: [
      {
        series: 'kube_deployment_status_replicas_available{namespace="prod",deployment="api"}',
        values: '0x20',
      },
      {
        series: 'kube_deployment_spec_replicas{namespace="prod",deployment="api"}',
        values: '3x20',
      },
      {
        series: 'kube_deployment_status_replicas_available{namespace="prod",deployment="web"}',
        values: '3x20',
      },
      {
        series: 'kube_deployment_spec_replicas{namespace="prod",deployment="web"}',
        values: '3x20',
      },
    ],
    evalTime: '10m',
    fires: [{ namespace: 'prod', deployment: 'api' }],
  },
  {
    alert: 'ReadinessFailuresSpike',
    series: [
      {
        series:
          'kube_pod_container_status_ready{namespace="prod",pod="api-1",container="app",condition="true"}',
        values: '0x20',
      },
      {
        series:
          'kube_pod_container_status_ready{namespace="prod",pod="web-1",container="app",condition="true"}',
        values: '1x20',
      },
    ],
    evalTime: '10m',
    fires: [{ namespace: 'prod', pod: 'api-1' }],
  },
  {
    alert: 'Istio503RateHigh',
    series: [
      {
        series:
          'istio_requests_total{destination_workload="api",destination_workload_namespace="prod",response_code="503"}',
        values: '0+600x30',
      },
    ],
    evalTime: '15m',
    fires: [{ destination_workload: 'api', destination_workload_namespace: 'prod' }],
  },
  {
    alert: 'DiscoveryPlaneUnstable',
    series: [
      {
        series:
          'kube_pod_container_status_restarts_total{namespace="kube-system",pod="coredns-7d",container="coredns"}',
        values: '0+1x40',
      },
      {
        series:
          'kube_pod_container_status_restarts_total{namespace="kube-system",pod="etcd-0",container="etcd"}',
        values: '0+1x40',
      },
    ],
    evalTime: '25m',
    fires: [{ namespace: 'kube-system', pod: 'coredns-7d', container: 'coredns' }],
  },
  {
    alert: 'BackendSaturationRisk',
    series: [
      {
        series:
          'container_cpu_cfs_throttled_seconds_total{namespace="prod",pod="api-1",container="app"}',
        values: '0+120x30',
      },
      {
        series: 'container_oom_events_total{namespace="prod",pod="api-2",container="app"}',
        values: '0+1x30',
      },
    ],
    evalTime: '15m',
    fires: [
      { namespace: 'prod', pod: 'api-1' },
      { namespace: 'prod', pod: 'api-2', container: 'app' },
    ],
  },
  {
    alert: 'ServiceZeroEndpoints',
    series: [
      {
        series:
          'kube_endpoint_address_available{namespace="prod",endpoint="api-service",service="kube-state-metrics"}',
        values: '3x20',
      },
    ],
    evalTime: '10m',
    fires: [],
  },
];

describe('the rules fire on the series they describe (promtool test rules)', () => {
  it('each alert fires for the broken target only, with the labels the bot reads', async () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    const tests = cases.map((c) => {
      const rule = byName.get(c.alert);
      if (!rule) throw new Error(`no rule ${c.alert}`);
      return {
        name: `${c.alert}${c.fires.length ? '' : ' (healthy)'}`,
        interval: '1m',
        input_series: c.series,
        alert_rule_test: [
          {
            eval_time: c.evalTime,
            alertname: c.alert,
            exp_alerts: c.fires.map((target) => {
              const labels = { ...rule.labels, ...target };
              return {
                exp_labels: labels,
                exp_annotations: Object.fromEntries(
                  Object.entries(rule.annotations ?? {}).map(([k, v]) => [k, expand(v, labels)]),
                ),
              };
            }),
          },
        ],
      };
    });
    const testFile = join(work, 'rules.test.yaml');
    writeFileSync(
      testFile,
      stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }),
    );
    const out = await exec(tools.promtool, ['test', 'rules', testFile]);
    expect(out).toMatch(/SUCCESS/);
  });
});

describe('the Alertmanager example', () => {
  it('is a valid Alertmanager configuration', async () => {
    const out = await exec(tools.amtool, ['check-config', receiverFile]);
    expect(out).toMatch(/SUCCESS/);
  });

  it('posts to /alertmanager with a bearer token file and resolved notifications', () => {
    const config = parseYaml(readFileSync(receiverFile, 'utf8'));
    const receiver = config.receivers.find((r: { name: string }) => r.name === 'kubemedic');
    const hook = receiver.webhook_configs[0];
    expect(new URL(hook.url).pathname).toBe('/alertmanager');
    expect(hook.send_resolved).toBe(true);
    expect(hook.http_config.authorization.type).toBe('Bearer');
    expect(hook.http_config.authorization.credentials_file).toMatch(/^\//);
    expect(hook.http_config.authorization.credentials).toBeUndefined();
  });

  it('routes every alert of the PrometheusRule to kubemedic, and other alerts elsewhere', async () => {
    for (const r of rules) {
      const labels = Object.entries({ alertname: r.alert, namespace: 'prod', ...r.labels }).map(
        ([k, v]) => `${k}=${v}`,
      );
      const out = await exec(tools.amtool, [
        'config',
        'routes',
        'test',
        `--config.file=${receiverFile}`,
        ...labels,
      ]);
      expect(out.trim(), r.alert).toBe('kubemedic');
    }
    const other = await exec(tools.amtool, [
      'config',
      'routes',
      'test',
      `--config.file=${receiverFile}`,
      'alertname=KubeletDown',
      'severity=critical',
    ]);
    expect(other.trim()).toBe('default');
  });
});
