import { KubeApi } from '../../src/cluster/client.js';
import { Gatherer } from '../../src/cluster/gather.js';
const api = KubeApi.fromOptions({});
const t0 = performance.now();
for (const m of ['get', 'getText', 'request'] as const) {
  const orig = (api as any)[m].bind(api);
  (api as any)[m] = async (...a: any[]) => {
    const s = performance.now() - t0;
    try { return await orig(...a); } finally { console.log(`${s.toFixed(0).padStart(5)} → ${(performance.now() - t0).toFixed(0).padStart(5)} ${m} ${typeof a[0] === 'string' ? a[0] : a[1]} ${a[1] && typeof a[1] === 'object' ? JSON.stringify(a[1]) : ''}`); }
  };
}
const g = new Gatherer(api);
await g.gather({ kind: 'Service', name: 'api-service', namespace: process.argv[2] as string, cluster: 'x' });
console.log('requests', g.requests, 'rounds', g.rounds, 'ms', (performance.now() - t0).toFixed(0));
api.close();
