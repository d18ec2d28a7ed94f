// Captures the dump.json of scenarios from a live control plane:
//   npx tsx test/scenarios/capture.ts [name...]
// Each scenario is applied in a fresh namespace and, once settled, what `kubectl get ... -o json`
// prints for its objects (and the nodes, kube-system, ingress-controller and CRD objects the
// gatherer would read) is written as one List. Shared-scope scenarios run on the shared test
// cluster, in parallel; private-scope ones on a private cluster started for them, one by one.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { KubeObject, Pod } from '../../src/cluster/k8s-types.js';
import { KubeApiError } from '../../src/cluster/client.js';
import { repoRoot } from '../support/cluster.js';
import { TestCluster } from './support/cluster.js';
import { limiter, prepareScenario } from './support/prepare.js';
import { type Scenario, loadScenario, scenarioNames, substitute } from './support/schema.js';
import { POD_LOG_KIND } from '../../src/cluster/snapshot.js';

const NAMESPACED_KINDS = [
  'services',
  'pods',
  'endpointslices.discovery.k8s.io',
  'deployments.apps',
  'replicasets.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'networkpolicies.networking.k8s.io',
  'ingresses.networking.k8s.io',
  'horizontalpodautoscalers.autoscaling',
  'persistentvolumeclaims',
  'events',
  'configmaps',
  'secrets',
].join(',');
// The same recognised labels the gatherer reads ingress controllers by.
const INGRESS_CONTROLLERS =
  'app.kubernetes.io/name in (ingress-nginx,traefik,haproxy-ingress,contour,kong,nginx-ingress)';
/** Objects every namespace gets from the control plane, which say nothing about a scenario. */
const NOISE = new Set(['ConfigMap/kube-root-ca.crt']);

interface List {
  items: KubeObject[];
}

async function getList(cluster: TestCluster, args: string[]): Promise<KubeObject[]> {
  const out = await cluster.kubectl(['get', ...args, '-o', 'json']);
  const parsed = JSON.parse(out) as KubeObject | List;
  return 'items' in parsed ? parsed.items : [parsed];
}

async function served(cluster: TestCluster, path: string): Promise<boolean> {
  try {
    await cluster.api.get(path);
    return true;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return false;
    throw err;
  }
}

/** What the gatherer would read for this scenario, as kubectl prints it. */
export async function captureDump(cluster: TestCluster, sc: Scenario, ns: string): Promise<string> {
  const items: KubeObject[] = [];
  const own = (await getList(cluster, [NAMESPACED_KINDS, '-n', ns])).filter(
    (o) => !NOISE.has(`${o.kind}/${o.metadata.name}`),
  );
  items.push(...own);
  const namespaces = new Set([ns]);
  for (const o of own) if (o.metadata.namespace) namespaces.add(o.metadata.namespace);
  const systemSelector = 'k8s-app in (kube-dns,kube-proxy)';
  items.push(
    ...(await getList(cluster, [
      'pods,deployments.apps,daemonsets.apps,services',
      '-n',
      'kube-system',
      '-l',
      systemSelector,
    ])),
    ...(await getList(cluster, [
      'endpointslices.discovery.k8s.io',
      '-n',
      'kube-system',
      '-l',
      'kubernetes.io/service-name=kube-dns',
    ])),
  );
  const controllers = await getList(cluster, ['pods', '-A', '-l', INGRESS_CONTROLLERS]);
  items.push(...controllers, ...(await getList(cluster, ['ingressclasses.networking.k8s.io'])));
  for (const c of controllers) namespaces.add(c.metadata.namespace ?? '');
  const nodes = [
    ...new Set(
      items
        .filter((o): o is Pod => o.kind === 'Pod')
        .map((p) => p.spec.nodeName)
        .filter((n): n is string => Boolean(n)),
    ),
  ].sort();
  if (nodes.length) items.push(...(await getList(cluster, ['nodes', ...nodes])));
  items.push(...(await getList(cluster, ['namespaces', ...[...namespaces].sort()])));
  if (await served(cluster, '/apis/networking.istio.io'))
    items.push(
      ...(await getList(cluster, [
        'virtualservices.networking.istio.io,destinationrules.networking.istio.io',
        '-n',
        ns,
      ])),
    );
  if (await served(cluster, '/apis/gateway.networking.k8s.io'))
    items.push(
      ...(await getList(cluster, [
        'httproutes.gateway.networking.k8s.io,grpcroutes.gateway.networking.k8s.io,gateways.gateway.networking.k8s.io',
        '-n',
        ns,
      ])),
    );
  if (await served(cluster, '/apis/metrics.k8s.io/v1beta1'))
    items.push(...(await getList(cluster, ['pods.metrics.k8s.io', '-n', ns])));
  items.push(...(await podLogs(cluster, sc, ns)));
  const list = { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
  // Formatted as `prettier --write` would, so a re-capture diffs only in what changed.
  const options = await resolveConfig(sc.dumpPath);
  return format(JSON.stringify(list), { ...options, filepath: sc.dumpPath });
}

/**
 * The scenario's declared log lines as the gatherer reads them: the current container of up to
 * three running pods, each line with the kubelet's timestamp (written now, after the scenario
 * settled), taken from scenario.json as the live tests write them for KWOK (support/pod-logs.ts).
 */
async function podLogs(cluster: TestCluster, sc: Scenario, ns: string): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const spec of sc.logs) {
    const pods = (await getList(cluster, ['pods', '-n', ns, '-l', spec.pods]))
      .filter((p): p is Pod => p.kind === 'Pod' && (p as Pod).status?.phase === 'Running')
      .slice(0, 3);
    const start = Date.now();
    for (const pod of pods) {
      const container = spec.container ?? pod.spec.containers[0]?.name ?? '';
      const text = spec.lines
        .map((l, i) => `${new Date(start + i * 10).toISOString()} ${substitute(l, ns)}`)
        .join('\n');
      const log: KubeObject & Record<string, unknown> = {
        apiVersion: 'kubemedic.io/v1',
        kind: POD_LOG_KIND,
        metadata: { name: `${pod.metadata.name}.${container}`, namespace: ns },
        pod: pod.metadata.name,
        container,
        logKind: 'current',
        text: `${text}\n`,
      };
      out.push(log);
    }
  }
  return out;
}

async function captureOne(cluster: TestCluster, sc: Scenario): Promise<void> {
  const started = Date.now();
  const prepared = await prepareScenario(cluster, sc, (l) => console.log(`  ${l}`));
  try {
    const dump = await captureDump(cluster, sc, prepared.namespace);
    await writeFile(sc.dumpPath, dump);
    console.log(
      `captured ${sc.name} (${prepared.namespace}) in ${Math.round((Date.now() - started) / 1000)}s`,
    );
  } finally {
    await prepared.cleanup();
  }
}

async function main(): Promise<number> {
  const names = process.argv.slice(2);
  const scenarios = (names.length ? names : scenarioNames()).map(loadScenario);
  const failures: string[] = [];
  const shared = scenarios.filter((s) => s.scope === 'shared');
  const exclusive = scenarios.filter((s) => s.scope === 'private');
  if (shared.length) {
    execFileSync('bash', [join(repoRoot, 'test/cluster/up.sh')], { stdio: 'inherit' });
    const cluster = TestCluster.shared();
    const limit = limiter(8);
    const results = await Promise.allSettled(
      shared.map((sc) => limit(() => captureOne(cluster, sc))),
    );
    results.forEach((r, i) => {
      if (r.status === 'rejected') failures.push(`${shared[i]?.name}: ${String(r.reason)}`);
    });
    cluster.close();
  }
  if (exclusive.length) {
    console.log(`starting a private cluster for ${exclusive.length} cluster-wide scenario(s)`);
    const cluster = await TestCluster.startPrivate();
    try {
      for (const sc of exclusive)
        await captureOne(cluster, sc).catch((err: unknown) =>
          failures.push(`${sc.name}: ${String(err)}`),
        );
    } finally {
      await cluster.stop();
    }
  }
  for (const f of failures) console.error(`FAILED ${f}`);
  return failures.length ? 1 : 0;
}

// Run as a script only: importing captureDump (a one-off capture on a running cluster) starts nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.exitCode = await main();
