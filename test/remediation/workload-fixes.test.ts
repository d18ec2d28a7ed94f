// Workload fixes from the seeds, live: stuck or crashing pods, a bad rollout, a workload scaled to
// zero, a strategy that drains every pod, slow starts killed by probes, OOM kills. Each is
// diagnosed with the read-only identity, approved, applied with the remediation identity, waited
// for (rollout complete with the new template), verified, and undone where it can be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/config/policy.js';
import { runRemediationAction } from '../../src/remediation/flow.js';
import type { Probe } from '../../src/cluster/k8s-types.js';
import { apply, endpointReadiness, kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import {
  APPROVER,
  approveFix,
  type Identities,
  RecordingNotifier,
  type RedisFixture,
  bindIdentities,
  click,
  deploymentYaml,
  deps,
  planFor,
  redisFixture,
  savePlan,
  serviceTarget,
  serviceYaml,
  setPodsState,
  useNamespace,
} from './support.js';

let ids: Identities;
let fx: RedisFixture;

beforeAll(async () => {
  [ids, fx] = await Promise.all([bindIdentities(), redisFixture()]);
});
afterAll(async () => {
  await Promise.all([ids?.cleanup(), fx?.cleanup()]);
});

interface WorkloadJson {
  metadata: { annotations?: Record<string, string>; generation?: number };
  spec: {
    replicas?: number;
    strategy?: unknown;
    template: {
      metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        containers: {
          image: string;
          startupProbe?: Probe;
          resources?: { limits?: Record<string, string> };
        }[];
      };
    };
  };
  status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number };
}

const get = (ns: string, what: string) => kubectlJson<WorkloadJson>(['get', what, '-n', ns]);

const readyEndpoints = (ns: string, svc: string, n: number) =>
  waitFor(`${n} ready endpoint(s) of ${svc}`, async () =>
    (await endpointReadiness(ns, svc)).ready === n ? true : undefined,
  );

describe('rollout-restart (pods stuck unready; a restart starts them afresh)', () => {
  const ns = useNamespace('fix-restart');

  it('restarts a Deployment with the restartedAt annotation, completes the rollout, verifies; Undo is refused', async () => {
    await apply(
      ns.name,
      [deploymentYaml('web', { replicas: 3 }), serviceYaml('web', { app: 'web' })].join('\n---\n'),
    );
    await readyEndpoints(ns.name, 'web', 3);
    const oldPods = (await kubectl(['get', 'pods', '-n', ns.name, '-o', 'name']))
      .trim()
      .split('\n');
    expect(await setPodsState(ns.name, 'app=web', 'not-ready')).toBe(3);
    const { record, notify, outcome } = await approveFix(
      ids,
      fx,
      ns.name,
      'web',
      'pod.not-ready',
      'rollout-restart',
    );
    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    const d = await get(ns.name, 'deployment/web');
    const stamp = d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'];
    expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(d.status?.updatedReplicas).toBe(3);
    expect(d.status?.availableReplicas).toBe(3);
    expect((await endpointReadiness(ns.name, 'web')).ready).toBe(3);
    const pods = (await kubectl(['get', 'pods', '-n', ns.name, '-o', 'name'])).trim().split('\n');
    expect(pods.filter((p) => oldPods.includes(p))).toEqual([]);
    expect(notify.repliesText()).toMatch(/deployment "web" successfully rolled out/);
    expect(notify.repliesText()).toContain('This fix cannot be undone.');
    expect(notify.lastCard()?.record.applied?.inverse).toBeUndefined();

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo).toMatchObject({ kind: 'refused' });
    expect(notify.ephemerals.at(-1)?.text).toMatch(
      /cannot be undone: a restart leaves no previous state/,
    );
    expect((await fx.store.get(record.id))?.state).toBe('applied');
  });

  it('restarts a StatefulSet and a DaemonSet the same way', async () => {
    await apply(
      ns.name,
      [
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'db' },
          spec: {
            replicas: 2,
            serviceName: 'db',
            // OrderedReady (the default) never rolls while every pod is unready: Kubernetes
            // itself waits for the pod it updated last. Parallel lets a restart replace them.
            podManagementPolicy: 'Parallel',
            selector: { matchLabels: { app: 'db' } },
            template: {
              metadata: { labels: { app: 'db' } },
              spec: {
                containers: [
                  { name: 'db', image: 'registry.example/db:1', ports: [{ containerPort: 8080 }] },
                ],
              },
            },
          },
        }),
        serviceYaml('db', { app: 'db' }),
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: 'agent' },
          spec: {
            selector: { matchLabels: { app: 'agent' } },
            template: {
              metadata: { labels: { app: 'agent' } },
              spec: {
                containers: [
                  {
                    name: 'agent',
                    image: 'registry.example/agent:1',
                    ports: [{ containerPort: 8080 }],
                  },
                ],
              },
            },
          },
        }),
        serviceYaml('agent', { app: 'agent' }),
      ].join('\n---\n'),
    );
    // The DaemonSet runs on every untainted node (scenarios running beside this test add
    // tainted nodes of their own).
    const nodes = (
      JSON.parse(await kubectl(['get', 'nodes', '-o', 'json'])) as {
        items: { spec?: { taints?: unknown[] } }[];
      }
    ).items.filter((n) => !n.spec?.taints?.length).length;
    await readyEndpoints(ns.name, 'db', 2);
    await readyEndpoints(ns.name, 'agent', nodes);
    for (const [svc, kind] of [
      ['db', 'StatefulSet'],
      ['agent', 'DaemonSet'],
    ] as const) {
      await setPodsState(ns.name, `app=${svc}`, 'not-ready');
      const target = serviceTarget(ns.name, svc);
      const plan = await planFor(ids.reader, target, 'pod.not-ready', 'rollout-restart');
      expect(plan.object.kind).toBe(kind);
      const record = await savePlan(fx.store, plan, target);
      const notify = new RecordingNotifier();
      const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
      expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
      const w = await get(ns.name, `${kind.toLowerCase()}/${svc}`);
      expect(
        w.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'],
      ).toBeDefined();
      expect((await endpointReadiness(ns.name, svc)).ready).toBe(kind === 'DaemonSet' ? nodes : 2);
    }
  });
});

describe('rollout-undo (revision 2 crash-loops; revision 1 worked)', () => {
  const ns = useNamespace('fix-undo');

  it('rolls back to the previous template and change-cause as kubectl does, and Undo rolls forward again', async () => {
    const strategy = { type: 'Recreate' };
    await apply(
      ns.name,
      [
        deploymentYaml('web', {
          strategy,
          annotations: { 'kubernetes.io/change-cause': 'deploy web:1' },
        }),
        serviceYaml('web', { app: 'web' }),
      ].join('\n---\n'),
    );
    await readyEndpoints(ns.name, 'web', 2);
    await apply(
      ns.name,
      deploymentYaml('web', {
        strategy,
        image: 'registry.example/web:2',
        labels: { 'kubemedic.test/stage': 'crashloop' },
        annotations: { 'kubernetes.io/change-cause': 'deploy web:2' },
      }),
    );
    const { record, notify, outcome } = await approveFix(
      ids,
      fx,
      ns.name,
      'web',
      'pod.crashloop',
      'rollout-undo',
    );
    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    const d = await get(ns.name, 'deployment/web');
    expect(d.spec.template.spec.containers[0]?.image).toBe('registry.example/web:1');
    expect(d.spec.template.metadata.labels).toEqual({ app: 'web' });
    expect(d.metadata.annotations?.['kubernetes.io/change-cause']).toBe('deploy web:1');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    expect(d.status?.availableReplicas).toBe(2);
    expect((await endpointReadiness(ns.name, 'web')).ready).toBe(2);
    expect(notify.repliesText()).toContain(
      '~ spec.template.spec.containers[0].image: "registry.example/web:2" → "registry.example/web:1"',
    );

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo, notify.repliesText()).toMatchObject({ kind: 'undone' });
    const back = await get(ns.name, 'deployment/web');
    expect(back.spec.template.spec.containers[0]?.image).toBe('registry.example/web:2');
    expect(back.spec.template.metadata.labels?.['kubemedic.test/stage']).toBe('crashloop');
    expect(back.metadata.annotations?.['kubernetes.io/change-cause']).toBe('deploy web:2');
  });
});

describe('scale-workload (the Deployment is scaled to 0), bounded by the policy', () => {
  const ns = useNamespace('fix-scale');

  it('scales up, gets ready endpoints, verifies, and Undo scales back to 0', async () => {
    await apply(
      ns.name,
      [deploymentYaml('web', { replicas: 0 }), serviceYaml('web', { app: 'web' })].join('\n---\n'),
    );
    const { record, notify, outcome } = await approveFix(
      ids,
      fx,
      ns.name,
      'web',
      'pod.no-pods',
      'scale-workload',
    );
    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    expect((await get(ns.name, 'deployment/web')).spec.replicas).toBe(2);
    expect((await endpointReadiness(ns.name, 'web')).ready).toBe(2);

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo).toMatchObject({ kind: 'undone' });
    expect((await get(ns.name, 'deployment/web')).spec.replicas).toBe(0);
    await readyEndpoints(ns.name, 'web', 0);
  });

  it('clamps the increase to maxReplicas, and refuses when the bound allows no increase', async () => {
    const target = serviceTarget(ns.name, 'web');
    const bounded = (max: number) =>
      parsePolicy(
        `rules:\n  - approvers: [${APPROVER}]\n    bounds: {maxReplicas: ${max}}\n`,
        'test-policy.yaml',
      );
    const plan = await planFor(ids.reader, target, 'pod.no-pods', 'scale-workload');
    expect(plan.params?.replicas).toBe(2);

    const refused = await savePlan(fx.store, plan, target);
    const notify = new RecordingNotifier();
    const no = await runRemediationAction(
      click(refused, APPROVER),
      deps(ids, fx, notify, { policy: bounded(0) }),
    );
    expect(no).toMatchObject({ kind: 'refused' });
    expect(notify.ephemerals.at(-1)?.text).toMatch(/allows at most 0 replica\(s\)/);
    expect((await get(ns.name, 'deployment/web')).spec.replicas).toBe(0);
    expect((await fx.store.get(refused.id))?.state).toBe('pending');

    const record = await savePlan(fx.store, plan, target);
    const outcome = await runRemediationAction(
      click(record, APPROVER),
      deps(ids, fx, notify, { policy: bounded(1) }),
    );
    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    expect((await get(ns.name, 'deployment/web')).spec.replicas).toBe(1);
    expect(notify.repliesText()).toContain('clamped from 2 to 1 replicas');
    // The inverse was clamped with it: Undo returns to 0.
    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo).toMatchObject({ kind: 'undone' });
    expect((await get(ns.name, 'deployment/web')).spec.replicas).toBe(0);
  });
});

describe('scale-workload on an autoscaled Deployment raises the HPA maximum (pods unready at the ceiling)', () => {
  const ns = useNamespace('fix-hpa');

  it('patches maxReplicas with the remediation identity, verifies the ceiling is lifted, and Undo restores it', async () => {
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 2,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
    };
    await apply(
      ns.name,
      [
        deploymentYaml('web', { replicas: 2, labels: { 'kubemedic.test/stage': 'not-ready' } }),
        serviceYaml('web', { app: 'web' }),
        JSON.stringify(hpa),
      ].join('\n---\n'),
    );
    // The HPA controller reports the replicas it found: 2, its maximum.
    await waitFor('the HPA to report 2 current replicas', async () =>
      (
        await kubectlJson<{ status?: { currentReplicas?: number } }>([
          'get',
          'hpa/web',
          '-n',
          ns.name,
        ])
      ).status?.currentReplicas === 2
        ? true
        : undefined,
    );
    const { record, notify, outcome } = await approveFix(
      ids,
      fx,
      ns.name,
      'web',
      'autoscaling.hpa-maxed',
      'scale-workload',
    );
    expect(record.plan.object.kind).toBe('HorizontalPodAutoscaler');
    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    const maxOf = async () =>
      (await kubectlJson<{ spec: { maxReplicas: number } }>(['get', 'hpa/web', '-n', ns.name])).spec
        .maxReplicas;
    expect(await maxOf()).toBe(4);

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo).toMatchObject({ kind: 'undone' });
    expect(await maxOf()).toBe(2);
  });
});

describe('patch-rollout-strategy (maxUnavailable 100% drained every pod during a rollout)', () => {
  const ns = useNamespace('fix-strategy');

  it('keeps old pods through the next rollout once patched, and Undo restores the strategy', async () => {
    const unsafe = {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '100%', maxSurge: 0 },
    };
    await apply(
      ns.name,
      [deploymentYaml('web', { strategy: unsafe }), serviceYaml('web', { app: 'web' })].join(
        '\n---\n',
      ),
    );
    await readyEndpoints(ns.name, 'web', 2);
    // Revision 2 starts slowly: every old pod goes at once and nothing serves.
    await apply(
      ns.name,
      deploymentYaml('web', {
        strategy: unsafe,
        image: 'registry.example/web:2',
        labels: { 'kubemedic.test/stage': 'not-ready' },
      }),
    );
    const target = serviceTarget(ns.name, 'web');
    const plan = await planFor(
      ids.reader,
      target,
      'rollout.unsafe-strategy',
      'patch-rollout-strategy',
    );
    const record = await savePlan(fx.store, plan, target);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    expect((await get(ns.name, 'deployment/web')).spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' },
    });

    // The effect: once revision 2 is up, revision 3's slow pod is added beside the old ones.
    await setPodsState(ns.name, 'app=web', 'ready');
    await readyEndpoints(ns.name, 'web', 2);
    await kubectl([
      'patch',
      'deployment',
      'web',
      '-n',
      ns.name,
      '-p',
      JSON.stringify({
        spec: {
          template: { spec: { containers: [{ name: 'app', image: 'registry.example/web:3' }] } },
        },
      }),
    ]);
    await waitFor('a revision 3 pod', async () =>
      (
        await kubectl([
          'get',
          'pods',
          '-n',
          ns.name,
          '-o',
          'jsonpath={.items[*].spec.containers[0].image}',
        ])
      ).includes('web:3')
        ? true
        : undefined,
    );
    expect((await endpointReadiness(ns.name, 'web')).ready).toBe(2);

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo, notify.repliesText()).toMatchObject({ kind: 'undone' });
    expect((await get(ns.name, 'deployment/web')).spec.strategy).toEqual(unsafe);
  });
});

describe('add-startup-probe (a slow start fails its probes)', () => {
  const ns = useNamespace('fix-probe');

  it('adds a startupProbe, rolls out, verifies, and Undo removes it despite API defaults', async () => {
    await apply(
      ns.name,
      [
        deploymentYaml('web', {
          container: {
            livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
            readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
          },
        }),
        serviceYaml('web', { app: 'web' }),
      ].join('\n---\n'),
    );
    await readyEndpoints(ns.name, 'web', 2);
    await setPodsState(ns.name, 'app=web', 'not-ready');
    const { record, notify, outcome } = await approveFix(
      ids,
      fx,
      ns.name,
      'web',
      'pod.not-ready',
      'add-startup-probe',
    );
    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    const probe = (await get(ns.name, 'deployment/web')).spec.template.spec.containers[0]
      ?.startupProbe;
    expect(probe).toMatchObject({
      httpGet: { path: '/healthz', port: 8080 },
      periodSeconds: 10,
      failureThreshold: 30,
    });
    expect((await endpointReadiness(ns.name, 'web')).ready).toBe(2);
    // The dry run shows what the API server adds (defaults), not only what the patch says.
    expect(notify.repliesText()).toContain(
      '+ spec.template.spec.containers[0].startupProbe.failureThreshold: 30',
    );

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo, notify.repliesText()).toMatchObject({ kind: 'undone' });
    expect(
      (await get(ns.name, 'deployment/web')).spec.template.spec.containers[0]?.startupProbe,
    ).toBeUndefined();
  });
});

describe('patch-resources (OOMKilled at a 128Mi limit), bounded by maxMemory', () => {
  const ns = useNamespace('fix-memory');

  const limit = async () =>
    (await get(ns.name, 'deployment/web')).spec.template.spec.containers[0]?.resources?.limits
      ?.memory;

  it('raises the memory limit, rolls out, verifies, Undo restores it, and the policy clamps it', async () => {
    await apply(
      ns.name,
      [
        deploymentYaml('web', {
          container: { resources: { requests: { memory: '64Mi' }, limits: { memory: '128Mi' } } },
        }),
        serviceYaml('web', { app: 'web' }),
      ].join('\n---\n'),
    );
    await readyEndpoints(ns.name, 'web', 2);
    await setPodsState(ns.name, 'app=web', 'oom-crashloop');
    const { target, record, notify, outcome } = await approveFix(
      ids,
      fx,
      ns.name,
      'web',
      'pod.oom-killed',
      'patch-resources',
    );
    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    expect(await limit()).toBe('256Mi');
    expect((await endpointReadiness(ns.name, 'web')).ready).toBe(2);

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo, notify.repliesText()).toMatchObject({ kind: 'undone' });
    expect(await limit()).toBe('128Mi');

    // Again OOM-killed; this time the policy caps memory at 192Mi.
    await waitFor('the rollout of the undo', async () => {
      const d = await get(ns.name, 'deployment/web');
      return d.status?.updatedReplicas === 2 && d.status.availableReplicas === 2 ? true : undefined;
    });
    await readyEndpoints(ns.name, 'web', 2);
    await setPodsState(ns.name, 'app=web', 'oom-crashloop');
    const again = await planFor(ids.reader, target, 'pod.oom-killed', 'patch-resources');
    const capped = await savePlan(fx.store, again, target);
    const policy = parsePolicy(
      `rules:\n  - approvers: [${APPROVER}]\n    bounds: {maxMemory: 192Mi}\n`,
      'test-policy.yaml',
    );
    const clamped = await runRemediationAction(
      click(capped, APPROVER),
      deps(ids, fx, notify, { policy }),
    );
    expect(clamped, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    expect(await limit()).toBe('192Mi');
    expect(notify.repliesText()).toContain('clamped from 256Mi to 192Mi');
  });
});
