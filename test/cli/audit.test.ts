// `kubemedic audit` reads the remediation audit stream from the real Redis, newest first.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/index.js';
import { AuditLog } from '../../src/remediation/audit.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `kubemedic-test-${randomBytes(4).toString('hex')}`;
let redis: Redis;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s), isTTY: false },
  };
}

beforeAll(async () => {
  redis = new Redis(url);
  const log = new AuditLog(redis, prefix);
  const base = {
    planId: 'p1xxxxxxxx',
    remediation: 'patch-service-selector',
    object: 'Service prod/api',
    channel: 'C1',
  };
  await log.append({
    ...base,
    actor: 'U1',
    action: 'approve',
    step: 'approved',
    outcome: '<@U1> approved: Set the selector',
    at: '2026-01-01T14:00:00.000Z',
  });
  await log.append({
    ...base,
    actor: 'U1',
    actorName: 'alice',
    action: 'approve',
    step: 'dry-run',
    dryRun: '~ spec.selector: app=api-svc → app=api',
    patch: {
      type: 'json-patch',
      ops: [{ op: 'replace', path: '/spec/selector', value: { app: 'api' } }],
    },
    outcome: 'Server-side dry run of the fix passed. The change:\n```\n...\n```',
    at: '2026-01-01T14:00:01.000Z',
  });
  await log.append({
    ...base,
    actor: 'U1',
    action: 'approve',
    step: 'verified',
    outcome: 'Verified: Service api has 3 ready endpoint(s).',
    at: '2026-01-01T14:00:05.000Z',
  });
});

afterAll(async () => {
  await redis.del(`${prefix}:audit`);
  redis.disconnect();
});

describe('kubemedic audit', () => {
  it('lists the newest entries first, one line each with the outcome below', async () => {
    const c = io();
    expect(await runCli(['audit', '--prefix', prefix, '--limit', '2', '--redis', url], c.io)).toBe(
      0,
    );
    expect(c.out.join('\n')).toBe(
      [
        '2026-01-01T14:00:05.000Z  verified          patch-service-selector Service prod/api  by U1  plan p1xxxxxxxx',
        '    Verified: Service api has 3 ready endpoint(s).',
        '2026-01-01T14:00:01.000Z  dry-run           patch-service-selector Service prod/api  by U1 (alice)  plan p1xxxxxxxx',
        '    Server-side dry run of the fix passed. The change:',
        '    ~ spec.selector: app=api-svc → app=api',
      ].join('\n'),
    );
  });

  it('shows Slack mentions as plain user ids and a stored dry run with its whole diff', async () => {
    const p = `${prefix}-words`;
    const log = new AuditLog(redis, p);
    const base = { planId: 'p2xxxxxxxx', remediation: 'add-startup-probe', channel: 'C1' };
    await log.append({
      ...base,
      actor: 'U0NOBODY',
      action: 'approve',
      step: 'refused',
      detail: {
        kind: 'refused',
        refusal: {
          code: 'not-authorised',
          reason:
            '<@U0NOBODY> may not approve add-startup-probe in prod: the approvers are @sre-leads, <@U0123ABCD|bob> (rule 1 of policy.yaml).',
        },
      },
      outcome: 'refused',
      at: '2026-01-01T15:00:00.000Z',
    });
    const diff = [
      'Deployment prod/api',
      '+ spec.template.spec.containers[0].startupProbe.failureThreshold: 30',
      '+ spec.template.spec.containers[0].startupProbe.periodSeconds: 10',
      '~ spec.template.spec.containers[0].image: "api:1" → "api:2"',
    ].join('\n');
    await log.append({
      ...base,
      actor: 'U0123ABCD',
      action: 'approve',
      step: 'dry-run',
      detail: { kind: 'dry-run', of: 'fix', changes: [], diff },
      dryRun: diff,
      outcome: 'dry run',
      at: '2026-01-01T15:00:01.000Z',
    });
    try {
      const c = io();
      expect(await runCli(['audit', '--prefix', p, '--redis', url], c.io)).toBe(0);
      const out = c.out.join('\n');
      expect(out).not.toMatch(/<@/);
      expect(out).toContain(
        '    U0NOBODY may not approve add-startup-probe in prod: the approvers are @sre-leads, U0123ABCD (rule 1 of policy.yaml).',
      );
      expect(out).toContain(
        [
          '    Server-side dry run of the fix passed. The change:',
          ...diff.split('\n').map((l) => `    ${l}`),
        ].join('\n'),
      );
    } finally {
      await redis.del(`${p}:audit`);
    }
  });

  it('prints the entries as JSON, with the patch and the dry-run diff', async () => {
    const c = io();
    expect(await runCli(['audit', '--prefix', prefix, '--output', 'json'], c.io)).toBe(0);
    const entries = JSON.parse(c.out.join('\n')) as { step: string; dryRun?: string; id: string }[];
    expect(entries.map((e) => e.step)).toEqual(['verified', 'dry-run', 'approved']);
    expect(entries[1]?.dryRun).toBe('~ spec.selector: app=api-svc → app=api');
    expect(entries[0]?.id).toMatch(/^\d+-\d+$/);
  });

  it('says when there is nothing, and fails with one line on bad usage or an unreachable Redis', async () => {
    const empty = io();
    expect(await runCli(['audit', '--prefix', `${prefix}-none`], empty.io)).toBe(0);
    expect(empty.out).toEqual([`no audit entries under ${prefix}-none:audit`]);

    const bad = io();
    expect(await runCli(['audit', '--limit', 'many'], bad.io)).toBe(2);
    expect(bad.err[0]).toMatch(
      /^kubemedic: --limit must be a whole number from 1 to 10000\n\nUsage:/,
    );

    const down = io();
    expect(await runCli(['audit', '--redis', 'redis://127.0.0.1:1'], down.io)).toBe(2);
    expect(down.err).toHaveLength(1);
    expect(down.err[0]).toMatch(/^kubemedic: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it('reads one cluster’s log with --cluster (a hub and agents keep one log per cluster)', async () => {
    const clustered = new AuditLog(redis, `{${prefix}:c:prod-eu}`);
    await clustered.append({
      planId: 'p2xxxxxxxx',
      remediation: 'rollout-restart',
      object: 'Deployment shop/cart',
      channel: 'C2',
      actor: 'U2',
      action: 'approve',
      step: 'approved',
      outcome: 'approved by U2',
    });
    try {
      const c = io();
      expect(await runCli(['audit', '--prefix', prefix, '--cluster', 'prod-eu'], c.io)).toBe(0);
      expect(c.out.join('\n')).toContain('Deployment shop/cart');
      expect(c.out.join('\n')).not.toContain('Service prod/api');
      const bad = io();
      expect(await runCli(['audit', '--prefix', prefix, '--cluster', 'a*'], bad.io)).toBe(2);
      expect(bad.err[0]).toMatch(/^kubemedic: "a\*" is not a cluster name/);
    } finally {
      await redis.del(`{${prefix}:c:prod-eu}:audit`);
    }
  });

  it('is listed in the usage', async () => {
    const c = io();
    expect(await runCli(['help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toContain('kubemedic audit [--limit N] [--redis URL]');
  });
});
