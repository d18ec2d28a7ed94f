// The gatherer under a least-privilege identity that may read everything a diagnosis reads except
// NetworkPolicies: the two network-policy checks are reported skipped with the API's reason, and
// the rest of the diagnosis (the seed's selector mismatch) is still found.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKS } from '../../src/diagnosis/registry.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { runCli } from '../../src/cli/index.js';
import type { Report } from '../../src/diagnosis/types.js';
import { TestCluster } from './support/cluster.js';
import { expectReport, summarise } from './support/expect.js';
import { diagnoseLive } from './support/live.js';
import { type PreparedScenario, prepareScenario } from './support/prepare.js';
import { loadScenario } from './support/schema.js';

const READ = ['get', 'list'];

/** Everything src/cluster/gather.ts reads, minus networking.k8s.io/networkpolicies. */
const clusterRole = (name: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name },
  rules: [
    {
      apiGroups: [''],
      resources: [
        'services',
        'pods',
        'pods/log',
        'endpoints',
        'events',
        'nodes',
        'namespaces',
        'persistentvolumeclaims',
        'configmaps',
        'secrets',
      ],
      verbs: READ,
    },
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
    {
      apiGroups: ['apps'],
      resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
      verbs: READ,
    },
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses', 'ingressclasses'], verbs: READ },
    { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: READ },
    { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: READ },
    {
      apiGroups: ['networking.istio.io'],
      resources: ['virtualservices', 'destinationrules'],
      verbs: READ,
    },
  ],
});

describe('a diagnosis with partial RBAC (NetworkPolicies forbidden)', () => {
  const seed = loadScenario('seed-selector-mismatch');
  const roleName = `kubemedic-scenarios-no-netpol-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'kubemedic-rbac-'));
  const kubeconfig = join(dir, 'kubeconfig');
  let cluster: TestCluster;
  let prepared: PreparedScenario | undefined;

  beforeAll(async () => {
    cluster = TestCluster.shared();
    prepared = await prepareScenario(cluster, seed);
    const ns = prepared.namespace;
    await cluster.kubectl(['create', 'serviceaccount', 'kubemedic-reader', '-n', ns]);
    await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(clusterRole(roleName)));
    await cluster.kubectl([
      'create',
      'clusterrolebinding',
      roleName,
      `--clusterrole=${roleName}`,
      `--serviceaccount=${ns}:kubemedic-reader`,
    ]);
    const token = (await cluster.kubectl(['create', 'token', 'kubemedic-reader', '-n', ns])).trim();
    // The server and CA of the test cluster, and the ServiceAccount's token as the only credential.
    const admin = new KubeConfig();
    admin.loadFromFile(cluster.kubeconfig);
    const server = admin.getCurrentCluster();
    if (!server?.caData) throw new Error('the test kubeconfig has no CA data');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'test',
            cluster: { server: server.server, 'certificate-authority-data': server.caData },
          },
        ],
        users: [{ name: 'kubemedic-reader', user: { token } }],
        contexts: [{ name: 'reader', context: { cluster: 'test', user: 'kubemedic-reader' } }],
        'current-context': 'reader',
      }),
      { mode: 0o600 },
    );
  }, 120_000);

  afterAll(async () => {
    await cluster
      .kubectl(['delete', 'clusterrolebinding,clusterrole', roleName, '--ignore-not-found'])
      .catch(() => undefined);
    await prepared?.cleanup();
    cluster.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the network-policy checks skipped with the reason, and still finds the selector mismatch', async () => {
    if (!prepared) throw new Error('the seed scenario was not prepared');
    const report = await diagnoseLive(kubeconfig, seed, prepared.namespace);
    const seen = summarise(report);
    // Every check that reads NetworkPolicies, by the registry (not a hand list that drifts).
    const netpolChecks = CHECKS.filter((c) => c.reads.includes('networkPolicies')).map((c) => c.id);
    expect(netpolChecks.length).toBeGreaterThan(0);
    for (const check of netpolChecks) {
      const skipped = report.skipped.find((s) => s.check === check);
      expect(skipped, `${check} skipped\n${seen}`).toBeDefined();
      expect(skipped?.reason).toMatch(/networkpolicies/);
      expect(skipped?.reason).toMatch(/forbidden/);
    }
    // Nothing else was forbidden: the role covers every other read.
    expect(
      report.skipped.filter((s) => /forbidden/.test(s.reason)).map((s) => s.check),
      seen,
    ).toEqual(netpolChecks);
    expectReport(report, seed.expected);
  });

  it('shows the skipped checks in the CLI output and still exits 1 for the critical finding', async () => {
    if (!prepared) throw new Error('the seed scenario was not prepared');
    const out: string[] = [];
    const err: string[] = [];
    const argv = ['diagnose', seed.target, '-n', prepared.namespace, '--kubeconfig', kubeconfig];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTTY: false };
    expect(await runCli([...argv, '--output', 'json'], io)).toBe(1);
    const report = JSON.parse(out.join('\n')) as Report;
    expect(report.rootCause).toBe('service.selector-mismatch');
    expect(report.apiRequests).toBeGreaterThan(0);
    out.length = 0;
    expect(await runCli(argv, io)).toBe(1);
    const text = out.join('\n');
    expect(text).toContain('Skipped checks:');
    expect(text).toMatch(/netpol\.ingress-blocked: networkPolicies: .*forbidden/);
    expect(err).toEqual([]);
  });
});
