import { describe, expect, it } from 'vitest';
import { noEndpoints } from '../../../src/diagnosis/checks/service/no-endpoints.js';
import { portMismatch } from '../../../src/diagnosis/checks/service/port-mismatch.js';
import { selectorMismatch } from '../../../src/diagnosis/checks/service/selector-mismatch.js';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import { NS, contextFor, deployment, pod, replicaSet, service, snapshotOf } from '../fixtures.js';

describe('service.selector-mismatch', () => {
  const d = deployment('api', { app: 'api-service' });
  const rs = replicaSet('api-7d9f', d, 1, '2026-01-01T13:00:00Z');
  const pods = [1, 2, 3].map((i) =>
    pod(`api-7d9f-${i}`, { app: 'api-service', 'pod-template-hash': '7d9f' }, { rs: 'api-7d9f' }),
  );

  it('names the nearest labels for a typo (the seed: app: api-svc vs app: api-service) and plans the selector patch', () => {
    const svc = service('api-service', { app: 'api-svc' });
    const [f] = selectorMismatch.run(
      contextFor(snapshotOf({ services: [svc], pods, deployments: [d], replicaSets: [rs] }), [svc]),
    );
    expect(f?.severity).toBe('critical');
    expect(f?.title).toContain('app: api-svc vs api-service');
    expect(f?.detail).toContain('Deployment api');
    const plan = f?.remediations[0];
    expect(plan?.id).toBe('patch-service-selector');
    expect(plan?.mutation).toEqual({
      type: 'json-patch',
      ops: [
        { op: 'test', path: '/spec/selector', value: { app: 'api-svc' } },
        { op: 'replace', path: '/spec/selector', value: { app: 'api-service' } },
      ],
    });
    expect(plan?.inverse).toMatchObject({ type: 'json-patch' });
    expect(plan?.kubectl).toMatch(/^kubectl patch service api-service -n prod --type=json/);
  });

  it('describes the nearest pods by the labels they share, not per-pod topology labels', () => {
    // Kubernetes 1.35+ copies the node's zone onto each pod at binding.
    const zoned = pods.map((p, i) => ({
      ...p,
      metadata: {
        ...p.metadata,
        labels: { ...p.metadata.labels, 'topology.kubernetes.io/zone': `zone-${i}` },
      },
    }));
    const svc = service('api-service', { app: 'api-svc' });
    const [f] = selectorMismatch.run(
      contextFor(
        snapshotOf({ services: [svc], pods: zoned, deployments: [d], replicaSets: [rs] }),
        [svc],
      ),
    );
    expect(f?.detail).toContain('(3 pod(s)), labelled app=api-service.');
    expect(f?.remediations[0]?.mutation).toMatchObject({
      ops: [expect.anything(), { value: { app: 'api-service' } }],
    });
  });

  it('explains a key whose case differs (App vs app)', () => {
    const svc = service('api-service', { App: 'api-service' });
    const [f] = selectorMismatch.run(
      contextFor(snapshotOf({ services: [svc], pods, deployments: [d], replicaSets: [rs] }), [svc]),
    );
    expect(f?.detail).toContain('labels are case-sensitive');
    expect(f?.remediations[0]?.mutation).toMatchObject({
      ops: [expect.anything(), { value: { app: 'api-service' } }],
    });
  });

  it('finds the one wrong key among several and keeps the right ones', () => {
    const labels = { app: 'api-service', tier: 'backend', track: 'stable' };
    const ps = [pod('p1', labels), pod('p2', { app: 'web', tier: 'frontend', track: 'stable' })];
    const svc = service('api-service', { app: 'api-service', tier: 'backend', track: 'stabel' });
    const [f] = selectorMismatch.run(contextFor(snapshotOf({ services: [svc], pods: ps }), [svc]));
    expect(f?.title).toContain('track: stabel vs stable');
    expect(f?.detail).toContain('app: api-service matches');
    expect(f?.remediations[0]?.mutation).toMatchObject({
      ops: [expect.anything(), { value: labels }],
    });
  });

  it('says when the matching pods live in another namespace, without a patch', () => {
    const svc = service('api-service', { app: 'api-service' });
    const elsewhere = {
      ...pod('api-1', { app: 'api-service' }),
      metadata: { name: 'api-1', namespace: 'staging', labels: { app: 'api-service' } },
    };
    const [f] = selectorMismatch.run(
      contextFor(snapshotOf({ services: [svc], pods: [elsewhere, pod('other', { app: 'db' })] }), [
        svc,
      ]),
    );
    expect(f?.detail).toContain('only in namespace staging');
    expect(f?.remediations).toEqual([]);
  });

  it('stays quiet when the selector matches', () => {
    const svc = service('api-service', { app: 'api-service' });
    expect(selectorMismatch.run(contextFor(snapshotOf({ services: [svc], pods }), [svc]))).toEqual(
      [],
    );
  });
});

describe('service.port-mismatch', () => {
  it('flags a numeric targetPort no pod exposes and plans the container port', () => {
    const svc = service('api', { app: 'api' }, [{ name: 'http', port: 80, targetPort: 9090 }]);
    const [f] = portMismatch.run(
      contextFor(snapshotOf({ services: [svc], pods: [pod('p1', { app: 'api' })] }), [svc]),
    );
    expect(f?.severity).toBe('critical');
    expect(f?.remediations[0]?.id).toBe('patch-service-target-port');
    expect(f?.remediations[0]?.mutation).toMatchObject({
      ops: [
        { op: 'test', path: '/spec/ports/0/port', value: 80 },
        { op: 'test', path: '/spec/ports/0/targetPort', value: 9090 },
        { op: 'replace', value: 8080 },
      ],
    });
  });

  it('flags a named targetPort that names no container port', () => {
    const svc = service('api', { app: 'api' }, [{ name: 'http', port: 80, targetPort: 'web' }]);
    const [f] = portMismatch.run(
      contextFor(snapshotOf({ services: [svc], pods: [pod('p1', { app: 'api' })] }), [svc]),
    );
    expect(f?.detail).toContain('named targetPort');
  });

  it('is a warning when only one port of a multi-port Service is wrong, and quiet when all map', () => {
    const bad = service('api', { app: 'api' }, [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'metrics', port: 9090, targetPort: 9191 },
    ]);
    const ctx = contextFor(snapshotOf({ services: [bad], pods: [pod('p1', { app: 'api' })] }), [
      bad,
    ]);
    expect(portMismatch.run(ctx).map((f) => f.severity)).toEqual(['warning']);
    const good = service('api', { app: 'api' }, [{ name: 'http', port: 80, targetPort: 'http' }]);
    expect(
      portMismatch.run(
        contextFor(snapshotOf({ services: [good], pods: [pod('p1', { app: 'api' })] }), [good]),
      ),
    ).toEqual([]);
  });
});

describe('service.no-endpoints', () => {
  it('reports matching pods none of which is ready', () => {
    const svc = service('api', { app: 'api' });
    const [f] = noEndpoints.run(
      contextFor(
        snapshotOf({ services: [svc], pods: [pod('p1', { app: 'api' }, { ready: false })] }),
        [svc],
      ),
    );
    expect(f?.title).toContain('no ready endpoint');
  });
});

describe('diagnose()', () => {
  it('ranks the selector mismatch as the root cause and reports service.not-found with nearest names', () => {
    const svc = service('api-service', { app: 'api-svc' });
    const snap = snapshotOf({
      services: [svc, service('web', { app: 'web' })],
      pods: [pod('p1', { app: 'api-service' })],
    });
    const r = diagnose(snap, { kind: 'Service', name: 'api-service', namespace: NS, cluster: 't' });
    expect(r.verdict).toBe('unhealthy');
    expect(r.rootCause).toBe('service.selector-mismatch');
    const missing = diagnose(snap, {
      kind: 'Service',
      name: 'api-servce',
      namespace: NS,
      cluster: 't',
    });
    expect(missing.rootCause).toBe('service.not-found');
    expect(missing.findings[0]?.detail).toContain('Nearest names: api-service');
  });

  it('calls one unready pod of three degraded, with no critical finding', () => {
    const svc = service('api', { app: 'api' });
    const ps = [
      pod('p1', { app: 'api' }),
      pod('p2', { app: 'api' }),
      pod('p3', { app: 'api' }, { ready: false }),
    ];
    const r = diagnose(snapshotOf({ services: [svc], pods: ps }), {
      kind: 'Service',
      name: 'api',
      namespace: NS,
      cluster: 't',
    });
    expect(r.verdict).toBe('degraded');
    expect(r.findings.filter((f) => f.severity === 'critical')).toEqual([]);
    expect(r.rootCause).toBe('pod.not-ready');
  });

  it('reports a check whose kind could not be read as skipped, with the reason', () => {
    const svc = service('api', { app: 'api' });
    const snap = snapshotOf({
      services: [svc],
      pods: [pod('p1', { app: 'api' })],
      unavailable: { networkPolicies: 'networkpolicies.networking.k8s.io is forbidden' },
    });
    const r = diagnose(snap, { kind: 'Service', name: 'api', namespace: NS, cluster: 't' });
    expect(r.skipped).toContainEqual({
      check: 'netpol.ingress-blocked',
      reason: 'networkPolicies: networkpolicies.networking.k8s.io is forbidden',
    });
    expect(r.verdict).toBe('healthy');
  });
});
