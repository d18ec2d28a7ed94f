// The snapshot `kubemedic lint` judges: the manifests as they would be once applied and rolled
// out. Each workload template stands for one would-be pod, Running and Ready (the state a
// successful rollout reaches), so the checks that read specs judge it as they judge live pods,
// and the ones that read status, events or logs have nothing to report (lint runs only the
// static ones anyway). With `--cluster`, the live objects the change does not replace join it.
import type {
  Deployment,
  KubeObject,
  Pod,
  PodTemplate,
  StatefulSet,
} from '../cluster/k8s-types.js';
import { kindInfo } from '../cluster/kinds.js';
import { type Snapshot, addObjects, emptySnapshot } from '../cluster/snapshot.js';
import { controllerRef } from '../diagnosis/model/pods.js';
import type { Located, ManifestObject, Source } from './read.js';

/** Where an object of the judged snapshot comes from: a manifest (file and line) or the cluster. */
export type Origin = { from: 'manifest'; source: Source } | { from: 'cluster' };

export interface LintSnapshot {
  snapshot: Snapshot;
  /** `kind/namespace/name` of every object (would-be pods map to their workload's manifest). */
  origins: Map<string, Origin>;
  /** Would-be pod name (`namespace/name`) to the workload it stands for. */
  podOwners: Map<string, { kind: string; namespace: string; name: string }>;
  /** Manifest objects, namespaced and as judged. */
  manifests: Located[];
}

export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** The would-be pods' name part: one word, since a ReplicaSet is read as <deployment>-<hash>. */
const WOULD_BE = 'manifest';

/** Gives namespaced objects without a namespace the one they would be applied in. */
function inNamespace(o: ManifestObject, namespace: string): ManifestObject {
  const info = kindInfo(o.kind);
  const namespaced = info ? info.namespaced : !CLUSTER_SCOPED.has(o.kind);
  if (!namespaced || o.metadata.namespace) return o;
  return { ...o, metadata: { ...o.metadata, namespace } };
}

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'GatewayClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'RuntimeClass',
  'CSIDriver',
]);

function wouldBePod(
  template: PodTemplate,
  namespace: string,
  name: string,
  owner?: { kind: string; name: string },
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}) },
      ownerReferences: owner ? [{ ...owner, controller: true }] : undefined,
    },
    spec: template.spec,
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: (template.spec?.containers ?? []).map((c) => ({
        name: c.name,
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: {} },
      })),
    },
  };
}

/** The pod template of a workload kind, and how many pods it wants (0 when scaled to zero). */
function templateOf(o: ManifestObject): { template: PodTemplate; replicas: number } | undefined {
  const spec = (o as { spec?: Record<string, unknown> }).spec;
  if (!spec) return undefined;
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return spec.template
        ? { template: spec.template as PodTemplate, replicas: (spec.replicas as number) ?? 1 }
        : undefined;
    case 'DaemonSet':
    case 'Job':
      return spec.template ? { template: spec.template as PodTemplate, replicas: 1 } : undefined;
    case 'CronJob': {
      const job = (spec.jobTemplate as { spec?: { template?: PodTemplate } } | undefined)?.spec;
      return job?.template ? { template: job.template, replicas: 1 } : undefined;
    }
  }
  return undefined;
}

/** Status as the controller reports it once the rollout finished. */
function rolledOut(o: ManifestObject): ManifestObject {
  if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet') return o;
  const w = o as Deployment | StatefulSet;
  const n = w.spec.replicas ?? 1;
  return {
    ...w,
    status: {
      observedGeneration: w.metadata.generation ?? 1,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
    },
  } as unknown as ManifestObject;
}

/**
 * Builds the judged snapshot: the manifests (namespaced, rolled out), a would-be pod per workload
 * template, and, when `live` is given, the live objects the manifests do not replace.
 */
export function lintSnapshot(
  located: Located[],
  defaultNamespace: string,
  live?: Snapshot,
): LintSnapshot {
  const snapshot = emptySnapshot();
  const origins = new Map<string, Origin>();
  const podOwners = new Map<string, { kind: string; namespace: string; name: string }>();
  const manifests = located.map((l) => ({
    ...l,
    object: rolledOut(inNamespace(l.object, defaultNamespace)),
  }));
  const inChange = new Set<string>();
  const pods: Pod[] = [];
  for (const { object: o, source } of manifests) {
    const k = objectKey(o.kind, o.metadata.namespace, o.metadata.name);
    inChange.add(k);
    origins.set(k, { from: 'manifest', source });
    const t = templateOf(o);
    // A ReplicaSet of a Deployment in the change has the Deployment's pods already.
    const ownedRs =
      o.kind === 'ReplicaSet' && controllerRef(o)?.kind === 'Deployment' ? true : false;
    if (!t || t.replicas === 0 || ownedRs || !t.template.spec) continue;
    const ns = o.metadata.namespace ?? defaultNamespace;
    // ownerOf() reads a Deployment's pods through a ReplicaSet named <deployment>-<hash>.
    const owner =
      o.kind === 'Deployment'
        ? { kind: 'ReplicaSet', name: `${o.metadata.name}-${WOULD_BE}` }
        : { kind: o.kind, name: o.metadata.name };
    const name = `${o.metadata.name}-${WOULD_BE}-0`;
    pods.push(wouldBePod(t.template, ns, name, owner));
    podOwners.set(`${ns}/${name}`, { kind: o.kind, namespace: ns, name: o.metadata.name });
    origins.set(objectKey('Pod', ns, name), { from: 'manifest', source });
  }
  // A bare Pod in the manifests is judged as running: it replaces its own entry.
  const bare = manifests
    .filter((m) => m.object.kind === 'Pod')
    .map((m) => {
      const p = m.object as unknown as Pod;
      return {
        ...wouldBePod(
          { metadata: p.metadata, spec: p.spec },
          p.metadata.namespace ?? defaultNamespace,
          p.metadata.name,
        ),
        metadata: p.metadata,
      };
    });
  addObjects(
    snapshot,
    manifests.map((m) => m.object).filter((o) => o.kind !== 'Pod'),
  );
  addObjects(snapshot, [...pods, ...bare]);
  if (live) mergeLive(snapshot, live, inChange, origins);
  return { snapshot, origins, podOwners, manifests };
}

/**
 * Adds the live objects the change leaves as they are: not an object the manifests define, not a
 * pod of a workload the manifests redefine (the rollout replaces it), and no endpoints of a
 * Service the manifests redefine (its endpoints follow its new selector).
 */
function mergeLive(
  snapshot: Snapshot,
  live: Snapshot,
  inChange: Set<string>,
  origins: Map<string, Origin>,
): void {
  const replacedPod = (p: Pod) => {
    const ref = controllerRef(p);
    if (!ref) return false;
    const ns = p.metadata.namespace;
    if (inChange.has(objectKey(ref.kind, ns, ref.name))) return true;
    if (ref.kind !== 'ReplicaSet') return false;
    const rs = live.replicaSets.find(
      (r) => r.metadata.namespace === ns && r.metadata.name === ref.name,
    );
    const d = rs ? controllerRef(rs) : undefined;
    const deployment = d?.kind === 'Deployment' ? d.name : ref.name.replace(/-[^-]+$/, '');
    return inChange.has(objectKey('Deployment', ns, deployment));
  };
  for (const [field, list] of Object.entries(live)) {
    if (!Array.isArray(list) || field === 'logs') continue;
    const target = (snapshot as unknown as Record<string, KubeObject[]>)[field];
    if (!target) continue;
    for (const o of list as KubeObject[]) {
      const kind = o.kind ?? '';
      const k = objectKey(kind, o.metadata.namespace, o.metadata.name);
      if (inChange.has(k)) continue;
      if (field === 'pods' && replacedPod(o as Pod)) continue;
      if (field === 'endpointSlices') {
        const svc = o.metadata.labels?.['kubernetes.io/service-name'];
        if (svc && inChange.has(objectKey('Service', o.metadata.namespace, svc))) continue;
      }
      if (
        field === 'endpoints' &&
        inChange.has(objectKey('Service', o.metadata.namespace, o.metadata.name))
      )
        continue;
      target.push(o);
      origins.set(k, { from: 'cluster' });
    }
  }
  snapshot.unavailable = { ...live.unavailable };
}
