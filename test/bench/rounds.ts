// API requests and sequential rounds of reads of one Service-target diagnosis, as its backends
// grow: a Deployment behind the Service scaled to 50, 500 and 2,000 replicas on the KWOK nodes
// (5,000 is opt-in, BENCH_ROUNDS_LEVELS=50,500,5000: KWOK takes some minutes to create them on
// this machine). The figure is the report's own apiRequests and apiRounds, over a few runs.
import { KubeApi } from '../../src/cluster/client.js';
import { diagnoseLive } from '../../src/engine.js';
import { kubeconfigPath, waitFor } from '../support/cluster.js';
import { type Spread, spread } from './process.js';

const LEVELS = (process.env.BENCH_ROUNDS_LEVELS ?? '50,500,2000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_ROUNDS_RUNS ?? 5);
const NS = 'bench-rounds';

export interface RoundsBench {
  levels: {
    pods: number;
    runs: number;
    apiRequests: { min: number; max: number };
    apiRounds: { min: number; max: number };
    durationMs: Spread;
  }[];
}

const deployment = (replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        // Pods only on the fake nodes: KWOK runs them, nothing real starts.
        nodeSelector: { type: 'kwok' },
        tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
        containers: [{ name: 'web', image: 'web:1', ports: [{ containerPort: 8080 }] }],
      },
    },
  },
});

async function put(api: KubeApi, path: string, body: unknown): Promise<void> {
  await api.request('POST', path, { body }).catch(async (err: unknown) => {
    if ((err as { status?: number }).status !== 409) throw err;
    const name = (body as { metadata: { name: string } }).metadata.name;
    await api.request('PUT', `${path}/${name}`, { body });
  });
}

export async function benchRounds(): Promise<RoundsBench> {
  const api = KubeApi.fromOptions({ kubeconfig: kubeconfigPath, timeoutMs: 60_000 });
  const levels: RoundsBench['levels'] = [];
  try {
    await put(api, '/api/v1/namespaces', { metadata: { name: NS } });
    await put(api, `/api/v1/namespaces/${NS}/services`, {
      metadata: { name: 'web', namespace: NS },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    for (const pods of LEVELS) {
      await put(api, `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(pods));
      await waitFor(
        `${pods} pods running`,
        async () => {
          const l = await api.get<{ items: { status?: { phase?: string } }[] }>(
            `/api/v1/namespaces/${NS}/pods`,
            { labelSelector: 'app=web' },
          );
          return l.items.filter((p) => p.status?.phase === 'Running').length >= pods || undefined;
        },
        30 * 60_000,
      );
      const requests: number[] = [];
      const rounds: number[] = [];
      const durations: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const reader = KubeApi.fromOptions({ kubeconfig: kubeconfigPath });
        try {
          const report = await diagnoseLive(reader, {
            kind: 'Service',
            name: 'web',
            namespace: NS,
            cluster: 'bench',
          });
          requests.push(report.apiRequests);
          rounds.push(report.apiRounds);
          durations.push(report.durationMs);
        } finally {
          reader.close();
        }
      }
      const level = {
        pods,
        runs: RUNS,
        apiRequests: { min: Math.min(...requests), max: Math.max(...requests) },
        apiRounds: { min: Math.min(...rounds), max: Math.max(...rounds) },
        durationMs: spread(durations),
      };
      levels.push(level);
      console.log(
        `[bench] Service target, ${pods} backends: ${level.apiRequests.min}-${level.apiRequests.max} API requests in ${level.apiRounds.min}-${level.apiRounds.max} rounds, diagnosis ${level.durationMs.median} ms median`,
      );
    }
  } finally {
    await api.request('DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined);
    api.close();
  }
  return { levels };
}
