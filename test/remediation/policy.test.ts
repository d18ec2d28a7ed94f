// The approval policy: KUBEMEDIC_APPROVERS and the YAML file, validated with errors that name the
// field; rule matching; authorisation; and Slack user-group membership through a real WebClient
// against the fake Slack Web API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_BOUNDS,
  NO_POLICY_REASON,
  PolicyError,
  type UsergroupDirectory,
  approversPolicy,
  authorise,
  loadPolicy,
  parsePolicy,
  ruleFor,
} from '../../src/config/policy.js';
import { SlackUsergroupDirectory } from '../../src/slack/usergroups.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';

const FULL = `
enabled: [patch-service-selector, rollout-restart, scale-workload]
bounds: {maxReplicas: 8, maxMemory: 2Gi}
rules:
  - namespaces: ['prod-*', payments]
    remediations: [scale-workload]
    approvers: ['@SRE-Leads', U0123ABCD]
    requiredApprovals: 2
    bounds: {maxReplicas: 6}
  - namespaces: ['*']
    approvers: [W0AAAAAAA, S0GROUP01]
    allowSelfApproval: true
`;

describe('policy file', () => {
  it('parses rules with defaults, merged bounds and normalised handles', () => {
    const p = parsePolicy(FULL, 'policy.yaml');
    expect(p.enabled).toEqual(['patch-service-selector', 'rollout-restart', 'scale-workload']);
    expect(p.rules[0]).toEqual({
      index: 1,
      namespaces: ['prod-*', 'payments'],
      clusters: ['*'],
      remediations: ['scale-workload'],
      approvers: ['@sre-leads', 'U0123ABCD'],
      allowSelfApproval: false,
      requiredApprovals: 2,
      bounds: { maxReplicas: 6, maxMemory: '2Gi', maxMemoryBytes: 2 * 1024 ** 3 },
    });
    expect(p.rules[1]).toMatchObject({
      namespaces: ['*'],
      remediations: ['*'],
      allowSelfApproval: true,
      requiredApprovals: 1,
      bounds: { maxReplicas: 8, maxMemory: '2Gi' },
    });
  });

  it('rejects a malformed file with one line per problem, naming the field', () => {
    const bad = `
bounds: {maxMemory: lots}
rules:
  - namespaces: [Prod_EU]
    remediations: [restart-everything]
    aprovers: [U0123ABCD]
    requiredApprovals: 3
  - approvers: [alice, '@ok']
`;
    let message = '';
    try {
      parsePolicy(bad, 'bad.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(PolicyError);
      message = (err as Error).message;
    }
    expect(message.split('\n')[0]).toBe('approval policy bad.yaml is invalid:');
    for (const line of [
      '  - bounds.maxMemory: expected a memory quantity of at least 1Mi, such as 512Mi or 4Gi',
      '  - rules[0].namespaces[0]: expected a namespace name or a glob such as prod-*',
      "  - rules[0].remediations[0]: unknown remediation id; expected '*' or one of patch-service-selector,",
      '  - rules[0].approvers: is required',
      '  - rules[0].requiredApprovals: must be 1 or 2',
      '  - rules[0]: Unrecognized key: "aprovers"',
      '  - rules[1].approvers[0]: expected a Slack user id (U… or W…), a @usergroup handle or a usergroup id (S…)',
    ])
      expect(message).toContain(line);
  });

  it('accepts the shipped example (infra/policy.example.yaml)', async () => {
    const file = join(import.meta.dirname, '../../infra/policy.example.yaml');
    const p = await loadPolicy({ policyFile: file });
    expect(p?.rules.map((r) => r.requiredApprovals)).toEqual([2, 1, 1]);
    expect(ruleFor(p!, 'kube-system', 'restart-coredns')?.approvers).toEqual(['@platform']);
  });

  it('reports YAML syntax errors with their position, and an empty rule list', () => {
    expect(() => parsePolicy('rules: [\n  - a', 'broken.yaml')).toThrow(
      /approval policy broken.yaml is not valid YAML:\n {2}- .* at line 2, column 3\n/,
    );
    expect(() => parsePolicy('rules: []', 'empty.yaml')).toThrow(
      'approval policy empty.yaml is invalid:\n  - rules: a policy needs at least one rule',
    );
  });
});

describe('KUBEMEDIC_APPROVERS and loading', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubemedic-policy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes one catch-all rule from the list, and names bad entries', () => {
    const p = approversPolicy('U0AAAAAAA, @sre-oncall  S0BBBBBBB');
    expect(p.rules).toEqual([
      {
        index: 1,
        namespaces: ['*'],
        clusters: ['*'],
        remediations: ['*'],
        approvers: ['U0AAAAAAA', '@sre-oncall', 'S0BBBBBBB'],
        allowSelfApproval: false,
        requiredApprovals: 1,
        bounds: DEFAULT_BOUNDS,
      },
    ]);
    expect(() => approversPolicy('U0AAAAAAA,alice,#ops')).toThrow(
      'KUBEMEDIC_APPROVERS: "alice", "#ops" are not a Slack user id (U… or W…), @usergroup handle or usergroup id (S…)',
    );
  });

  it('loads the file when KUBEMEDIC_POLICY is set (it wins), the list otherwise, and nothing when neither is', async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, FULL);
    expect((await loadPolicy({ policyFile: file, approvers: 'U0AAAAAAA' }))?.source).toBe(file);
    // The shape config/env.ts parses KUBEMEDIC_APPROVERS into (handles without @).
    const fromEnv = await loadPolicy({
      approvers: { users: ['U0AAAAAAA'], groups: ['sre', 'S0CCCCCCC'] },
    });
    expect(fromEnv?.rules[0]?.approvers).toEqual(['U0AAAAAAA', '@sre', 'S0CCCCCCC']);
    expect(await loadPolicy({})).toBeUndefined();
    expect(await loadPolicy({ approvers: { users: [], groups: [] } })).toBeUndefined();
    await expect(loadPolicy({ policyFile: join(dir, 'missing.yaml') })).rejects.toThrow(
      /KUBEMEDIC_POLICY: cannot read .*missing.yaml: ENOENT/,
    );
  });
});

describe('rules and authorisation', () => {
  const policy = parsePolicy(FULL, 'policy.yaml');
  const groups: UsergroupDirectory = {
    members: async (g) => {
      if (g === '@sre-leads') return new Set(['U0LEAD']);
      if (g === 'S0GROUP01') throw new Error('missing_scope');
      return new Set();
    },
  };

  it('picks the first rule whose namespace glob and remediation match', () => {
    expect(ruleFor(policy, 'prod-eu', 'scale-workload')?.index).toBe(1);
    expect(ruleFor(policy, 'payments', 'scale-workload')?.index).toBe(1);
    expect(ruleFor(policy, 'prod-eu', 'rollout-restart')?.index).toBe(2);
    expect(ruleFor(policy, 'staging', 'scale-workload')?.index).toBe(2);
  });

  it('matches `clusters` patterns against the plan’s cluster, and a refusal names the cluster', async () => {
    const byCluster = parsePolicy(
      `
rules:
  - clusters: ['prod-*']
    namespaces: ['*']
    approvers: [U0PRODLEAD]
    requiredApprovals: 2
  - clusters: [staging, 'dev-?']
    approvers: [U0DEV]
`,
      'clusters.yaml',
    );
    expect(byCluster.rules.map((r) => r.clusters)).toEqual([['prod-*'], ['staging', 'dev-?']]);
    expect(ruleFor(byCluster, 'shop', 'rollout-restart', 'prod-eu')?.index).toBe(1);
    expect(ruleFor(byCluster, 'shop', 'rollout-restart', 'dev-1')?.index).toBe(2);
    expect(ruleFor(byCluster, 'shop', 'rollout-restart', 'dev-10')).toBeUndefined();
    const req = { namespace: 'shop', remediation: 'rollout-restart', purpose: 'approve' } as const;
    expect(
      await authorise(byCluster, { ...req, user: 'U0PRODLEAD', cluster: 'prod-us' }),
    ).toMatchObject({ ok: true, requiredApprovals: 2 });
    // The prod approver has no say in staging, and the dev approver none in prod.
    const refused = await authorise(byCluster, { ...req, user: 'U0PRODLEAD', cluster: 'staging' });
    expect(refused).toMatchObject({ ok: false });
    expect(refused.ok ? '' : refused.reason).toContain('the approvers are <@U0DEV>');
    const uncovered = await authorise(byCluster, { ...req, user: 'U0DEV', cluster: 'qa' });
    expect(uncovered.ok ? '' : uncovered.reason).toBe(
      'No rule of the approval policy (clusters.yaml) covers rollout-restart in namespace shop of cluster qa, so nobody may apply it there.',
    );
    expect(() =>
      parsePolicy('rules: [{clusters: ["prod eu"], approvers: [U0X1]}]', 'bad.yaml'),
    ).toThrow(/rules\[0\]\.clusters\[0\]: expected a cluster name or a glob such as prod-\*/);
  });

  it('allows approvers directly or through a user group, with the rule’s approvals and bounds', async () => {
    const req = {
      namespace: 'prod-eu',
      remediation: 'scale-workload' as const,
      purpose: 'approve' as const,
    };
    expect(await authorise(policy, { ...req, user: 'U0LEAD' }, groups)).toMatchObject({
      ok: true,
      requiredApprovals: 2,
      bounds: { maxReplicas: 6 },
    });
    expect(await authorise(policy, { ...req, user: 'U0123ABCD' }, groups)).toMatchObject({
      ok: true,
    });
    expect(await authorise(policy, { ...req, user: 'U0NOBODY' }, groups)).toEqual({
      ok: false,
      reason:
        '<@U0NOBODY> may not approve scale-workload in prod-eu: the approvers are @sre-leads, <@U0123ABCD> (rule 1 of policy.yaml).',
    });
  });

  it('refuses disabled remediations, uncovered namespaces, self-approval, and failed group lookups', async () => {
    const base = { user: 'U0123ABCD', namespace: 'prod-eu', purpose: 'approve' as const };
    expect(await authorise(policy, { ...base, remediation: 'rollout-undo' }, groups)).toMatchObject(
      {
        ok: false,
        reason: expect.stringMatching(/^rollout-undo is not enabled by the approval policy/),
      },
    );
    const narrow = parsePolicy(
      "rules:\n  - namespaces: ['prod-*']\n    approvers: [U0123ABCD]\n",
      'narrow.yaml',
    );
    expect(
      await authorise(narrow, { ...base, namespace: 'dev', remediation: 'rollout-undo' }, groups),
    ).toEqual({
      ok: false,
      reason:
        'No rule of the approval policy (narrow.yaml) covers rollout-undo in namespace dev, so nobody may apply it there.',
    });
    expect(
      await authorise(
        policy,
        { ...base, remediation: 'scale-workload', requesters: ['U0123ABCD'] },
        groups,
      ),
    ).toMatchObject({ ok: false, reason: expect.stringMatching(/^You asked for this diagnosis/) });
    // Rule 2 allows self-approval; its group lookup failing is said, not hidden.
    expect(
      await authorise(
        policy,
        { user: 'U0ZZZ', namespace: 'dev', remediation: 'rollout-restart', purpose: 'approve' },
        groups,
      ),
    ).toMatchObject({
      ok: false,
      reason: expect.stringContaining('(cannot read the members of S0GROUP01: missing_scope)'),
    });
    expect(
      await authorise(
        policy,
        {
          user: 'W0AAAAAAA',
          requesters: ['W0AAAAAAA'],
          namespace: 'dev',
          remediation: 'rollout-restart',
          purpose: 'approve',
        },
        groups,
      ),
    ).toMatchObject({ ok: true });
    expect(await authorise(undefined, { ...base, remediation: 'scale-workload' })).toEqual({
      ok: false,
      reason: NO_POLICY_REASON,
    });
  });
});

describe('Slack user groups', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack({
      usergroups: {
        S0SRE: { handle: 'sre-oncall', users: ['U0ALICE', 'U0BOB'] },
        S0DBA: { handle: 'dba', users: ['U0CAROL'] },
      },
    });
  });
  afterAll(async () => slack.close());

  const client = () =>
    new WebClient(slack.botToken, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });

  it('resolves handles and members with usergroups.list / usergroups.users.list, cached for the TTL', async () => {
    slack.reset();
    let now = 1_000_000;
    const dir = new SlackUsergroupDirectory(client(), 60_000, () => now);
    expect([...(await dir.members('@sre-oncall'))]).toEqual(['U0ALICE', 'U0BOB']);
    expect([...(await dir.members('@dba'))]).toEqual(['U0CAROL']);
    expect([...(await dir.members('S0SRE'))]).toEqual(['U0ALICE', 'U0BOB']);
    expect(slack.callsTo('usergroups.list')).toHaveLength(1);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(2);

    slack.setUsergroup('S0SRE', { handle: 'sre-oncall', users: ['U0DAVE'] });
    expect([...(await dir.members('@sre-oncall'))]).toEqual(['U0ALICE', 'U0BOB']);
    now += 61_000;
    expect([...(await dir.members('@sre-oncall'))]).toEqual(['U0DAVE']);
    expect(slack.callsTo('usergroups.list')).toHaveLength(2);
  });

  it('says which handle does not exist, and does not cache a failed lookup', async () => {
    slack.reset();
    const dir = new SlackUsergroupDirectory(client());
    await expect(dir.members('@nobody')).rejects.toThrow(
      'no Slack user group has the handle @nobody',
    );
    slack.failNext('usergroups.users.list', 'ratelimited');
    await expect(dir.members('S0DBA')).rejects.toThrow(/ratelimited/);
    expect([...(await dir.members('S0DBA'))]).toEqual(['U0CAROL']);
  });
});
