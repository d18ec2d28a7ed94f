// `kubemedic lint` on manifests alone: every scenario's manifests raise the static part of its
// expected findings, the healthy ones nothing critical; inputs are located to the line; bad
// input is one line and exit 2; SARIF and JUnit carry what their consumers require.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { STATIC_CHECKS } from '../../src/diagnosis/registry.js';
import { parseTarget } from '../../src/diagnosis/target.js';
import type { CheckId, Report } from '../../src/diagnosis/types.js';
import { type LintFinding, lint } from '../../src/lint/lint.js';
import { parseManifests } from '../../src/lint/read.js';
import { loadScenarios, substitute } from '../scenarios/support/schema.js';

const STATIC = new Set<CheckId>(STATIC_CHECKS.map((c) => c.id));
const NS = 'lint-test';

/** Expected findings a scenario raises from runtime state, not from its manifests: why each. */
const RUNTIME_ONLY: Record<string, { check: CheckId; why: string }[]> = {
  'liveness-kills-slow-start': [
    {
      check: 'pod.probe-misconfigured',
      why: 'the probe is on a declared port; only the kill events and restarts show it is too short',
    },
  ],
};

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    isTTY: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function lintText(text: string, file = 'manifests.yaml') {
  return lint(parseManifests(text, file), [file], { namespace: NS, ignore: [] });
}

const scenarios = loadScenarios();

describe('lint on every scenario manifest', () => {
  const rows = scenarios.map((sc) => {
    const result = lintText(substitute(sc.manifests, NS));
    const runtime = (RUNTIME_ONLY[sc.name] ?? []).map((r) => r.check);
    const want = sc.expected.findings.filter((f) => STATIC.has(f) && !runtime.includes(f));
    return { sc, result, want };
  });

  it.each(rows.map((r) => [r.sc.name, r] as const))('%s', (_name, { sc, result, want }) => {
    const got = new Set(result.findings.map((f) => f.check));
    expect(want.filter((id) => !got.has(id))).toEqual([]);
    if (sc.expected.verdict === 'healthy')
      expect(result.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    // The ids the scenario says are false alarms stay absent for its target object.
    const t = parseTarget(sc.target, NS);
    const aboutTarget = (f: LintFinding) =>
      f.objects.some((o) => o.kind === t.kind && o.name === t.name);
    for (const id of sc.expected.absent.filter((a) => STATIC.has(a)))
      expect(
        result.findings.filter((f) => f.check === id && aboutTarget(f)).map((f) => f.title),
      ).toEqual([]);
    // Every finding points at a line of the manifests.
    for (const f of result.findings)
      expect(f.objects.some((o) => o.from === 'manifest' && o.source.line >= 1)).toBe(true);
  });

  it('runs the checks the README names as judgeable from manifests, and no other', () => {
    expect([...STATIC].sort()).toEqual(
      [
        'service.selector-mismatch',
        'service.port-mismatch',
        'ingress.backend-missing',
        'ingress.backend-port-mismatch',
        'gateway.backend-missing',
        'gateway.backend-port-mismatch',
        'netpol.ingress-blocked',
        'netpol.dns-egress-blocked',
        'pod.probe-misconfigured',
        'pod.no-pods',
        'rollout.unsafe-strategy',
        'mesh.destinationrule-subset-missing',
        'mesh.virtualservice-misrouted',
      ].sort(),
    );
  });

  it('covers every static check id with a scenario whose manifests raise it', () => {
    const matched = rows.flatMap((r) => r.want);
    // The figures the closing note reports.
    console.log(
      `lint: ${rows.length} scenarios, ${matched.length} static expected findings, all raised; ` +
        `${rows.filter((r) => r.sc.expected.verdict === 'healthy').length} healthy with no critical finding`,
    );
    expect([...STATIC].filter((id) => !matched.includes(id))).toEqual([]);
  });
});

describe('the seed incident from manifests', () => {
  const seed = scenarios.find((s) => s.name === 'seed-selector-mismatch');
  it('names the Service line and the Deployment, key by key', () => {
    const text = seed?.manifests ?? '';
    const r = lintText(text);
    const f = r.findings.find((x) => x.check === 'service.selector-mismatch');
    expect(f?.title).toContain('app: api-svc vs api-service');
    expect(f?.detail).toContain('Deployment api-service');
    const lines = text.split('\n');
    const svcLine = lines.findIndex((l) => l === 'kind: Service'); // 0-based index of `kind:`
    // The object starts at `apiVersion:`, the line before `kind:`, 1-based.
    expect(f?.objects.map((o) => [o.kind, o.from === 'manifest' ? o.source.line : 0])).toEqual([
      ['Service', svcLine],
      ['Deployment', lines.findIndex((l) => l === 'kind: Deployment')],
    ]);
  });
});

describe('locations in multi-document files and Lists', () => {
  it('gives each document the line of its first key, past comments and empty documents', () => {
    const text = [
      '# rendered by helm', // 1
      '---', // 2
      '# Source: chart/templates/sa.yaml', // 3
      'apiVersion: v1', // 4
      'kind: ServiceAccount', // 5
      'metadata: { name: api }', // 6
      '---', // 7
      '---', // 8
      '', // 9
      'apiVersion: v1', // 10
      'kind: Service', // 11
      'metadata:', // 12
      '  name: api', // 13
      'spec: { selector: { app: api }, ports: [{ port: 80 }] }', // 14
      '---', // 15
      '{"apiVersion": "v1", "kind": "List", "items": [', // 16
      '  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},', // 17
      '  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}', // 18
      ']}', // 19
    ].join('\n');
    const located = parseManifests(text, 'all.yaml');
    expect(located.map((l) => [l.object.kind, l.object.metadata.name, l.source.line])).toEqual([
      ['ServiceAccount', 'api', 4],
      ['Service', 'api', 10],
      ['ConfigMap', 'a', 17],
      ['ConfigMap', 'b', 18],
    ]);
  });

  it('reads a kubectl JSON List with items of one kind', () => {
    const json = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'ServiceList',
        items: [{ metadata: { name: 'a' }, spec: { selector: { app: 'a' } } }],
      },
      null,
      2,
    );
    const [only] = parseManifests(json, 'svc.json');
    expect(only?.object.kind).toBe('Service');
    expect(only?.source.line).toBe(5);
  });
});

describe('bad input: one line, exit 2', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubemedic-lint-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it.each([
    [
      'malformed YAML',
      'bad.yaml',
      'apiVersion: v1\nkind: Service\nmetadata: { name: a\nspec: {}\n',
      /^kubemedic: .*bad\.yaml:\d+: malformed YAML or JSON: /,
    ],
    [
      'a misspelt built-in kind',
      'kind.yaml',
      'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: a }\n',
      /^kubemedic: .*kind\.yaml:1: unknown kind Deploymnet in apps\/v1 \(did you mean Deployment\?\)/,
    ],
    [
      'a document without a kind (a values file)',
      'values.yaml',
      'replicaCount: 2\nimage: { tag: "1.0" }\n',
      /^kubemedic: .*values\.yaml:1: not a Kubernetes object: it has no kind/,
    ],
    [
      'an empty input',
      'empty.yaml',
      '# nothing rendered\n---\n',
      /^kubemedic: no Kubernetes objects found in .*empty\.yaml$/,
    ],
  ])('%s', async (_what, name, text, message) => {
    const res = await cli(['lint', write(name, text)]);
    expect(res.code).toBe(2);
    expect(res.out).toBe('');
    expect(res.err.split('\n')).toHaveLength(1);
    expect(res.err).toMatch(message);
  });

  it('takes custom resources as they are, and counts kinds no check reads', () => {
    const r = lintText(
      'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: { name: m }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n',
    );
    expect(r.findings).toEqual([]);
    expect(r.notJudged).toEqual({ ServiceMonitor: 1, ConfigMap: 1 });
  });

  it('refuses an unrendered Helm chart directory and says how to render it', async () => {
    const chart = join(dir, 'chart');
    mkdirSync(chart);
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: x\nversion: 0.1.0\n');
    const res = await cli(['lint', chart]);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(
      /is a Helm chart, not rendered manifests: run `helm template .*\| kubemedic lint -`/,
    );
  });

  it('rejects an unknown --ignore id and a bad --fail-on', async () => {
    const ok = write('ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n');
    expect((await cli(['lint', ok, '--ignore', 'service.nope'])).err).toContain(
      '--ignore names unknown check(s): service.nope',
    );
    expect((await cli(['lint', ok, '--fail-on', 'loud'])).code).toBe(2);
  });
});

describe('outputs, exit codes and ignoring', () => {
  let dir: string;
  let seedPath: string;
  let unsafePath: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubemedic-lint-out-'));
    const byName = (n: string) => scenarios.find((s) => s.name === n)?.manifests ?? '';
    seedPath = join(dir, 'seed.yaml');
    writeFileSync(seedPath, byName('seed-selector-mismatch'));
    unsafePath = join(dir, 'unsafe.yaml');
    writeFileSync(unsafePath, byName('rollout-unsafe-strategy'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 on a critical finding, and 0 on a warning unless --fail-on warning', async () => {
    expect((await cli(['lint', seedPath])).code).toBe(1);
    const unsafe = await cli(['lint', unsafePath]);
    expect(unsafe.out).toContain('WARNING rollout.unsafe-strategy');
    expect(unsafe.code).toBe(0);
    expect((await cli(['lint', unsafePath, '--fail-on', 'warning'])).code).toBe(1);
  });

  it('prints the report contract per target, objects with their file and line', async () => {
    const res = await cli(['lint', seedPath, '-o', 'json', '-n', 'prod']);
    const reports = JSON.parse(res.out) as (Report & { findings: LintFinding[] })[];
    expect(reports.map((r) => [r.target.kind, r.target.name, r.target.namespace])).toEqual([
      ['Service', 'api-service', 'prod'],
    ]);
    const [report] = reports;
    expect(report?.verdict).toBe('unhealthy');
    expect(report?.rootCause).toBe('service.selector-mismatch');
    expect(report?.findings[0]?.objects[0]).toMatchObject({
      kind: 'Service',
      name: 'api-service',
      namespace: 'prod',
      from: 'manifest',
      source: { file: expect.stringMatching(/seed\.yaml$/), line: 24 },
    });
  });

  it('writes SARIF 2.1.0 with the static checks as rules and each finding at its line', async () => {
    const res = await cli(['lint', seedPath, unsafePath, '-o', 'sarif']);
    const sarif = JSON.parse(res.out) as {
      version: string;
      runs: {
        tool: {
          driver: { name: string; rules: { id: string; shortDescription: { text: string } }[] };
        };
        results: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          message: { text: string };
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
        }[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0] as (typeof sarif.runs)[number];
    expect(run.tool.driver.name).toBe('kubemedic');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(STATIC_CHECKS.map((c) => c.id));
    for (const rule of run.tool.driver.rules) expect(rule.shortDescription.text).not.toBe('');
    expect(run.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['service.selector-mismatch', 'error'],
      ['rollout.unsafe-strategy', 'warning'],
    ]);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
      expect(r.message.text.length).toBeGreaterThan(0);
      expect(r.locations.length).toBeGreaterThan(0);
      for (const l of r.locations) {
        expect(l.physicalLocation.artifactLocation.uri).toMatch(/\.yaml$/);
        expect(Number.isInteger(l.physicalLocation.region.startLine)).toBe(true);
        expect(l.physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
      }
    }
    expect(run.results[0]?.locations[0]?.physicalLocation.region.startLine).toBe(24);
  });

  it('writes JUnit: a suite per file, a case per object, a failure per failing finding', async () => {
    const res = await cli(['lint', seedPath, unsafePath, '-o', 'junit']);
    expect(res.out).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(res.out.match(/<testsuite /g)).toHaveLength(2);
    expect(res.out).toMatch(/<testsuites name="kubemedic lint" tests="\d+" failures="1">/);
    expect(res.out).toContain('type="service.selector-mismatch"');
    // The warning is below --fail-on critical: reported as output, not a failure.
    expect(res.out).toMatch(/<system-out>warning rollout\.unsafe-strategy: /);
    expect(res.out.match(/<failure /g)).toHaveLength(1);
    expect(res.code).toBe(1);
  });

  it('drops a finding when an object it names carries kubemedic.io/ignore with its id', () => {
    const seed = scenarios.find((s) => s.name === 'seed-selector-mismatch')?.manifests ?? '';
    const ignored = seed.replace(
      'kind: Service\nmetadata:\n',
      'kind: Service\nmetadata:\n  annotations: { kubemedic.io/ignore: "pod.crashloop, service.selector-mismatch" }\n',
    );
    expect(ignored).not.toBe(seed);
    expect(lintText(ignored).findings).toEqual([]);
    const other = seed.replace(
      'kind: Service\nmetadata:\n',
      'kind: Service\nmetadata:\n  annotations: { kubemedic.io/ignore: "service.port-mismatch,servce.typo" }\n',
    );
    const r = lintText(other);
    expect(r.findings.map((f) => f.check)).toEqual(['service.selector-mismatch']);
    expect(r.notes).toEqual([
      expect.stringMatching(
        /manifests\.yaml:\d+: kubemedic\.io\/ignore of Service api-service names unknown check servce\.typo/,
      ),
    ]);
  });

  it('drops findings of the ids given with --ignore', async () => {
    const res = await cli(['lint', seedPath, '--ignore', 'service.selector-mismatch']);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^✔ no problems found in 2 object\(s\) from 1 input\(s\)\.$/);
  });
});
