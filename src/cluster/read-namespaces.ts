// Whole-namespace reads for `kubemedic lint --cluster`: what is live beside the change, so a
// Service in the change that selects pods already running is judged right. Read-only, GET only.
// Unlike the gatherer (scoped by one target's selectors), it lists each kind the static checks
// read in the namespaces the manifests name, since the change may select anything there.
import { ClusterUnreachableError, KubeApiError, type KubeApi } from './client.js';
import type { KubeObject } from './k8s-types.js';
import { fieldInfo, pathOf } from './kinds.js';
import { readFailure } from './gather.js';
import { type ResourceKind, type Snapshot, emptySnapshot } from './snapshot.js';

/** The kinds lint's checks read; optional APIs (Gateway API, Istio) may be absent (404 = none). */
const NAMESPACED: readonly ResourceKind[] = [
  'services',
  'pods',
  'endpointSlices',
  'deployments',
  'replicaSets',
  'statefulSets',
  'daemonSets',
  'networkPolicies',
  'ingresses',
  'httpRoutes',
  'grpcRoutes',
  'virtualServices',
  'destinationRules',
];
const OPTIONAL = new Set<ResourceKind>([
  'httpRoutes',
  'grpcRoutes',
  'virtualServices',
  'destinationRules',
]);

export async function readNamespaces(api: KubeApi, namespaces: string[]): Promise<Snapshot> {
  const snapshot = emptySnapshot();
  const reads: Promise<void>[] = [];
  for (const ns of namespaces) {
    for (const field of NAMESPACED) {
      const info = fieldInfo(field);
      reads.push(
        api
          .get<{ items: KubeObject[] }>(pathOf(info, { namespace: ns }))
          .then((list) => {
            const into = snapshot[field] as KubeObject[];
            for (const item of list.items) into.push({ ...item, kind: info.kind });
          })
          .catch((err: unknown) => {
            if (err instanceof ClusterUnreachableError) throw err;
            if (OPTIONAL.has(field) && err instanceof KubeApiError && err.status === 404) return;
            snapshot.unavailable[field] ??= readFailure(err);
          }),
      );
    }
    reads.push(
      api
        .get<KubeObject>(pathOf(fieldInfo('namespaces'), { name: ns }))
        .then((n) => void snapshot.namespaces.push({ ...n, kind: 'Namespace' }))
        // A namespace the change creates does not exist yet; its labels come from the manifests.
        .catch((err: unknown) => {
          if (err instanceof ClusterUnreachableError) throw err;
        }),
    );
  }
  await Promise.all(reads);
  snapshot.capturedAt = new Date().toISOString();
  return snapshot;
}
