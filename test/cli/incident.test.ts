// `kubemedic incident export` writes the incident summary for the postmortem as Markdown, from a
// thread kept in the real Redis (thread state and the remediation audit stream).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/remediation/audit.js';
import { Conversations } from '../../src/slack/delivery/conversations.js';
import { DEFAULT_REDIS_URL, deletePrefix, uniquePrefix } from '../support/app.js';
import { cli } from '../support/cli.js';

const prefix = uniquePrefix('incident');
const GROUP = '{}/{namespace="prod"}:{alertname="ServiceZeroEndpoints"}';
const PARENT_TS = '1767276120.000100';
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(DEFAULT_REDIS_URL);
  const conversations = new Conversations(redis, prefix);
  const id = 'a.incident1';
  const target = { kind: 'Service' as const, name: 'api-service', namespace: 'prod', cluster: 'c' };
  await conversations.init(id, 'C0ALERTS', 'alert', new Date('2026-01-01T14:02:30Z'));
  await conversations.setAlert(id, {
    alertname: 'ServiceZeroEndpoints',
    status: 'resolved',
    firing: 0,
    groupKey: GROUP,
    startsAt: '2026-01-01T14:02:00Z',
    endsAt: '2026-01-01T14:08:00Z',
    notifications: 2,
    severity: 'critical',
    summary: 'api-service has no ready endpoints',
  });
  await conversations.mergeSummary(id, {
    key: 'k',
    target,
    stage: 'posted',
    verdict: 'unhealthy',
    rootCause: 'service.selector-mismatch',
    headline: 'Service api-service selects no pods: app: api-svc vs api-service <!channel>',
    findings: 1,
    plans: 1,
    diagnosedAt: '2026-01-01T14:02:34Z',
  });
  await conversations.mergeFix(id, {
    planId: 'PlanAbCdEfGh0123',
    title: 'Set the selector of Service api-service to app=api-service',
    stage: 'verified',
    by: ['U0APPROVER'],
    at: '2026-01-01T14:04:30Z',
  });
  await conversations.setParent(id, 'C0ALERTS', PARENT_TS);
  const audit = new AuditLog(redis, prefix);
  const entry = {
    actor: 'U0APPROVER',
    actorName: 'alice',
    action: 'approve' as const,
    planId: 'PlanAbCdEfGh0123',
    channel: 'C0ALERTS',
  };
  await audit.append({
    ...entry,
    step: 'approved',
    at: '2026-01-01T14:04:00.000Z',
    outcome: 'U0APPROVER approved: Set the selector. Running a server-side dry run first.',
  });
  await audit.append({
    ...entry,
    step: 'verified',
    at: '2026-01-01T14:04:30.000Z',
    outcome: 'Verified: Service api-service has 3 ready endpoint(s).',
  });
  // Another thread's plan: not part of this incident.
  await audit.append({
    ...entry,
    planId: 'OtherPlan0000000',
    step: 'approved',
    at: '2026-01-01T14:05:00.000Z',
    outcome: 'someone else approved another fix',
  });
});

afterAll(async () => {
  redis.disconnect();
  await deletePrefix(prefix);
});

describe('kubemedic incident export', () => {
  it('writes the damage report as Markdown: duration, time to diagnose and to fix, root cause, fix and approver, timeline', async () => {
    const run = await cli(['incident', 'export', PARENT_TS, '--prefix', prefix]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const md = run.out;
    expect(md).toContain('# Incident: ServiceZeroEndpoints (resolved)');
    expect(md).toContain('- **Severity:** critical');
    expect(md).toContain('- **Duration:** 6 min 0 s');
    expect(md).toContain('- **Time to first diagnosis:** 4 s');
    expect(md).toContain('- **Time to fix:** 2 min 0 s');
    expect(md).toMatch(
      /## Root cause\n\n- api-service in prod: `service.selector-mismatch` Service/,
    );
    expect(md).toContain(
      '- Set the selector of Service api-service to app=api-service: verified, by U0APPROVER at 2026-01-01 14:04:30 UTC',
    );
    const timeline = md.slice(md.indexOf('## Timeline'));
    const rows = timeline.split('\n').filter((l) => l.startsWith('| 2026'));
    expect(rows.map((r) => r.split(' | ')[1]?.replace(/ \|$/, ''))).toEqual([
      'ServiceZeroEndpoints started firing',
      'kubemedic received the alert and opened the thread',
      expect.stringContaining('root cause service.selector-mismatch'),
      expect.stringContaining('approved by U0APPROVER (alice)'),
      expect.stringContaining('verified by U0APPROVER (alice)'),
      'ServiceZeroEndpoints resolved',
    ]);
    expect(md).not.toContain('someone else');
    // Outside text cannot become Markdown markup or a Slack control sequence.
    expect(md).not.toContain('<!channel>');
    expect(md).toContain('\\<!channel\\>');
  });

  it('finds the thread by its Alertmanager groupKey too, and writes JSON on request', async () => {
    const run = await cli(['incident', 'export', GROUP, '--prefix', prefix, '-o', 'json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as { title: string; toFix: number; fixes: unknown[] };
    expect(summary.title).toBe('ServiceZeroEndpoints');
    expect(summary.toFix).toBe(120_000);
    expect(summary.fixes).toHaveLength(1);
  });

  it('says what to do with an unknown thread, a missing argument, and --help', async () => {
    const unknown = await cli(['incident', 'export', '1700000000.999999', '--prefix', prefix]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no kubemedic thread "1700000000.999999"');
    const missing = await cli(['incident', 'export']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('name the thread');
    const help = await cli(['incident', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('kubemedic incident export <THREAD_TS | GROUP_KEY | CONVERSATION>');
  });
});
