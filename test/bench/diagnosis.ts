// Diagnosis latency and API requests per diagnosis on the live test cluster at 50, 500 and
// 5,000 background pods spread over many namespaces. KWOK makes the pods cheap; they are
// created directly on the fake nodes so the measurement is about the diagnosis, not setup.
import { KubeApi } from '../../src/cluster/client.js';
import { gatherSnapshot } from '../../src/cluster/gather.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { apply, kubeconfigPath, kubectl, waitFor } from '../support/cluster.js';
import { SEED_MANIFESTS } from '../support/seed.js';
import { summary } from './stats.js';

const PODS_PER_NAMESPACE = 100;
const RUNS = 30;
const LEVELS = (process.env.BENCH_LEVELS ?? '50,500,5000').split(',').map(Number);

async function parallel<T>(
  items: T[],
  limit: number,
  fn: (t: T) => Promise<unknown>,
): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (i < items.length) await fn(items[i++] as T);
    }),
  );
}

async function addBackgroundPods(api: KubeApi, from: number, to: number): Promise<void> {
  const jobs: { ns: string; name: string; node: string }[] = [];
  for (let n = from; n < to; n++) {
    const ns = `bench-bg-${Math.floor(n / PODS_PER_NAMESPACE)}`;
    jobs.push({ ns, name: `bg-${n}`, node: `kwok-node-${n % 3}` });
  }
  const namespaces = [...new Set(jobs.map((j) => j.ns))];
  await parallel(namespaces, 8, (ns) =>
    api
      .request('POST', '/api/v1/namespaces', {
        body: { metadata: { name: ns, labels: { 'kubemedic.bench': 'true' } } },
      })
      .catch(() => undefined),
  );
  await parallel(jobs, 32, (j) =>
    api
      .request('POST', `/api/v1/namespaces/${j.ns}/pods`, {
        body: {
          metadata: {
            name: j.name,
            labels: { app: `bg-${j.name.length % 7}`, tier: 'background' },
          },
          spec: {
            nodeName: j.node,
            containers: [{ name: 'app', image: 'bg:1', ports: [{ containerPort: 8080 }] }],
          },
        },
      })
      .catch(() => undefined),
  );
}

export interface DiagnosisBench {
  level: number;
  pods: number;
  latencyMs: ReturnType<typeof summary>;
  apiRequests: { min: number; max: number };
  rootCause: string | null;
}

export async function benchDiagnosis(): Promise<DiagnosisBench[]> {
  const api = KubeApi.fromOptions({ kubeconfig: kubeconfigPath });
  const ns = 'bench-target';
  const results: DiagnosisBench[] = [];
  try {
    await kubectl(['create', 'namespace', ns]).catch(() => undefined);
    await apply(ns, SEED_MANIFESTS);
    await waitFor(
      'the bench target (the seed incident) pods',
      async () =>
        (await kubectl(['get', 'pods', '-n', ns, '--no-headers']))
          .split('\n')
          .filter((l) => l.includes('Running')).length === 2,
    );
    let created = 0;
    for (const level of LEVELS) {
      await addBackgroundPods(api, created, level);
      created = level;
      const latencies: number[] = [];
      const requests: number[] = [];
      let rootCause: string | null = null;
      for (let i = 0; i < RUNS; i++) {
        const reader = KubeApi.fromOptions({ kubeconfig: kubeconfigPath });
        const started = performance.now();
        const target = {
          kind: 'Service' as const,
          name: 'api-service',
          namespace: ns,
          cluster: 'bench',
        };
        const snapshot = await gatherSnapshot(reader, target);
        const report = diagnose(snapshot, target, {
          now: new Date(),
          apiRequests: reader.requestCount,
        });
        latencies.push(performance.now() - started);
        requests.push(report.apiRequests);
        rootCause = report.rootCause;
        reader.close();
      }
      const pods = Number(
        (await kubectl(['get', 'pods', '-A', '--no-headers'])).trim().split('\n').length,
      );
      results.push({
        level,
        pods,
        latencyMs: summary(latencies),
        apiRequests: { min: Math.min(...requests), max: Math.max(...requests) },
        rootCause,
      });
      console.log(
        `[bench] diagnosis at ${pods} pods: p50 ${summary(latencies).p50} ms, p95 ${summary(latencies).p95} ms, ${Math.min(...requests)}-${Math.max(...requests)} API requests`,
      );
    }
  } finally {
    await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
    await kubectl(['delete', 'namespace', '-l', 'kubemedic.bench=true', '--wait=false']).catch(
      () => undefined,
    );
    api.close();
  }
  return results;
}
