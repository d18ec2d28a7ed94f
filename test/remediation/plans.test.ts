// The pure parts of remediation: plan builders (as kubectl would change the object), clamping to
// the policy's bounds, restart stamps, stale-plan reasons, pinned inverses and the diff in words.
import { describe, expect, it } from 'vitest';
import type { Deployment, ReplicaSet } from '../../src/cluster/k8s-types.js';
import { pinInverse, staleReason } from '../../src/remediation/apply.js';
import { mutationChanges, renderChanges } from '../../src/remediation/diff.js';
import { allowNetpolPort } from '../../src/diagnosis/fixes/allow-netpol-port.js';
import type { PlanBounds } from '../../src/diagnosis/fixes/define.js';
import { patchResources } from '../../src/diagnosis/fixes/patch-resources.js';
import { patchRolloutStrategy } from '../../src/diagnosis/fixes/patch-rollout-strategy.js';
import { patchServiceSelector } from '../../src/diagnosis/fixes/patch-service-selector.js';
import { fixOf } from '../../src/diagnosis/fixes/registry.js';
import { RESTARTED_AT } from '../../src/diagnosis/fixes/restart.js';
import { rolloutRestart } from '../../src/diagnosis/fixes/rollout-restart.js';
import { rolloutUndo } from '../../src/diagnosis/fixes/rollout-undo.js';
import { scaleWorkload } from '../../src/diagnosis/fixes/scale-workload.js';
import type { JsonPatchOp, RemediationPlan } from '../../src/diagnosis/fixes/types.js';

/** What the approval runtime does with a plan: the fix's clamp and restamp, when it has them. */
const clampToBounds = (plan: RemediationPlan, b: PlanBounds) =>
  fixOf(plan.id).clamp?.(plan, b) ?? { ok: true, plan };
const restamp = (plan: RemediationPlan, at: Date) => fixOf(plan.id).restamp?.(plan, at) ?? plan;

const bounds = (maxReplicas: number, maxMemory = '4Gi', bytes = 4 * 1024 ** 3) => ({
  maxReplicas,
  maxMemory,
  maxMemoryBytes: bytes,
});

function deployment(
  over: Partial<Deployment['spec']> = {},
  annotations?: Record<string, string>,
): Deployment {
  return {
    metadata: { name: 'web', namespace: 'prod', uid: 'uid-1', annotations },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'app', image: 'web:2', resources: { limits: { memory: '128Mi' } } }],
        },
      },
      ...over,
    },
  };
}

const ops = (p: { mutation: { type: string } }) =>
  (p.mutation as { type: 'json-patch'; ops: JsonPatchOp[] }).ops;

describe('rollout restart', () => {
  it('stamps restartedAt as kubectl does (RFC 3339, seconds), pinning the template metadata it creates', () => {
    const plan = rolloutRestart('Deployment', deployment(), new Date('2026-01-01T14:02:03.456Z'), [
      'pod.not-ready',
    ]);
    expect(ops(plan)).toEqual([
      { op: 'test', path: '/metadata/uid', value: 'uid-1' },
      { op: 'test', path: '/spec/template/metadata', value: { labels: { app: 'web' } } },
      {
        op: 'add',
        path: '/spec/template/metadata/annotations',
        value: { [RESTARTED_AT]: '2026-01-01T14:02:03Z' },
      },
    ]);
    expect(plan.inverse).toBeUndefined();
  });

  it('is stamped again with the time it is applied', () => {
    const d = deployment();
    d.spec.template.metadata = { labels: { app: 'web' }, annotations: { team: 'a' } };
    const plan = rolloutRestart('Deployment', d, new Date('2026-01-01T14:00:00Z'), []);
    const later = restamp(plan, new Date('2026-01-01T15:30:00.999Z'));
    expect(ops(later).at(-1)).toEqual({
      op: 'add',
      path: '/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt',
      value: '2026-01-01T15:30:00Z',
    });
    expect(restamp(scaleWorkload('Deployment', d, 3, []), new Date())).toEqual(
      scaleWorkload('Deployment', d, 3, []),
    );
  });
});

describe('rollout undo', () => {
  it('restores the previous template without its hash label, and the ReplicaSet’s change-cause', () => {
    const d = deployment(
      {},
      {
        'deployment.kubernetes.io/revision': '2',
        'kubernetes.io/change-cause': 'deploy web:2',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
      },
    );
    const rs = (rev: string, image: string, cause: string): ReplicaSet => ({
      metadata: {
        name: `web-${rev}`,
        namespace: 'prod',
        annotations: {
          'deployment.kubernetes.io/revision': rev,
          'kubernetes.io/change-cause': cause,
        },
      },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web', 'pod-template-hash': `h${rev}` } },
          spec: { containers: [{ name: 'app', image }] },
        },
      },
    });
    const plan = rolloutUndo(
      d,
      rs('2', 'web:2', 'deploy web:2'),
      rs('1', 'web:1', 'deploy web:1'),
      [],
    );
    expect(ops(plan)).toEqual([
      { op: 'test', path: '/spec/template', value: d.spec.template },
      {
        op: 'replace',
        path: '/spec/template',
        value: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'web:1' }] },
        },
      },
      {
        op: 'add',
        path: '/metadata/annotations/kubernetes.io~1change-cause',
        value: 'deploy web:1',
      },
    ]);
    expect(ops({ mutation: plan.inverse! }).slice(1)).toEqual([
      { op: 'replace', path: '/spec/template', value: d.spec.template },
      {
        op: 'add',
        path: '/metadata/annotations/kubernetes.io~1change-cause',
        value: 'deploy web:2',
      },
    ]);
    expect(plan.kubectl).toBe('kubectl rollout undo deployment/web -n prod --to-revision=1');
  });
});

describe('bounds', () => {
  const d = deployment();

  it('leaves a scale within maxReplicas alone, clamps one above it, refuses one with no room', () => {
    const plan = scaleWorkload('Deployment', d, 5, ['pod.no-pods']);
    expect(clampToBounds(plan, bounds(10))).toEqual({ ok: true, plan });
    const clamped = clampToBounds(plan, bounds(3));
    expect(clamped).toMatchObject({
      ok: true,
      clamped: "clamped from 5 to 3 replicas by the policy's maxReplicas",
    });
    if (!clamped.ok) throw new Error('unreachable');
    expect(ops(clamped.plan)).toEqual([
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ]);
    expect(ops({ mutation: clamped.plan.inverse! })[0]).toEqual({
      op: 'test',
      path: '/spec/replicas',
      value: 3,
    });
    expect(clamped.plan.title).toBe('Scale Deployment web from 2 to 3 replicas');
    expect(clampToBounds(plan, bounds(2))).toEqual({
      ok: false,
      reason:
        'the approval policy allows at most 2 replica(s) and Deployment web already has 2; raise maxReplicas in the policy to scale it further',
    });
  });

  it('clamps a memory raise to maxMemory, and refuses when the limit is already at the bound', () => {
    const plan = patchResources('Deployment', d, 0, '512Mi', 512 * 1024 ** 2, ['pod.oom-killed']);
    const clamped = clampToBounds(plan, bounds(10, '200Mi', 200 * 1024 ** 2));
    if (!clamped.ok) throw new Error(clamped.reason);
    expect(clamped.clamped).toBe("clamped from 512Mi to 200Mi by the policy's maxMemory");
    expect(ops(clamped.plan).at(-1)).toEqual({
      op: 'replace',
      path: '/spec/template/spec/containers/0/resources',
      value: { limits: { memory: '200Mi' } },
    });
    expect(clampToBounds(plan, bounds(10, '128Mi', 128 * 1024 ** 2))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/at most 128Mi and app in Deployment web already has 128Mi/),
    });
  });
});

describe("bounds from the plan's parameters", () => {
  const d = deployment();

  it('rebuilds from the typed parameters, not from the patch text', () => {
    const plan = scaleWorkload('Deployment', d, 5, ['pod.no-pods']);
    // A patch edited after the plan was built (or written by hand) does not steer the clamp.
    const edited: RemediationPlan = {
      ...plan,
      mutation: { type: 'json-patch', ops: [{ op: 'test', path: '/spec/replicas', value: 99 }] },
    };
    const clamped = clampToBounds(edited, bounds(3));
    if (!clamped.ok) throw new Error(clamped.reason);
    expect(ops(clamped.plan)[0]).toEqual({ op: 'test', path: '/spec/replicas', value: 2 });
    expect(clamped.plan.params).toEqual({ kind: 'Deployment', from: 2, replicas: 3 });
  });

  it('refuses a bounded plan stored without parameters (made before they were kept)', () => {
    for (const plan of [
      scaleWorkload('Deployment', d, 5, ['pod.no-pods']),
      patchResources('Deployment', d, 0, '512Mi', 512 * 1024 ** 2, ['pod.oom-killed']),
    ]) {
      const stored = JSON.parse(JSON.stringify({ ...plan, params: undefined })) as RemediationPlan;
      expect(clampToBounds(stored, bounds(10)), plan.id).toEqual({
        ok: false,
        reason: expect.stringMatching(/carries no parameters .* diagnose again/),
      });
      // Parameters of the wrong shape are no better than none.
      const bad = { ...plan, params: { ...plan.params, kind: 'Pod' } };
      expect(clampToBounds(bad, bounds(10)).ok, plan.id).toBe(false);
    }
  });

  it('leaves fixes without bounds alone', () => {
    const plan = patchRolloutStrategy(d, ['rollout.unsafe-strategy']);
    expect(clampToBounds(plan, bounds(0, '1Mi', 1024 ** 2))).toEqual({ ok: true, plan });
  });
});

describe('stale plans and inverses', () => {
  const svc = {
    metadata: { name: 'api', namespace: 'prod', uid: 'u1' },
    spec: { selector: { app: 'api-svc' } },
  };
  const plan = patchServiceSelector(svc, { app: 'api' }, ['service.selector-mismatch']);

  it('names the field that moved, as it is now and as the plan expected it', () => {
    const now = { ...svc, spec: { selector: { app: 'other', tier: 'web' } } };
    expect(staleReason(plan.object, ops(plan), now)).toBe(
      'Service api changed since the diagnosis: selector is now app=other,tier=web (the plan was made for app=api-svc). Run the diagnosis again for a fresh plan.',
    );
    expect(staleReason(plan.object, ops(plan), svc)).toBeUndefined();
    const restart = rolloutRestart('Deployment', deployment(), new Date(), []);
    expect(
      staleReason(restart.object, ops(restart), {
        ...deployment(),
        metadata: { name: 'web', uid: 'uid-2' },
      }),
    ).toBe('Deployment web was deleted and created again since the diagnosis (it is a new object)');
  });

  it('pins the inverse to what the server stored, and a delete to the created uid', () => {
    const strategy = patchRolloutStrategy(deployment({ strategy: { type: 'Recreate' } }), []);
    const stored = {
      ...deployment(),
      spec: {
        ...deployment().spec,
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' },
          extra: 1,
        },
      },
    };
    expect(ops({ mutation: pinInverse(strategy.mutation, strategy.inverse, stored)! })).toEqual([
      { op: 'test', path: '/spec/strategy', value: stored.spec.strategy },
      { op: 'replace', path: '/spec/strategy', value: { type: 'Recreate' } },
    ]);
    const netpol = allowNetpolPort(svc, { app: 'api' }, 8080, []);
    expect(
      pinInverse(netpol.mutation, netpol.inverse, {
        metadata: { name: netpol.object.name, uid: 'np-1' },
      }),
    ).toEqual({
      type: 'delete',
      uid: 'np-1',
    });
  });
});

describe('the diff in words', () => {
  it('shows the fields a patch changes, a created object field by field, and a delete', () => {
    const svc = {
      metadata: { name: 'api', namespace: 'prod' },
      spec: { selector: { app: 'api-svc' } },
    };
    const plan = patchServiceSelector(svc, { app: 'api' }, []);
    const after = { ...svc, spec: { selector: { app: 'api' } } };
    expect(
      renderChanges(plan.object, plan.mutation, mutationChanges(plan.mutation, svc, after)),
    ).toBe('Service prod/api\n~ spec.selector: app=api-svc → app=api');
    const netpol = allowNetpolPort(svc, { app: 'api' }, 8080, []);
    expect(
      renderChanges(
        netpol.object,
        netpol.mutation,
        mutationChanges(netpol.mutation, undefined, undefined),
      ),
    ).toBe(
      [
        'NetworkPolicy prod/kubemedic-allow-api-8080: created',
        '+ spec.ingress[0].ports[0].port: 8080',
        '+ spec.ingress[0].ports[0].protocol: "TCP"',
        '+ spec.podSelector.matchLabels: app=api',
        '+ spec.policyTypes[0]: "Ingress"',
      ].join('\n'),
    );
    expect(renderChanges(netpol.object, { type: 'delete', uid: 'x' }, [])).toBe(
      'NetworkPolicy prod/kubemedic-allow-api-8080: deleted',
    );
  });
});
