// Puts a scenario on a live control plane: a fresh namespace, its cluster-wide objects (private
// scenarios), its manifests, its ordered steps, and then waits until it has settled.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Condition, KubeObject, Pod } from '../../../src/cluster/k8s-types.js';
import type { TestCluster } from './cluster.js';
import {
  type ConditionSpec,
  type Scenario,
  type StepSpec,
  type WaitSpec,
  substitute,
} from './schema.js';

export interface PreparedScenario {
  namespace: string;
  /** Deletes what the scenario created; cluster-wide objects are deleted and waited for. */
  cleanup(): Promise<void>;
}

const SETTLE_TIMEOUT_MS = 90_000;
const POLL_MS = 400;

/** API paths of the kinds scenarios name in waits, patches and labels. */
const RESOURCES: Record<string, { path: string; namespaced: boolean; kubectl: string }> = {
  deployment: { path: '/apis/apps/v1', namespaced: true, kubectl: 'deployments' },
  daemonset: { path: '/apis/apps/v1', namespaced: true, kubectl: 'daemonsets' },
  statefulset: { path: '/apis/apps/v1', namespaced: true, kubectl: 'statefulsets' },
  hpa: {
    path: '/apis/autoscaling/v2',
    namespaced: true,
    kubectl: 'horizontalpodautoscalers',
  },
  pvc: { path: '/api/v1', namespaced: true, kubectl: 'persistentvolumeclaims' },
  service: { path: '/api/v1', namespaced: true, kubectl: 'services' },
  pod: { path: '/api/v1', namespaced: true, kubectl: 'pods' },
  node: { path: '/api/v1', namespaced: false, kubectl: 'nodes' },
};

function resource(kindSlashName: string, ns: string, override?: string) {
  const [kind = '', rawName = ''] = kindSlashName.split('/');
  const r = RESOURCES[kind];
  if (!r) throw new Error(`unknown kind "${kind}" in ${kindSlashName}`);
  const name = substitute(rawName, ns);
  const namespace = r.namespaced ? (override ?? ns) : undefined;
  const path = namespace
    ? `${r.path}/namespaces/${namespace}/${r.kubectl}/${name}`
    : `${r.path}/${r.kubectl}/${name}`;
  return { name, namespace, path, kubectl: r.kubectl };
}

export async function prepareScenario(
  cluster: TestCluster,
  sc: Scenario,
  log: (line: string) => void = () => undefined,
): Promise<PreparedScenario> {
  const ns = await cluster.createNamespace(`sc-${sc.name}`);
  const clusterWide = sc.clusterManifests ? substitute(sc.clusterManifests, ns) : undefined;
  const cleanup = async () => {
    // The namespace first, so its pods are not orphaned on a node deleted below; nothing later
    // depends on it being gone. Cluster-wide objects go with their pods (foreground) before the
    // next private scenario starts.
    // Pods held terminating (kubemedic.test/hold) would keep the namespace from going: let go.
    if (sc.manifests.includes('kubemedic.test/hold'))
      await cluster
        .kubectl(['label', 'pods', '--all', '-n', ns, 'kubemedic.test/hold-'])
        .catch(() => undefined);
    await cluster.deleteNamespace(ns);
    if (clusterWide)
      await cluster.kubectl(
        ['delete', '-f', '-', '--ignore-not-found', '--wait=true', '--cascade=foreground'],
        clusterWide,
      );
  };
  try {
    if (clusterWide) {
      await cluster.kubectl(['apply', '-f', '-'], clusterWide);
      await waitForCrds(cluster, clusterWide);
    }
    await cluster.kubectl(['apply', '-n', ns, '-f', '-'], substitute(sc.manifests, ns));
    for (const step of sc.steps) {
      log(`${sc.name}: ${JSON.stringify(step).slice(0, 120)}`);
      await runStep(cluster, sc, ns, step);
    }
    for (const w of sc.settle) await waitUntil(cluster, ns, w);
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw new Error(`${sc.name}: ${(err as Error).message}`, { cause: err });
  }
  return { namespace: ns, cleanup };
}

/** CustomResourceDefinitions must be Established before objects of their kinds are applied. */
async function waitForCrds(cluster: TestCluster, manifests: string): Promise<void> {
  const crds = parseAllDocuments(manifests)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o?.kind === 'CustomResourceDefinition');
  for (const crd of crds)
    await cluster.kubectl([
      'wait',
      '--for=condition=Established',
      `crd/${crd.metadata.name}`,
      '--timeout=60s',
    ]);
}

async function runStep(
  cluster: TestCluster,
  sc: Scenario,
  ns: string,
  step: StepSpec,
): Promise<void> {
  if ('wait' in step) return waitUntil(cluster, ns, step.wait);
  if ('apply' in step) {
    const text = readFileSync(join(sc.dir, step.apply), 'utf8');
    await cluster.kubectl(['apply', '-n', ns, '-f', '-'], substitute(text, ns));
    return;
  }
  if ('patch' in step) {
    const r = resource(step.patch, ns);
    await cluster.kubectl([
      'patch',
      r.kubectl,
      r.name,
      ...(r.namespace ? ['-n', r.namespace] : []),
      '--type',
      step.type,
      '-p',
      substitute(JSON.stringify(step.value), ns),
    ]);
    return;
  }
  if ('label' in step) {
    const r = resource(step.label, ns);
    const labels = Object.entries(step.labels).map(([k, v]) => `${k}=${v}`);
    await cluster.kubectl([
      'label',
      r.kubectl,
      r.name,
      ...(r.namespace ? ['-n', r.namespace] : []),
      '--overwrite',
      ...labels,
    ]);
    return;
  }
  if ('events' in step) {
    const e = step.events;
    const now = new Date().toISOString();
    for (const pod of await livePods(cluster, ns, e.pods)) {
      const container = e.container ?? pod.spec.containers[0]?.name ?? 'app';
      const init = (pod.spec.initContainers ?? []).some((c) => c.name === container);
      await cluster.api.request('POST', `/api/v1/namespaces/${ns}/events`, {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: `${pod.metadata.name}.${randomBytes(8).toString('hex')}` },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            name: pod.metadata.name,
            namespace: ns,
            uid: pod.metadata.uid,
            fieldPath: `spec.${init ? 'initContainers' : 'containers'}{${container}}`,
          },
          reason: e.reason,
          message: substitute(e.message, ns)
            .replaceAll('{{podIP}}', pod.status?.podIP ?? '10.0.0.1')
            .replaceAll('{{pod}}', pod.metadata.name)
            .replaceAll('{{container}}', container)
            .replaceAll('{{uid}}', pod.metadata.uid ?? ''),
          type: e.type,
          count: e.count,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: 'kubelet', host: pod.spec.nodeName },
          reportingComponent: 'kubelet',
          reportingInstance: pod.spec.nodeName ?? '',
        },
      });
    }
    return;
  }
  const m = step.podMetrics;
  for (const pod of await livePods(cluster, ns, m.pods)) {
    await cluster.api.request('POST', `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`, {
      body: {
        apiVersion: 'metrics.k8s.io/v1beta1',
        kind: 'PodMetrics',
        // metrics-server labels PodMetrics like their pods, so label selectors find them.
        metadata: { name: pod.metadata.name, labels: pod.metadata.labels },
        timestamp: new Date().toISOString(),
        window: '30s',
        containers: Object.entries(m.usage).map(([name, usage]) => ({ name, usage })),
      },
    });
  }
}

async function livePods(cluster: TestCluster, ns: string, selector: string): Promise<Pod[]> {
  const list = await cluster.api.get<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods`, {
    labelSelector: selector,
  });
  const pods = list.items.filter((p) => !p.metadata.deletionTimestamp);
  if (pods.length === 0) throw new Error(`no pod matches ${selector} in ${ns}`);
  return pods;
}

function conditionHolds(conditions: Condition[] | undefined, spec: ConditionSpec): boolean {
  const c = conditions?.find((x) => x.type === spec.type);
  if (!c) return false;
  const statuses = spec.status === undefined ? undefined : [spec.status].flat();
  if (statuses && !statuses.includes(c.status)) return false;
  return spec.reason === undefined || c.reason === spec.reason;
}

function fieldAt(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

function podMatches(p: Pod, w: Extract<WaitSpec, { pods: string }>): boolean {
  if (w.phase !== undefined && p.status?.phase !== w.phase) return false;
  if (
    w.ready !== undefined &&
    conditionHolds(p.status?.conditions, { type: 'Ready', status: 'True' }) !== w.ready
  )
    return false;
  if (
    w.waiting !== undefined &&
    !(p.status?.containerStatuses ?? []).some((s) => s.state?.waiting?.reason === w.waiting)
  )
    return false;
  return w.condition === undefined || conditionHolds(p.status?.conditions, w.condition);
}

/** Polls until the wait holds; the error says what was last seen. */
export async function waitUntil(cluster: TestCluster, ns: string, w: WaitSpec): Promise<void> {
  if ('pods' in w) {
    const where = w.namespace ?? ns;
    await poll(
      `${w.count} pod(s) ${w.pods} in ${where} matching ${JSON.stringify(w)}`,
      async () => {
        const list = await cluster.api.get<{ items: Pod[] }>(`/api/v1/namespaces/${where}/pods`, {
          labelSelector: w.pods,
        });
        const live = list.items.filter((p) => !p.metadata.deletionTimestamp);
        const ok = live.length === w.count && live.every((p) => podMatches(p, w));
        return { ok, seen: `${live.length} live pod(s): ${live.map(podState).join('; ')}` };
      },
    );
    return;
  }
  if ('endpoints' in w) {
    await poll(
      `endpoints of ${w.endpoints}: ${w.ready} ready${w.notReady === undefined ? '' : `, ${w.notReady} not ready`}`,
      async () => {
        const list = await cluster.api.get<{
          items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
        }>(`/apis/discovery.k8s.io/v1/namespaces/${w.namespace ?? ns}/endpointslices`, {
          labelSelector: `kubernetes.io/service-name=${w.endpoints}`,
        });
        if (list.items.length === 0) return { ok: false, seen: 'no EndpointSlice yet' };
        const eps = list.items.flatMap((s) => s.endpoints ?? []);
        const ready = eps.filter((e) => e.conditions?.ready !== false).length;
        const notReady = eps.length - ready;
        const ok = ready === w.ready && (w.notReady === undefined || notReady === w.notReady);
        return { ok, seen: `ready ${ready}, not ready ${notReady}` };
      },
    );
    return;
  }
  const r = resource(w.object, ns, w.namespace);
  await poll(
    `${w.object} ${w.condition ? JSON.stringify(w.condition) : `${w.field} = ${String(w.equals)}`}`,
    async () => {
      const obj = await cluster.api.get<{ status?: { conditions?: Condition[] } }>(r.path);
      const condOk = !w.condition || conditionHolds(obj.status?.conditions, w.condition);
      const fieldOk = w.field === undefined || fieldAt(obj, w.field) === w.equals;
      return {
        ok: condOk && fieldOk,
        seen: `conditions ${JSON.stringify(obj.status?.conditions ?? [])}${w.field ? `, ${w.field} = ${JSON.stringify(fieldAt(obj, w.field))}` : ''}`,
      };
    },
  );
}

function podState(p: Pod): string {
  const ready = conditionHolds(p.status?.conditions, { type: 'Ready', status: 'True' });
  const waiting = (p.status?.containerStatuses ?? [])
    .map((s) => s.state?.waiting?.reason)
    .filter(Boolean);
  return `${p.metadata.name} ${p.status?.phase ?? '?'} ready=${ready}${waiting.length ? ` ${waiting.join(',')}` : ''}`;
}

/** Polls `probe` until it reports ok; on timeout the error says what was seen last. */
async function poll(
  what: string,
  probe: () => Promise<{ ok: boolean; seen: string }>,
): Promise<void> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let seen = 'nothing yet';
  while (Date.now() < deadline) {
    try {
      const r = await probe();
      if (r.ok) return;
      seen = r.seen;
    } catch (err) {
      seen = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`timed out waiting for ${what}; last seen: ${seen}`);
}

/** A semaphore: the returned function runs at most `limit` tasks at a time, in call order. */
export function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finished task hands its slot straight to the next waiter, so none can be overtaken.
    if (running >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else running--;
    }
  };
}
