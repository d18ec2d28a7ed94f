import { describe, expect, it } from 'vitest';
import { configError } from '../../../src/diagnosis/checks/pod/config-error.js';
import { crashloop } from '../../../src/diagnosis/checks/pod/crashloop.js';
import { imagePull } from '../../../src/diagnosis/checks/pod/image-pull.js';
import { noPods } from '../../../src/diagnosis/checks/pod/no-pods.js';
import { notReady } from '../../../src/diagnosis/checks/pod/not-ready.js';
import { oomKilled } from '../../../src/diagnosis/checks/pod/oom-killed.js';
import { probeMisconfigured } from '../../../src/diagnosis/checks/pod/probe-misconfigured.js';
import { resourceStarvation } from '../../../src/diagnosis/checks/pod/resource-starvation.js';
import { unschedulable } from '../../../src/diagnosis/checks/pod/unschedulable.js';
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
const d = deployment('api', labels);
const rs2 = replicaSet('api-bbb', d, 2, '2026-01-01T14:01:20Z', [container({ image: 'api:2' })]);
const rs1 = replicaSet('api-aaa', d, 1, '2025-12-30T10:00:00Z', [container({ image: 'api:1' })]);

function ctxWith(pods: ReturnType<typeof pod>[], extra = {}) {
  return contextFor(
    snapshotOf({ services: [svc], pods, deployments: [d], replicaSets: [rs2, rs1], ...extra }),
    [svc],
  );
}

describe('pod checks', () => {
  it('pod.crashloop carries the last exit code and reason, the log tail, and a rollback to the previous revision', () => {
    const p = pod('api-bbb-1', labels, {
      rs: 'api-bbb',
      ready: false,
      waiting: { reason: 'CrashLoopBackOff' },
      last: { reason: 'Error', exitCode: 1 },
      restarts: 6,
    });
    const ctx = ctxWith([p], {
      logs: [
        { namespace: NS, pod: 'api-bbb-1', container: 'app', text: 'panic: DATABASE_URL not set' },
      ],
    });
    const [f] = crashloop.run(ctx);
    expect(f?.severity).toBe('critical');
    expect(f?.title).toContain('last exit 1 (Error)');
    expect(f?.detail).toContain('panic: DATABASE_URL not set');
    expect(f?.remediations[0]?.id).toBe('rollout-undo');
    expect(f?.remediations[0]?.kubectl).toContain('--to-revision=1');
  });

  it('pod.oom-killed reports limit vs request and plans a bounded memory raise; crashloop leaves it to oom-killed', () => {
    const c = container({
      resources: { limits: { memory: '256Mi' }, requests: { memory: '128Mi' } },
    });
    const p = pod('api-bbb-1', labels, {
      rs: 'api-bbb',
      ready: false,
      containers: [c],
      waiting: { reason: 'CrashLoopBackOff' },
      last: { reason: 'OOMKilled', exitCode: 137 },
    });
    const dd = {
      ...d,
      spec: { ...d.spec, template: { ...d.spec.template, spec: { containers: [c] } } },
    };
    const ctx = contextFor(
      snapshotOf({ services: [svc], pods: [p], deployments: [dd], replicaSets: [rs2] }),
      [svc],
    );
    const [f] = oomKilled.run(ctx);
    expect(f?.title).toContain('memory limit 256Mi, request 128Mi');
    expect(f?.remediations[0]).toMatchObject({
      id: 'patch-resources',
      params: { memoryLimit: '512Mi', memoryBytes: 512 * 1024 ** 2 },
    });
    expect(crashloop.run(ctx)).toEqual([]);
  });

  it('pod.image-pull, pod.config-error and pod.unschedulable read the waiting reason and the scheduler condition', () => {
    const pull = pod('p1', labels, {
      ready: false,
      phase: 'Pending',
      waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "api:typo"' },
    });
    expect(imagePull.run(ctxWith([pull]))[0]?.detail).toContain('api:typo');
    const cfg = pod('p2', labels, {
      ready: false,
      phase: 'Pending',
      containers: [
        container({
          env: [{ name: 'DB', valueFrom: { configMapKeyRef: { name: 'api-config', key: 'db' } } }],
        }),
      ],
      waiting: {
        reason: 'CreateContainerConfigError',
        message: 'configmap "api-config" not found',
      },
    });
    expect(configError.run(ctxWith([cfg]))[0]?.detail).toContain('ConfigMap api-config');
    const pending = { ...pod('p3', labels, { ready: false, phase: 'Pending' }) };
    pending.status = {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/3 nodes are available: 3 Insufficient cpu.',
        },
      ],
    };
    expect(unschedulable.run(ctxWith([pending]))[0]?.title).toContain('Insufficient cpu');
  });

  it('pod.not-ready is critical when nothing serves, a warning when others still do, and offers a startup probe and a restart', () => {
    const c = container({ readinessProbe: { httpGet: { path: '/ready', port: 8080 } } });
    const dd = {
      ...d,
      spec: { ...d.spec, template: { ...d.spec.template, spec: { containers: [c] } } },
    };
    const bad = pod('api-bbb-1', labels, { rs: 'api-bbb', ready: false, containers: [c] });
    const ctxAll = contextFor(
      snapshotOf({ services: [svc], pods: [bad], deployments: [dd], replicaSets: [rs2] }),
      [svc],
    );
    const [f] = notReady.run(ctxAll);
    expect(f?.severity).toBe('critical');
    expect(f?.remediations.map((r) => r.id)).toEqual(['add-startup-probe', 'rollout-restart']);
    const good = pod('api-bbb-2', labels, { rs: 'api-bbb', containers: [c] });
    const ctxSome = contextFor(
      snapshotOf({ services: [svc], pods: [bad, good], deployments: [dd], replicaSets: [rs2] }),
      [svc],
    );
    expect(notReady.run(ctxSome)[0]?.severity).toBe('warning');
  });

  it('pod.probe-misconfigured catches a probe on a port the container does not expose', () => {
    const c = container({ readinessProbe: { httpGet: { path: '/healthz', port: 9000 } } });
    const p = pod('p1', labels, { ready: false, containers: [c] });
    const [f] = probeMisconfigured.run(ctxWith([p]));
    expect(f?.title).toContain('port 9000');
    const ok = pod('p2', labels, {
      containers: [container({ readinessProbe: { httpGet: { port: 'http' } } })],
    });
    expect(probeMisconfigured.run(ctxWith([ok]))).toEqual([]);
  });

  it('pod.resource-starvation reads pod metrics against limits', () => {
    const c = container({ resources: { limits: { memory: '100Mi', cpu: '1' } } });
    const p = pod('api-bbb-1', labels, { rs: 'api-bbb', containers: [c] });
    const metrics = [
      {
        kind: 'PodMetrics',
        metadata: { name: 'api-bbb-1', namespace: NS },
        containers: [{ name: 'app', usage: { memory: '97Mi', cpu: '200m' } }],
      },
    ];
    const [f] = resourceStarvation.run(ctxWith([p], { podMetrics: metrics }));
    expect(f?.title).toContain('97% of its memory limit');
    expect(f?.remediations.map((r) => r.id)).toEqual(['patch-resources', 'scale-workload']);
  });

  it('pod.no-pods explains a Deployment scaled to zero and plans a scale-up', () => {
    const zero = deployment('api', labels, { replicas: 0 }, { replicas: 0, availableReplicas: 0 });
    const ctx = contextFor(snapshotOf({ services: [svc], deployments: [zero] }), [svc]);
    const [f] = noPods.run(ctx);
    expect(f?.title).toContain('scaled to 0');
    expect(f?.remediations[0]?.id).toBe('scale-workload');
  });

  it('a healthy Service with ready pods yields verdict healthy and no finding', () => {
    const ps = [1, 2, 3].map((i) => pod(`api-aaa-${i}`, labels, { rs: 'api-aaa' }));
    const snap = snapshotOf({ services: [svc], pods: ps, deployments: [d], replicaSets: [rs1] });
    const r = diagnose(snap, { kind: 'Service', name: 'api', namespace: NS, cluster: 't' });
    expect(r.verdict).toBe('healthy');
    expect(r.findings).toEqual([]);
    expect(r.rootCause).toBeNull();
  });
});
