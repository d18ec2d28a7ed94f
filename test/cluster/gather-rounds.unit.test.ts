// Issue 11: the reads of a diagnosis do not grow with the backends, and a Service target takes at
// most two sequential rounds of reads when no backend needs more (a crash log; a claim only when
// no workload of the namespace shows that its pods mount claims). A local
// HTTP server answers from generated objects and records every request; the gatherer talks to
// it through the real client, so the counts are what an API server would see.
import { describe, expect, it } from 'vitest';
import { Gatherer } from '../../src/cluster/gather.js';
import { useFakeApi } from '../support/fake-api.js';

const NS = 'shop';
const target = { kind: 'Service' as const, name: 'web', namespace: NS, cluster: 'local' };

interface World {
  pods: number;
  nodes: number;
  /** One claim per pod, as a StatefulSet has. */
  claims: boolean;
  /** The claims' StatefulSet is in the namespace (false: bare pods mount them). */
  statefulSet?: boolean;
  /** Claims the namespace does not hold (the pods name them anyway). */
  missingClaims?: number;
  /** The node list answers one page and a continue token (a large cluster). */
  pagedNodes?: boolean;
  /** The Service's selector (default: the pods' labels). */
  selector?: Record<string, string>;
  /** The Service's EndpointSlice is read and holds no endpoint. */
  emptySlices?: boolean;
}

function answers(w: World): Record<string, unknown> {
  const pods = Array.from({ length: w.pods }, (_, i) => ({
    metadata: { name: `web-${i}`, namespace: NS, labels: { app: 'web' } },
    spec: {
      nodeName: `node-${i % w.nodes}`,
      containers: [{ name: 'web', image: 'web:1' }],
      volumes: w.claims
        ? [{ name: 'd', persistentVolumeClaim: { claimName: `data-web-${i}` } }]
        : [],
    },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'web', ready: true, restartCount: 0 }],
    },
  }));
  const nodes = Array.from({ length: w.nodes }, (_, i) => ({
    metadata: { name: `node-${i}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  }));
  return {
    [`/api/v1/namespaces/${NS}/services`]: {
      items: [
        {
          metadata: { name: 'web', namespace: NS },
          spec: { selector: w.selector ?? { app: 'web' } },
        },
      ],
    },
    ...(w.emptySlices
      ? {
          [`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`]: {
            items: [
              {
                metadata: {
                  name: 'web-x1',
                  namespace: NS,
                  labels: { 'kubernetes.io/service-name': 'web' },
                },
                endpoints: [],
              },
            ],
          },
        }
      : {}),
    [`/api/v1/namespaces/${NS}/pods`]: { items: pods },
    '/api/v1/nodes': w.pagedNodes
      ? { metadata: { continue: 'more' }, items: nodes.slice(0, 2) }
      : { items: nodes },
    [`/api/v1/namespaces/${NS}/persistentvolumeclaims`]: {
      items: pods
        .slice(w.missingClaims ?? 0)
        .map((p) => ({ metadata: { name: `data-${p.metadata.name}`, namespace: NS } })),
    },
    [`/apis/apps/v1/namespaces/${NS}/statefulsets`]: {
      items: w.statefulSet
        ? [
            {
              metadata: { name: 'web', namespace: NS },
              spec: {
                selector: { matchLabels: { app: 'web' } },
                template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } },
                volumeClaimTemplates: [{ metadata: { name: 'data' } }],
              },
            },
          ]
        : [],
    },
  };
}

describe('the number and rounds of reads of a Service target', () => {
  const fake = useFakeApi();

  async function gather(w: World) {
    fake.reset(answers(w));
    const g = new Gatherer(fake.api);
    const snapshot = await g.gather(target);
    // What the gatherer counts is what the server saw.
    expect(g.requests).toBe(fake.requested.length);
    return { requests: g.requests, rounds: g.rounds, snapshot, paths: [...fake.requested] };
  }

  it('makes the same reads, in two rounds, for 50 or 5,000 backends on many nodes', async () => {
    const small = await gather({ pods: 50, nodes: 40, claims: false });
    const large = await gather({ pods: 5000, nodes: 40, claims: false });
    expect(large.snapshot.pods).toHaveLength(5000);
    expect(large.snapshot.nodes).toHaveLength(40);
    expect(large.requests).toBe(small.requests);
    expect(small.rounds).toBeLessThanOrEqual(2);
    expect(large.rounds).toBeLessThanOrEqual(2);
    expect(large.paths.filter((p) => p.startsWith('/api/v1/nodes/'))).toEqual([]);
  });

  it("reads a StatefulSet's claims as one list beside the backends: two rounds, 50 or 5,000", async () => {
    const small = await gather({ pods: 50, nodes: 3, claims: true, statefulSet: true });
    const large = await gather({ pods: 5000, nodes: 3, claims: true, statefulSet: true });
    expect(large.snapshot.pvcs).toHaveLength(5000);
    expect(small.snapshot.pvcs).toHaveLength(50);
    expect(large.requests).toBe(small.requests);
    expect(large.paths.filter((p) => p.includes('/persistentvolumeclaims/'))).toEqual([]);
    expect(small.rounds).toBeLessThanOrEqual(2);
    expect(large.rounds).toBeLessThanOrEqual(2);
  });

  it('does not read by name a claim the complete list does not hold: it does not exist', async () => {
    const r = await gather({
      pods: 50,
      nodes: 3,
      claims: true,
      statefulSet: true,
      missingClaims: 2,
    });
    expect(r.snapshot.pvcs).toHaveLength(48);
    expect(r.paths.filter((p) => p.includes('/persistentvolumeclaims/'))).toEqual([]);
    expect(r.rounds).toBeLessThanOrEqual(2);
  });

  it("reads bare pods' claims as one list, one round after the backends", async () => {
    const small = await gather({ pods: 50, nodes: 3, claims: true });
    const large = await gather({ pods: 5000, nodes: 3, claims: true });
    expect(large.snapshot.pvcs).toHaveLength(5000);
    expect(large.requests).toBe(small.requests);
    expect(large.paths.filter((p) => p.includes('/persistentvolumeclaims/'))).toEqual([]);
    expect(large.rounds).toBe(3);
  });

  it('reads where the pods are beside the backends when the target has no endpoint: two rounds', async () => {
    const nsPods = `/api/v1/namespaces/${NS}/pods?limit=500`;
    const elsewhere = '/api/v1/pods?labelSelector=app%3Dweb-svc&limit=20';
    // The seed incident: the selector matches none of the pods, so the Service has no endpoint.
    const mismatch = await gather({
      pods: 3,
      nodes: 3,
      claims: false,
      selector: { app: 'web-svc' },
      emptySlices: true,
    });
    expect(mismatch.rounds).toBe(2);
    expect(mismatch.paths.filter((p) => p === nsPods || p === elsewhere).sort()).toEqual(
      [elsewhere, nsPods].sort(),
    );
    // The nearest labels come from the namespace's pods, which are not taken for backends.
    expect(mismatch.snapshot.pods.map((p) => p.metadata.name)).toHaveLength(3);
    // Without the slices' word (none read), the reads wait for the backends' answer: three rounds.
    const unknown = await gather({
      pods: 3,
      nodes: 3,
      claims: false,
      selector: { app: 'web-svc' },
    });
    expect(unknown.rounds).toBe(3);
    expect(unknown.paths.filter((p) => p === nsPods || p === elsewhere)).toHaveLength(2);
    // A Service with endpoints makes neither read.
    const healthy = await gather({ pods: 3, nodes: 3, claims: false });
    expect(healthy.paths.filter((p) => p === nsPods || p.startsWith('/api/v1/pods?'))).toEqual([]);
  });

  it('reads the nodes past the first page as one list, not one by one', async () => {
    const r = await gather({ pods: 5000, nodes: 40, claims: false, pagedNodes: true });
    expect(r.paths.filter((p) => p.startsWith('/api/v1/nodes/'))).toEqual([]);
    expect(r.paths.filter((p) => p.startsWith('/api/v1/nodes'))).toHaveLength(2);
  });
});
