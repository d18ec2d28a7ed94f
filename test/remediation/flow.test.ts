// The guard rails of the Approve / Reject / Undo flow, live: who may click, exactly-once apply
// under concurrent clicks, stale and expired plans, forged plan ids, the limits of the
// remediation identity's ClusterRole, two-approval policies and Slack user groups.
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/cluster/client.js';
import { NO_POLICY_REASON, approversPolicy, parsePolicy } from '../../src/config/policy.js';
import { UNKNOWN_PLAN_REASON, runRemediationAction } from '../../src/remediation/flow.js';
import type { RemediationPlan } from '../../src/diagnosis/fixes/types.js';
import { SlackUsergroupDirectory } from '../../src/slack/usergroups.js';
import {
  apply,
  createNamespace,
  endpointReadiness,
  kubectl,
  kubectlJson,
  waitFor,
} from '../support/cluster.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import {
  APPROVER,
  CHANNEL,
  type Identities,
  RBAC_DIR,
  REQUESTER,
  RecordingNotifier,
  type RedisFixture,
  SECOND_APPROVER,
  STRANGER,
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
} from './support.js';

let ids: Identities;
let fx: RedisFixture;
let ns: { name: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  [ids, fx, ns] = await Promise.all([bindIdentities(), redisFixture(), createNamespace('flow')]);
});
afterAll(async () => {
  await Promise.all([ids?.cleanup(), fx?.cleanup(), ns?.cleanup()]);
});

/** A fresh instance of the seed's selector mismatch: Service `name` selects app=<name>-svc. */
async function brokenService(name: string): Promise<RemediationPlan> {
  await apply(
    ns.name,
    [
      deploymentYaml(`${name}-service`, { replicas: 1 }),
      serviceYaml(name, { app: `${name}-svc` }),
    ].join('\n---\n'),
  );
  return planFor(
    ids.reader,
    serviceTarget(ns.name, name),
    'service.selector-mismatch',
    'patch-service-selector',
  );
}

const selectorOf = async (name: string) =>
  (
    await kubectlJson<{ spec: { selector: Record<string, string> } }>([
      'get',
      'service',
      name,
      '-n',
      ns.name,
    ])
  ).spec.selector;

describe('authorisation', () => {
  it("a non-approver's click is refused in an ephemeral reply and changes nothing", async () => {
    const plan = await brokenService('nonapprover');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'nonapprover'));
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(click(record, STRANGER), deps(ids, fx, notify));

    expect(outcome.kind).toBe('refused');
    expect(notify.ephemerals).toEqual([
      {
        channel: CHANNEL,
        user: STRANGER,
        text: expect.stringMatching(
          /<@U0STRANGER> may not approve patch-service-selector in flow-\w+: the approvers are <@U0APPROVER>, <@U0SECOND>/,
        ),
      },
    ]);
    expect(notify.replies).toEqual([]);
    expect(notify.cards).toEqual([]);
    expect(await selectorOf('nonapprover')).toEqual({ app: 'nonapprover-svc' });
    expect((await fx.store.get(record.id))?.state).toBe('pending');
    const audit = (await fx.audit.recent(50)).filter((e) => e.planId === record.id);
    expect(audit.map((e) => [e.step, e.actor])).toEqual([['refused', STRANGER]]);
  });

  it('with no policy at all nobody may apply, and the refusal says how to configure one', async () => {
    const plan = await brokenService('nopolicy');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'nopolicy'));
    const notify = new RecordingNotifier();
    const outcome = await runRemediationAction(
      click(record, APPROVER),
      deps(ids, fx, notify, { policy: undefined }),
    );
    expect(outcome).toEqual({ kind: 'refused', reason: NO_POLICY_REASON });
    expect(NO_POLICY_REASON).toMatch(/KUBEMEDIC_APPROVERS/);
    expect(await selectorOf('nopolicy')).toEqual({ app: 'nopolicy-svc' });
  });

  it('the requester may not approve their own fix unless the policy allows it', async () => {
    const plan = await brokenService('selfapprove');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'selfapprove'));
    const notify = new RecordingNotifier();
    const strict = approversPolicy(`${REQUESTER},${APPROVER}`);
    const refused = await runRemediationAction(
      click(record, REQUESTER),
      deps(ids, fx, notify, { policy: strict }),
    );
    expect(refused.kind).toBe('refused');
    expect(notify.ephemerals.at(-1)?.text).toMatch(/You asked for this diagnosis/);
    expect(await selectorOf('selfapprove')).toEqual({ app: 'selfapprove-svc' });

    const lenient = parsePolicy(
      `rules:\n  - approvers: [${REQUESTER}]\n    allowSelfApproval: true\n`,
      'lenient.yaml',
    );
    const applied = await runRemediationAction(
      click(record, REQUESTER),
      deps(ids, fx, notify, { policy: lenient }),
    );
    expect(applied).toMatchObject({ kind: 'applied', verified: true });
  });

  it('a member of an approving Slack user group may approve; others may not', async () => {
    const slack: FakeSlack = await startFakeSlack({
      usergroups: { S0SRE: { handle: 'sre-oncall', users: ['U0GROUPIE'] } },
    });
    try {
      const client = new WebClient(slack.botToken, {
        slackApiUrl: slack.url,
        retryConfig: { retries: 0 },
      });
      const usergroups = new SlackUsergroupDirectory(client);
      const policy = approversPolicy('@sre-oncall');
      const plan = await brokenService('usergroup');
      const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'usergroup'));
      const notify = new RecordingNotifier();

      const no = await runRemediationAction(
        click(record, STRANGER),
        deps(ids, fx, notify, { policy, usergroups }),
      );
      expect(no.kind).toBe('refused');
      expect(notify.ephemerals.at(-1)?.text).toMatch(/the approvers are @sre-oncall/);

      const yes = await runRemediationAction(
        click(record, 'U0GROUPIE'),
        deps(ids, fx, notify, { policy, usergroups }),
      );
      expect(yes).toMatchObject({ kind: 'applied', verified: true });
      // Both clicks resolved the handle and read the members once: the lookups are cached.
      expect(slack.callsTo('usergroups.list')).toHaveLength(1);
      expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);
      expect(slack.callsTo('usergroups.users.list')[0]?.args.usergroup).toBe('S0SRE');
    } finally {
      await slack.close();
    }
  });
});

describe('exactly once', () => {
  it('three approvers clicking at once apply the plan once', async () => {
    const plan = await brokenService('triple');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'triple'));
    const notify = new RecordingNotifier();
    const policy = approversPolicy(`${APPROVER},${SECOND_APPROVER},U0THIRD`);
    const outcomes = await Promise.all(
      [APPROVER, SECOND_APPROVER, 'U0THIRD'].map((u) =>
        runRemediationAction(click(record, u), deps(ids, fx, notify, { policy })),
      ),
    );
    expect(outcomes.filter((o) => o.kind === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'refused')).toHaveLength(2);
    expect(notify.ephemerals.map((e) => e.text)).toEqual([
      expect.stringMatching(/already (being )?applied by <@U0\w+>/),
      expect.stringMatching(/already (being )?applied by <@U0\w+>/),
    ]);
    const steps = (await fx.audit.recent(100))
      .filter((e) => e.planId === record.id)
      .map((e) => e.step);
    expect(steps.filter((s) => s === 'applied')).toHaveLength(1);
    expect(steps.filter((s) => s === 'dry-run')).toHaveLength(1);
    expect(await selectorOf('triple')).toEqual({ app: 'triple-service' });
  });

  it('a double click by one approver applies once', async () => {
    const plan = await brokenService('double');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'double'));
    const notify = new RecordingNotifier();
    const outcomes = await Promise.all([
      runRemediationAction(click(record, APPROVER), deps(ids, fx, notify)),
      runRemediationAction(click(record, APPROVER), deps(ids, fx, notify)),
    ]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['applied', 'refused']);
    const applied = (await fx.audit.recent(100)).filter(
      (e) => e.planId === record.id && e.step === 'applied',
    );
    expect(applied).toHaveLength(1);
  });
});

describe('plans that no longer hold', () => {
  it('a plan made stale by an edit after the diagnosis is refused with the reason', async () => {
    const plan = await brokenService('stale');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'stale'));
    // Someone fixes it differently (and wrongly) after the diagnosis.
    await kubectl([
      'patch',
      'service',
      'stale',
      '-n',
      ns.name,
      '--type=merge',
      '-p',
      '{"spec":{"selector":{"app":"other"}}}',
    ]);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));

    expect(outcome).toEqual({
      kind: 'refused',
      reason:
        'Service stale changed since the diagnosis: selector is now app=other (the plan was made for app=stale-svc). Run the diagnosis again for a fresh plan.',
    });
    expect(await selectorOf('stale')).toEqual({ app: 'other' });
    const after = await fx.store.get(record.id);
    expect(after?.state).toBe('failed');
    expect(notify.repliesText()).toContain(
      'Not applied: Service stale changed since the diagnosis',
    );
    expect(notify.lastCard()?.record.state).toBe('failed');
    const steps = (await fx.audit.recent(50))
      .filter((e) => e.planId === record.id)
      .map((e) => e.step);
    expect(steps).toContain('stale');
    expect(steps).not.toContain('applied');
  });

  it('an expired plan is refused and changes nothing', async () => {
    const plan = await brokenService('expired');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    const record = await savePlan(
      fx.store,
      plan,
      serviceTarget(ns.name, 'expired'),
      {},
      twoHoursAgo,
    );
    const notify = new RecordingNotifier();
    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
    expect(outcome.kind).toBe('refused');
    expect(notify.ephemerals.at(-1)?.text).toMatch(
      /This fix expired at .* \(a plan can be approved for 60 minutes after the diagnosis/,
    );
    expect(await selectorOf('expired')).toEqual({ app: 'expired-svc' });
    expect((await fx.store.get(record.id))?.state).toBe('pending');
  });

  it('a forged payload naming an unknown plan id, or a plan of another channel, is refused', async () => {
    const plan = await brokenService('forged');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'forged'));
    const notify = new RecordingNotifier();
    const unknown = await runRemediationAction(
      { action: 'approve', planId: 'AAAAAAAAAAAAAAAAAAAAAAAA', userId: APPROVER, channel: CHANNEL },
      deps(ids, fx, notify),
    );
    expect(unknown).toEqual({ kind: 'refused', reason: UNKNOWN_PLAN_REASON });
    const elsewhere = await runRemediationAction(
      { action: 'approve', planId: record.id, userId: APPROVER, channel: 'C0OTHER' },
      deps(ids, fx, notify),
    );
    expect(elsewhere).toEqual({ kind: 'refused', reason: UNKNOWN_PLAN_REASON });
    const malformed = await runRemediationAction(
      { action: 'approve', planId: '../../../etc/passwd', userId: APPROVER, channel: CHANNEL },
      deps(ids, fx, notify),
    );
    expect(malformed.kind).toBe('refused');
    expect(await selectorOf('forged')).toEqual({ app: 'forged-svc' });
    expect((await fx.store.get(record.id))?.state).toBe('pending');
  });
});

describe('least privilege', () => {
  it('the read-only identity can make every read of a diagnosis; Secrets only with the opt-in role', async () => {
    const kitchen = await createNamespace('reads');
    const binding = `kubemedic-test-secrets-${kitchen.name}`;
    try {
      const tier = { tier: 'front' };
      await apply(
        kitchen.name,
        [
          deploymentYaml('web', { labels: tier }),
          deploymentYaml('crash', {
            replicas: 1,
            labels: { ...tier, 'kubemedic.test/stage': 'crashloop' },
          }),
          deploymentYaml('cfg', {
            replicas: 1,
            labels: { ...tier, 'kubemedic.test/stage': 'config-error' },
            container: {
              env: [
                { name: 'A', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'a' } } },
                { name: 'B', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'b' } } },
              ],
            },
          }),
          serviceYaml('front', tier),
          JSON.stringify({
            apiVersion: 'networking.k8s.io/v1',
            kind: 'Ingress',
            metadata: { name: 'shop' },
            spec: {
              tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
              defaultBackend: { service: { name: 'front', port: { number: 80 } } },
            },
          }),
          JSON.stringify({
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata: { name: 'allow-all' },
            spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
          }),
          JSON.stringify({
            apiVersion: 'autoscaling/v2',
            kind: 'HorizontalPodAutoscaler',
            metadata: { name: 'web' },
            spec: {
              scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
              minReplicas: 2,
              maxReplicas: 4,
            },
          }),
        ].join('\n---\n'),
      );
      const target = serviceTarget(kitchen.name, 'front');
      // Crash-looping pods make the gatherer read logs; config errors make it read ConfigMaps and Secrets.
      const report = await waitFor('crash-looping and config-error pods', async () => {
        const r = await diagnoseLive(ids.reader, target);
        const checks = r.findings.map((f) => f.check);
        return checks.includes('pod.crashloop') && checks.includes('pod.config-error')
          ? r
          : undefined;
      });
      const forbidden = report.skipped.filter((s) => /forbidden/.test(s.reason));
      expect(forbidden.map((s) => s.reason.split(':')[0])).toEqual(forbidden.map(() => 'secrets'));
      expect(forbidden.map((s) => s.check).sort()).toEqual(['ingress.tls-secret-missing']);
      // The previous log was asked for (KWOK keeps none), not refused.
      const crash = report.findings.find((f) => f.check === 'pod.crashloop');
      expect(crash?.evidence.map((e) => e.argv[1])).toContain('logs');
      expect(crash?.detail).toMatch(/previous log/);
      expect(crash?.detail).not.toMatch(/forbidden/i);

      await kubectl([
        'create',
        'clusterrolebinding',
        binding,
        '--clusterrole=kubemedic-secrets-metadata',
        `--serviceaccount=${ids.namespace}:kubemedic-diagnosis`,
      ]);
      await kubectl(['apply', '-f', join(RBAC_DIR, 'diagnosis-secrets-clusterrole.yaml')]);
      const full = await waitFor('the opt-in Secret role to apply', async () => {
        const r = await diagnoseLive(ids.reader, target);
        return r.skipped.some((s) => /forbidden/.test(s.reason)) ? undefined : r;
      });
      expect(full.findings.map((f) => f.check)).toContain('ingress.tls-secret-missing');
    } finally {
      await kubectl(['delete', 'clusterrolebinding', binding, '--ignore-not-found']);
      await kitchen.cleanup();
    }
  });

  it('the remediation identity gets 403 for anything beyond its ClusterRole', async () => {
    await apply(ns.name, deploymentYaml('keep', { replicas: 1 }));
    await kubectl([
      'create',
      'secret',
      'generic',
      'db-password',
      '-n',
      ns.name,
      '--from-literal=p=s3cret',
    ]);
    const forbidden = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KubeApiError);
      return err as KubeApiError;
    };
    const del = await forbidden(
      ids.writer.request('DELETE', `/apis/apps/v1/namespaces/${ns.name}/deployments/keep`),
    );
    expect(del.status).toBe(403);
    expect(del.message).toMatch(
      /User "system:serviceaccount:kubemedic-ids-\w+:kubemedic-remediation" cannot delete resource "deployments"/,
    );
    const secret = await forbidden(
      ids.writer.get(`/api/v1/namespaces/${ns.name}/secrets/db-password`),
    );
    expect(secret.status).toBe(403);
    const list = await forbidden(ids.writer.get(`/api/v1/namespaces/${ns.name}/pods`));
    expect(list.status).toBe(403);
    // The read-only identity cannot write, nor read Secrets without the opt-in role.
    const write = await forbidden(
      ids.reader.request('PATCH', `/apis/apps/v1/namespaces/${ns.name}/deployments/keep`, {
        body: { spec: { replicas: 5 } },
        contentType: 'application/merge-patch+json',
      }),
    );
    expect(write.status).toBe(403);
    expect(
      (await forbidden(ids.reader.get(`/api/v1/namespaces/${ns.name}/secrets/db-password`))).status,
    ).toBe(403);
  });

  it('a plan asking for more than the role allows fails clearly and changes nothing', async () => {
    await apply(ns.name, deploymentYaml('victim', { replicas: 1 }));
    // A plan written straight into Redis: the API server, not kubemedic's code, stops it.
    const plan: RemediationPlan = {
      id: 'rollout-restart',
      title: 'Delete Deployment victim',
      risk: 'high',
      object: { kind: 'Deployment', apiVersion: 'apps/v1', namespace: ns.name, name: 'victim' },
      mutation: { type: 'delete' },
      kubectl: `kubectl delete deployment victim -n ${ns.name}`,
      kubectlArgv: ['kubectl', 'delete', 'deployment', 'victim', '-n', ns.name],
      expectedEffect: 'none',
      precondition: 'none',
      verify: { waitFor: 'none', checks: [] },
    };
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'victim'));
    const notify = new RecordingNotifier();
    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));
    expect(outcome).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(
        /^the remediation identity may not delete Deployment victim in flow-\w+: .*cannot delete resource "deployments" in API group "apps".*kubemedic-remediation/,
      ),
    });
    expect(notify.repliesText()).toContain(
      'Failed, nothing was changed: the remediation identity may not delete',
    );
    expect(await kubectl(['get', 'deployment', 'victim', '-n', ns.name, '-o', 'name'])).toContain(
      'victim',
    );
    expect((await fx.store.get(record.id))?.state).toBe('failed');
  });
});

describe('two approvals and rejection', () => {
  it('a two-approval policy waits for a second, different approver', async () => {
    const plan = await brokenService('twoapprovals');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'twoapprovals'));
    const notify = new RecordingNotifier();
    const policy = parsePolicy(
      [
        'rules:',
        `  - namespaces: ['flow-*']`,
        `    remediations: [patch-service-selector]`,
        `    approvers: [${APPROVER}, ${SECOND_APPROVER}]`,
        '    requiredApprovals: 2',
      ].join('\n'),
      'two.yaml',
    );

    const first = await runRemediationAction(
      click(record, APPROVER),
      deps(ids, fx, notify, { policy }),
    );
    expect(first).toEqual({ kind: 'awaiting-approval', approvals: 1, needed: 2 });
    expect(notify.repliesText()).toMatch(/\(1 of 2 approvals\)\. Awaiting a second approver\./);
    expect(notify.ephemerals.at(-1)?.text).toMatch(/awaiting a second approver/);
    expect(notify.lastCard()?.record).toMatchObject({ state: 'pending', approvals: [APPROVER] });
    expect(await selectorOf('twoapprovals')).toEqual({ app: 'twoapprovals-svc' });

    const again = await runRemediationAction(
      click(record, APPROVER),
      deps(ids, fx, notify, { policy }),
    );
    expect(again.kind).toBe('refused');
    expect(notify.ephemerals.at(-1)?.text).toMatch(
      /You already approved this fix; it needs 2 approvals/,
    );
    expect(await selectorOf('twoapprovals')).toEqual({ app: 'twoapprovals-svc' });

    const second = await runRemediationAction(
      click(record, SECOND_APPROVER),
      deps(ids, fx, notify, { policy }),
    );
    expect(second).toMatchObject({ kind: 'applied', verified: true });
    expect(notify.repliesText()).toContain('<@U0APPROVER> and <@U0SECOND> approved');
    expect((await endpointReadiness(ns.name, 'twoapprovals')).ready).toBe(1);
  });

  it('Reject closes the card; a later Approve is refused', async () => {
    const plan = await brokenService('rejected');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'rejected'));
    const notify = new RecordingNotifier();
    const outcome = await runRemediationAction(
      click(record, APPROVER, 'reject'),
      deps(ids, fx, notify),
    );
    expect(outcome).toEqual({ kind: 'rejected' });
    expect(notify.lastCard()).toMatchObject({
      record: { state: 'rejected', decidedBy: APPROVER },
      status: 'Rejected by <@U0APPROVER>',
    });
    expect(notify.repliesText()).toMatch(/<@U0APPROVER> rejected: .* Nothing was changed\./);
    const late = await runRemediationAction(click(record, SECOND_APPROVER), deps(ids, fx, notify));
    expect(late.kind).toBe('refused');
    expect(notify.ephemerals.at(-1)?.text).toBe('This fix was rejected by <@U0APPROVER>.');
    expect(await selectorOf('rejected')).toEqual({ app: 'rejected-svc' });
  });

  it('the requester may withdraw their own request; a stranger may not reject', async () => {
    const plan = await brokenService('withdrawn');
    const record = await savePlan(fx.store, plan, serviceTarget(ns.name, 'withdrawn'));
    const notify = new RecordingNotifier();
    const stranger = await runRemediationAction(
      click(record, STRANGER, 'reject'),
      deps(ids, fx, notify),
    );
    expect(stranger.kind).toBe('refused');
    const own = await runRemediationAction(
      click(record, REQUESTER, 'reject'),
      deps(ids, fx, notify),
    );
    expect(own).toEqual({ kind: 'rejected' });
  });
});
