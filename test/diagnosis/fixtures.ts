// Small builders of API objects for unit tests of the pure diagnosis.
import type {
  Container,
  Deployment,
  Pod,
  ReplicaSet,
  Service,
} from '../../src/cluster/k8s-types.js';
import { type Snapshot, emptySnapshot } from '../../src/cluster/snapshot.js';
import { DiagnosisContext } from '../../src/diagnosis/context.js';
import type { Target } from '../../src/diagnosis/types.js';

export const NS = 'prod';
export const NOW = new Date('2026-01-01T14:10:00Z');

export function service(
  name: string,
  selector: Record<string, string>,
  ports = [{ name: 'http', port: 80, targetPort: 8080 as number | string }],
): Service {
  return {
    kind: 'Service',
    metadata: { name, namespace: NS, uid: `uid-svc-${name}`, resourceVersion: '10' },
    spec: { selector, ports },
  };
}

export function container(over: Partial<Container> = {}): Container {
  return { name: 'app', image: 'api:2', ports: [{ name: 'http', containerPort: 8080 }], ...over };
}

export interface PodOptions {
  ready?: boolean;
  phase?: string;
  rs?: string;
  node?: string;
  containers?: Container[];
  waiting?: { reason: string; message?: string };
  last?: { reason: string; exitCode: number; finishedAt?: string };
  restarts?: number;
  readySince?: string;
}

export function pod(name: string, labels: Record<string, string>, o: PodOptions = {}): Pod {
  const ready = o.ready ?? true;
  const containers = o.containers ?? [container()];
  return {
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      labels,
      ownerReferences: o.rs ? [{ kind: 'ReplicaSet', name: o.rs, controller: true }] : undefined,
    },
    spec: { nodeName: o.node ?? 'node-a', containers },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastTransitionTime: o.readySince ?? '2026-01-01T14:02:00Z',
        },
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name,
        ready,
        restartCount: o.restarts ?? 0,
        state: o.waiting
          ? { waiting: o.waiting }
          : { running: { startedAt: '2026-01-01T14:00:00Z' } },
        lastState: o.last
          ? {
              terminated: {
                reason: o.last.reason,
                exitCode: o.last.exitCode,
                finishedAt: o.last.finishedAt ?? '2026-01-01T14:05:00Z',
              },
            }
          : undefined,
      })),
    },
  };
}

export function deployment(
  name: string,
  labels: Record<string, string>,
  over: Partial<Deployment['spec']> = {},
  status: Deployment['status'] = {},
): Deployment {
  return {
    kind: 'Deployment',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-deploy-${name}`,
      generation: 2,
      resourceVersion: '20',
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [container()] } },
      ...over,
    },
    status: {
      observedGeneration: 2,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      ...status,
    },
  };
}

export function replicaSet(
  name: string,
  deploy: Deployment,
  revision: number,
  created: string,
  containers: Container[] = deploy.spec.template.spec.containers,
): ReplicaSet {
  return {
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: NS,
      creationTimestamp: created,
      labels: {
        ...(deploy.spec.template.metadata?.labels ?? {}),
        'pod-template-hash': name.split('-').at(-1) as string,
      },
      annotations: { 'deployment.kubernetes.io/revision': String(revision) },
      ownerReferences: [{ kind: 'Deployment', name: deploy.metadata.name, controller: true }],
    },
    spec: {
      replicas: 3,
      selector: deploy.spec.selector,
      template: {
        metadata: { labels: deploy.spec.template.metadata?.labels },
        spec: { containers },
      },
    },
    status: { replicas: 3, readyReplicas: 0 },
  };
}

export function snapshotOf(fill: Partial<Snapshot>): Snapshot {
  return { ...emptySnapshot(NOW.toISOString()), ...fill };
}

export function contextFor(
  snapshot: Snapshot,
  services: Service[],
  target: Partial<Target> = {},
): DiagnosisContext {
  return new DiagnosisContext({
    snapshot,
    target: {
      kind: 'Service',
      name: services[0]?.metadata.name ?? 'x',
      cluster: 'test',
      ...target,
      namespace: NS,
    },
    services,
    now: NOW,
  });
}
