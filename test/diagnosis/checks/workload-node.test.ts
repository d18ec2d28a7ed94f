import { describe, expect, it } from 'vitest';
import { nodeNotReady } from '../../../src/diagnosis/checks/node/not-ready.js';
import { pvcUnbound } from '../../../src/diagnosis/checks/storage/pvc-unbound.js';
import { hpaMaxed } from '../../../src/diagnosis/checks/autoscaling/hpa-maxed.js';
import { recentChange } from '../../../src/diagnosis/checks/rollout/recent-change.js';
import { resolveIntOrPercent } from '../../../src/diagnosis/checks/rollout/shared.js';
import {
  rolloutStalled,
  rolloutStatusText,
} from '../../../src/diagnosis/checks/rollout/stalled.js';
import { unsafeStrategy } from '../../../src/diagnosis/checks/rollout/unsafe-strategy.js';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import {
  NS,
  container,
  contextFor,
  deployment,
  pod,
  replicaSet,
  service,
  snapshotOf,
} from '../fixtures.js';

const labels = { app: 'api' };
const svc = service('api', labels);

describe('workload checks', () => {
  it('resolves maxUnavailable/maxSurge as the deployment controller does', () => {
    expect(resolveIntOrPercent('25%', 3, false, '25%')).toBe(0);
    expect(resolveIntOrPercent('25%', 3, true, '25%')).toBe(1);
    expect(resolveIntOrPercent(undefined, 8, false, '25%')).toBe(2);
    expect(resolveIntOrPercent('100%', 3, false, '25%')).toBe(3);
  });

  it('rollout.unsafe-strategy flags maxUnavailable that allows zero ready pods, and Recreate', () => {
    const risky = deployment('api', labels, {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '100%', maxSurge: 0 } },
    });
    const [f] = unsafeStrategy.run(
      contextFor(snapshotOf({ services: [svc], deployments: [risky] }), [svc]),
    );
    expect(f?.severity).toBe('warning');
    expect(f?.remediations[0]?.id).toBe('patch-rollout-strategy');
    const recreate = deployment('api', labels, { strategy: { type: 'Recreate' } });
    expect(
      unsafeStrategy.run(
        contextFor(snapshotOf({ services: [svc], deployments: [recreate] }), [svc]),
      )[0]?.title,
    ).toContain('Recreate');
    const safe = deployment('api', labels);
    expect(
      unsafeStrategy.run(contextFor(snapshotOf({ services: [svc], deployments: [safe] }), [svc])),
    ).toEqual([]);
  });

  it('rollout.unsafe-strategy is critical while the rollout it allowed has drained the Service', () => {
    // As the API serves it mid-rollout: every pod updated, none available yet, not complete.
    const draining = (reason: string) =>
      deployment(
        'api',
        labels,
        {
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxUnavailable: '100%', maxSurge: 0 },
          },
        },
        {
          updatedReplicas: 3,
          readyReplicas: 0,
          availableReplicas: undefined,
          unavailableReplicas: 3,
          conditions: [{ type: 'Progressing', status: 'True', reason }],
        },
      );
    const unready = [1, 2, 3].map((i) => pod(`api-b-${i}`, labels, { ready: false }));
    const run = (d: ReturnType<typeof deployment>) =>
      unsafeStrategy.run(
        contextFor(snapshotOf({ services: [svc], pods: unready, deployments: [d] }), [svc]),
      )[0];
    const now = run(draining('ReplicaSetUpdated'));
    expect(now?.severity).toBe('critical');
    expect(now?.detail).toContain('which is happening now');
    // Pods lost after the rollout completed are another check's business: the risk stays a warning.
    expect(run(draining('NewReplicaSetAvailable'))?.severity).toBe('warning');
  });

  it('rollout.stalled reads ProgressDeadlineExceeded and offers a rollback', () => {
    const d = deployment(
      'api',
      labels,
      {},
      {
        availableReplicas: 0,
        updatedReplicas: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "api-bbb" has timed out progressing.',
          },
        ],
      },
    );
    const rs2 = replicaSet('api-bbb', d, 2, '2026-01-01T14:01:00Z');
    const rs1 = replicaSet('api-aaa', d, 1, '2025-12-01T14:01:00Z');
    const p = pod('api-bbb-1', labels, { rs: 'api-bbb', ready: false });
    const [f] = rolloutStalled.run(
      contextFor(
        snapshotOf({ services: [svc], pods: [p], deployments: [d], replicaSets: [rs1, rs2] }),
        [svc],
      ),
    );
    expect(f?.severity).toBe('critical');
    expect(f?.remediations[0]?.id).toBe('rollout-undo');
  });

  it('shows `kubectl rollout status --watch=false` with the line kubectl prints at each stage', () => {
    const status = (over: Parameters<typeof deployment>[3], gen = 2) => {
      const d = deployment('api', labels, {}, over);
      d.metadata.generation = gen;
      return rolloutStatusText(d);
    };
    const wait = 'Waiting for deployment "api" rollout to finish: ';
    expect(status({}, 3)).toBe('Waiting for deployment spec update to be observed...');
    expect(
      status({
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
    ).toBe('error: deployment "api" exceeded its progress deadline');
    expect(status({ updatedReplicas: 1, replicas: 4 })).toBe(
      `${wait}1 out of 3 new replicas have been updated...`,
    );
    expect(status({ replicas: 5 })).toBe(`${wait}2 old replicas are pending termination...`);
    expect(status({ availableReplicas: 1 })).toBe(
      `${wait}1 of 3 updated replicas are available...`,
    );
    expect(status({})).toBe('deployment "api" successfully rolled out');
  });

  it('rollout.recent-change shows what changed in the new revision', () => {
    const d = deployment('api', labels);
    const rs2 = replicaSet('api-bbb', d, 2, '2026-01-01T14:01:20Z', [
      container({ image: 'api:2', readinessProbe: { httpGet: { port: 8081 } } }),
    ]);
    const rs1 = replicaSet('api-aaa', d, 1, '2025-12-30T10:00:00Z', [
      container({ image: 'api:1' }),
    ]);
    const p = pod('api-bbb-1', labels, { rs: 'api-bbb', ready: false });
    const [f] = recentChange.run(
      contextFor(
        snapshotOf({ services: [svc], pods: [p], deployments: [d], replicaSets: [rs2, rs1] }),
        [svc],
      ),
    );
    expect(f?.title).toContain('revision 2');
    expect(f?.detail).toContain('image (app): "api:1" → "api:2"');
    expect(f?.detail).toContain('readinessProbe');
    expect(f?.remediations[0]?.id).toBe('rollout-undo');
  });

  it('autoscaling.hpa-maxed fires only while the service fails', () => {
    const d = deployment('api', labels);
    const hpa = {
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: NS },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 3 },
      status: { currentReplicas: 3, desiredReplicas: 5 },
    };
    const failing = [pod('api-1', labels, { ready: false, rs: 'api-x' })];
    const rs = replicaSet('api-x', d, 1, '2025-01-01T00:00:00Z');
    expect(
      hpaMaxed.run(
        contextFor(
          snapshotOf({
            services: [svc],
            pods: failing,
            deployments: [d],
            replicaSets: [rs],
            hpas: [hpa],
          }),
          [svc],
        ),
      )[0]?.title,
    ).toContain('maximum of 3');
    const fine = [pod('api-1', labels, { rs: 'api-x' })];
    expect(
      hpaMaxed.run(
        contextFor(
          snapshotOf({
            services: [svc],
            pods: fine,
            deployments: [d],
            replicaSets: [rs],
            hpas: [hpa],
          }),
          [svc],
        ),
      ),
    ).toEqual([]);
  });
});

describe('node checks', () => {
  const node = (
    name: string,
    ready: string,
    extra: { type: string; status: 'True' | 'False' }[] = [],
  ) => ({
    kind: 'Node',
    metadata: { name },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: ready as 'True' | 'False' | 'Unknown',
          reason: ready === 'True' ? 'KubeletReady' : 'NodeStatusUnknown',
        },
        ...extra,
      ],
    },
  });

  it('node.not-ready names the backends on NotReady nodes and under pressure', () => {
    const ps = [pod('p1', labels, { node: 'n1', ready: false }), pod('p2', labels, { node: 'n2' })];
    const [f] = nodeNotReady.run(
      contextFor(
        snapshotOf({
          services: [svc],
          pods: ps,
          nodes: [
            node('n1', 'Unknown'),
            node('n2', 'True', [{ type: 'MemoryPressure', status: 'True' }]),
          ],
        }),
        [svc],
      ),
    );
    expect(f?.title).toContain('n1 (Ready=Unknown (NodeStatusUnknown))');
    expect(f?.title).toContain('n2 (MemoryPressure)');
    expect(f?.severity).toBe('warning');
    expect(
      nodeNotReady.run(
        contextFor(
          snapshotOf({
            services: [svc],
            pods: [pod('p1', labels, { node: 'n1' })],
            nodes: [node('n1', 'True')],
          }),
          [svc],
        ),
      ),
    ).toEqual([]);
  });

  it('storage.pvc-unbound names the Pending claim the pods wait on', () => {
    const p = pod('db-0', labels, { ready: false, phase: 'Pending' });
    p.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }];
    const pvc = {
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-db-0', namespace: NS },
      spec: { storageClassName: 'fast-ssd' },
      status: { phase: 'Pending' },
    };
    const [f] = pvcUnbound.run(
      contextFor(snapshotOf({ services: [svc], pods: [p], pvcs: [pvc] }), [svc]),
    );
    expect(f?.title).toContain('data-db-0 is Pending');
    expect(f?.severity).toBe('critical');
  });

  it('ranks a NotReady node above the not-ready pods it explains', () => {
    const ps = [pod('p1', labels, { node: 'n1', ready: false })];
    const r = diagnose(snapshotOf({ services: [svc], pods: ps, nodes: [node('n1', 'Unknown')] }), {
      kind: 'Service',
      name: 'api',
      namespace: NS,
      cluster: 't',
    });
    expect(r.rootCause).toBe('node.not-ready');
    expect(r.findings.map((f) => f.check)).toEqual(
      expect.arrayContaining(['node.not-ready', 'pod.not-ready', 'service.no-endpoints']),
    );
  });
});
