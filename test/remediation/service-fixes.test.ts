// Service-level fixes from the seeds, live: the broken setup is diagnosed with the read-only
// identity, the plan is approved and applied with the remediation identity (exactly the shipped
// ClusterRoles), the service recovers, the thread gets the verified outcome, and Undo restores
// the state the diagnosis saw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRemediationAction } from '../../src/remediation/flow.js';
import { apply, endpointReadiness, kubectlJson, waitFor } from '../support/cluster.js';
import {
  APPROVER,
  type Identities,
  RecordingNotifier,
  type RedisFixture,
  bindIdentities,
  click,
  deploymentYaml,
  deps,
  diagnoseLive,
  planFor,
  redisFixture,
  savePlan,
  serviceTarget,
  serviceYaml,
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

describe('patch-service-selector (seed: selector app=api-svc, pods app=api-service)', () => {
  const ns = useNamespace('fix-selector');

  it('diagnoses, applies on Approve, gets ready endpoints, verifies, and Undo restores the selector', async () => {
    await apply(
      ns.name,
      [
        deploymentYaml('api-service', { replicas: 3 }),
        serviceYaml('api-service', { app: 'api-svc' }),
      ].join('\n---\n'),
    );
    const target = serviceTarget(ns.name, 'api-service');
    const plan = await planFor(
      ids.reader,
      target,
      'service.selector-mismatch',
      'patch-service-selector',
    );
    expect(await endpointReadiness(ns.name, 'api-service')).toEqual({ ready: 0, notReady: 0 });

    const record = await savePlan(fx.store, plan, target);
    const notify = new RecordingNotifier();
    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));

    expect(outcome).toMatchObject({ kind: 'applied', verified: true });
    expect((await endpointReadiness(ns.name, 'api-service')).ready).toBe(3);
    const svc = await kubectlJson<{ spec: { selector: Record<string, string> } }>([
      'get',
      'service',
      'api-service',
      '-n',
      ns.name,
    ]);
    expect(svc.spec.selector).toEqual({ app: 'api-service' });
    // The thread got the dry-run diff and the verified outcome; the card shows the applied state.
    const thread = notify.repliesText();
    expect(thread).toContain('~ spec.selector: app=api-svc → app=api-service');
    expect(thread).toMatch(/Verified: Service api-service has 3 ready endpoint\(s\)/);
    expect(notify.replies.every((r) => r.threadTs === record.threadTs)).toBe(true);
    const card = notify.lastCard();
    expect(card?.record.state).toBe('applied');
    expect(card?.record.applied?.inverse).toBeDefined();
    expect(card?.status).toMatch(/Applied and verified/);
    // Audit: each step, with the patch and the dry-run diff.
    const steps = (await fx.audit.recent(20)).filter((e) => e.planId === record.id);
    expect(steps.map((e) => e.step).reverse()).toEqual([
      'approved',
      'dry-run',
      'applied',
      'verified',
    ]);
    expect(steps.find((e) => e.step === 'dry-run')?.dryRun).toContain('spec.selector');
    // The step itself is stored too, with the changes as data and the outcome in plain words.
    expect(steps.find((e) => e.step === 'dry-run')?.detail).toMatchObject({
      kind: 'dry-run',
      of: 'fix',
      changes: [
        { path: 'spec.selector', before: { app: 'api-svc' }, after: { app: 'api-service' } },
      ],
    });
    expect(steps.find((e) => e.step === 'approved')?.outcome).toBe(
      `${APPROVER} approved: ${plan.title}. Running a server-side dry run first.`,
    );
    expect(steps.find((e) => e.step === 'applied')?.patch).toEqual(plan.mutation);

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo).toMatchObject({ kind: 'undone' });
    const after = await kubectlJson<{ spec: { selector: Record<string, string> } }>([
      'get',
      'service',
      'api-service',
      '-n',
      ns.name,
    ]);
    expect(after.spec.selector).toEqual({ app: 'api-svc' });
    await waitFor('the endpoints to empty again', async () =>
      (await endpointReadiness(ns.name, 'api-service')).ready === 0 ? true : undefined,
    );
    expect((await fx.store.get(record.id))?.state).toBe('undone');
    expect(notify.lastCard()?.record.state).toBe('undone');
    // Undo applies once: a second Undo is refused and changes nothing.
    const again = await runRemediationAction(
      click(record, APPROVER, 'undo'),
      deps(ids, fx, notify),
    );
    expect(again).toMatchObject({ kind: 'refused' });
    expect(notify.ephemerals.at(-1)?.text).toMatch(/undone by <@U0APPROVER>/);
  });
});

describe('patch-service-target-port (targetPort 8081, the pods listen on 8080)', () => {
  const ns = useNamespace('fix-port');

  interface SliceList {
    items: { ports?: { port?: number }[]; endpoints?: { conditions?: { ready?: boolean } }[] }[];
  }
  const slicePorts = async () =>
    (
      await kubectlJson<SliceList>([
        'get',
        'endpointslices',
        '-n',
        ns.name,
        '-l',
        'kubernetes.io/service-name=web',
      ])
    ).items.flatMap((s) => (s.ports ?? []).map((p) => p.port));

  it('points the Service at the container port, verifies, and Undo restores 8081', async () => {
    await apply(
      ns.name,
      [deploymentYaml('web'), serviceYaml('web', { app: 'web' }, 8081)].join('\n---\n'),
    );
    const target = serviceTarget(ns.name, 'web');
    const plan = await planFor(
      ids.reader,
      target,
      'service.port-mismatch',
      'patch-service-target-port',
    );
    const record = await savePlan(fx.store, plan, target);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
    expect(outcome).toMatchObject({ kind: 'applied', verified: true });
    await waitFor('endpoint slices on port 8080', async () =>
      (await slicePorts()).includes(8080) ? true : undefined,
    );
    expect((await endpointReadiness(ns.name, 'web')).ready).toBe(2);
    expect(notify.repliesText()).toContain('~ spec.ports[0].targetPort: 8081 → 8080');

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo).toMatchObject({ kind: 'undone' });
    const svc = await kubectlJson<{ spec: { ports: { targetPort: number }[] } }>([
      'get',
      'service',
      'web',
      '-n',
      ns.name,
    ]);
    expect(svc.spec.ports[0]?.targetPort).toBe(8081);
  });
});

describe('allow-netpol-port (a default-deny NetworkPolicy drops traffic to the backends)', () => {
  const ns = useNamespace('fix-netpol');

  it('creates a NetworkPolicy admitting the port, verifies, and Undo deletes exactly that one', async () => {
    await apply(
      ns.name,
      [
        deploymentYaml('web'),
        serviceYaml('web', { app: 'web' }),
        JSON.stringify({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'NetworkPolicy',
          metadata: { name: 'default-deny' },
          spec: { podSelector: {}, policyTypes: ['Ingress'] },
        }),
      ].join('\n---\n'),
    );
    const target = serviceTarget(ns.name, 'web');
    await waitFor('ready endpoints', async () =>
      (await endpointReadiness(ns.name, 'web')).ready === 2 ? true : undefined,
    );
    const plan = await planFor(ids.reader, target, 'netpol.ingress-blocked', 'allow-netpol-port');
    expect(plan.mutation.type).toBe('create');
    const record = await savePlan(fx.store, plan, target);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
    expect(outcome).toMatchObject({ kind: 'applied', verified: true });
    const created = await kubectlJson<{
      metadata: { uid: string; labels: Record<string, string> };
      spec: { ingress: { ports: { port: number }[] }[] };
    }>(['get', 'networkpolicy', plan.object.name, '-n', ns.name]);
    expect(created.metadata.labels['app.kubernetes.io/managed-by']).toBe('kubemedic');
    expect(created.spec.ingress[0]?.ports[0]?.port).toBe(8080);
    expect(notify.lastCard()?.record.applied?.inverse).toEqual({
      type: 'delete',
      uid: created.metadata.uid,
    });
    const report = await diagnoseLive(ids.reader, target);
    expect(report.findings.some((f) => f.check === 'netpol.ingress-blocked')).toBe(false);

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo, notify.repliesText()).toMatchObject({ kind: 'undone' });
    const left = await kubectlJson<{ items: { metadata: { name: string } }[] }>([
      'get',
      'networkpolicies',
      '-n',
      ns.name,
    ]);
    expect(left.items.map((p) => p.metadata.name)).toEqual(['default-deny']);
  });
});

describe('patch-ingress-backend (the Ingress routes to api-svc; the Service is api-service)', () => {
  const ns = useNamespace('fix-ingress');

  const backend = async () =>
    (
      await kubectlJson<{
        spec: { rules: { http: { paths: { backend: { service: unknown } }[] } }[] };
      }>(['get', 'ingress', 'shop', '-n', ns.name])
    ).spec.rules[0]?.http.paths[0]?.backend.service;

  it('points the rule at the existing Service, verifies, and Undo restores the old backend', async () => {
    await apply(
      ns.name,
      [
        deploymentYaml('api-service'),
        serviceYaml('api-service', { app: 'api-service' }),
        JSON.stringify({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'shop' },
          spec: {
            rules: [
              {
                host: 'shop.example.com',
                http: {
                  paths: [
                    {
                      path: '/api',
                      pathType: 'Prefix',
                      backend: { service: { name: 'api-svc', port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        }),
      ].join('\n---\n'),
    );
    const target = { kind: 'Ingress' as const, name: 'shop', namespace: ns.name, cluster: 'test' };
    const plan = await planFor(
      ids.reader,
      target,
      'ingress.backend-missing',
      'patch-ingress-backend',
    );
    const record = await savePlan(fx.store, plan, target);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
    expect(outcome).toMatchObject({ kind: 'applied', verified: true });
    expect(await backend()).toEqual({ name: 'api-service', port: { number: 80 } });
    // Verified once the backend serves; KWOK may bring the second replica up a moment later.
    const ready = await waitFor('both api-service endpoints ready', async () => {
      const r = (await endpointReadiness(ns.name, 'api-service')).ready;
      return r === 2 ? r : undefined;
    });
    expect(ready).toBe(2);
    expect(notify.repliesText()).toContain(
      '~ spec.rules[0].http.paths[0].backend.service.name: "api-svc" → "api-service"',
    );

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo).toMatchObject({ kind: 'undone' });
    expect(await backend()).toEqual({ name: 'api-svc', port: { number: 80 } });
  });
});
