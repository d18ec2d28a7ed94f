// The remediation runtime's steps in words: the one Slack renderer (thread reply, card status,
// ephemeral; escaping, mentions, redaction, the diff's code block) and the plain-text renderer the
// audit log and `kubemedic audit` use. Pure: no Redis, no cluster.
import { describe, expect, it } from 'vitest';
import { renderAuditEntry } from '../../src/cli/audit.js';
import type { PlanRecord } from '../../src/remediation/plan-store.js';
import {
  type RemediationStep,
  UNKNOWN_PLAN_REASON,
  stepText,
} from '../../src/remediation/steps.js';
import { stepMessages } from '../../src/slack/blocks/steps.js';
import type { Mrkdwn } from '../../src/slack/blocks/text.js';
import { type RemediationNotifier, slackReporter } from '../../src/slack/notifier.js';

const text = (m: Mrkdwn | undefined) => m?.text;

describe('stepMessages (Slack)', () => {
  it('tells a refusal only to the clicker, with the reason code put into words', () => {
    const m = stepMessages({ kind: 'refused', refusal: { code: 'unknown-plan' } });
    expect(m).toEqual({ ephemeral: expect.anything() });
    expect(text(m.ephemeral)).toBe(UNKNOWN_PLAN_REASON);
    const stale = stepMessages({
      kind: 'refused',
      refusal: { code: 'decided', state: 'rejected', by: 'U0APPROVER' },
    });
    expect(text(stale.ephemeral)).toBe('This fix was rejected by <@U0APPROVER>.');
    const policy = stepMessages({
      kind: 'refused',
      refusal: { code: 'not-authorised', reason: 'Only <@U0BOSS> may approve <!channel>' },
    });
    // The policy's mentions render; anything else it carries stays text.
    expect(text(policy.ephemeral)).toBe('Only <@U0BOSS> may approve &lt;!channel&gt;');
  });

  it('escapes outside values and mentions users in thread replies and card statuses', () => {
    const m = stepMessages({
      kind: 'rejected',
      by: 'U0APPROVER',
      title: 'Set <!here> selector & more',
    });
    expect(text(m.thread)).toBe(
      '<@U0APPROVER> rejected: Set &lt;!here&gt; selector &amp; more. Nothing was changed.',
    );
    expect(text(m.card)).toBe('Rejected by <@U0APPROVER>');
    expect(m.ephemeral).toBeUndefined();
  });

  it('answers a first of two approvals in the thread, on the card and to the approver', () => {
    const m = stepMessages({
      kind: 'approval-recorded',
      by: 'U0APPROVER',
      title: 'Scale api',
      approvals: ['U0APPROVER'],
      needed: 2,
    });
    expect(text(m.thread)).toBe(
      '<@U0APPROVER> approved: Scale api (1 of 2 approvals). Awaiting a second approver.',
    );
    expect(text(m.card)).toBe('Approved by <@U0APPROVER>; awaiting a second approver');
    expect(text(m.ephemeral)).toBe('Your approval is recorded; awaiting a second approver.');
  });

  it('shows the dry run as a code block, redacted, cut with a pointer to the audit log', () => {
    const diff = `~ env["DB"].value: "password=hunter2" → "x"\n${'+ spec.x: 1\n'.repeat(400)}`;
    const m = stepMessages({ kind: 'dry-run', of: 'undo', changes: [], diff });
    const t = text(m.thread) ?? '';
    expect(t).toMatch(/^Server-side dry run of the undo passed\. The change:\n```~ env/);
    expect(t).not.toContain('hunter2');
    expect(t).toMatch(/```\n_… \d+ more characters not shown: `kubemedic audit --output json`/);
    expect(t.length).toBeLessThan(2600);
    expect(m.card).toBeUndefined();
  });

  it('says verified or not on the card with the approvers, and whether it can be undone', () => {
    const verified = stepMessages({
      kind: 'verified',
      effect: 'Service api has 2 ready endpoint(s)',
      check: 'the diagnosis no longer reports service.selector-mismatch',
      undoable: true,
      approvers: ['U0A', 'U0B'],
    });
    expect(text(verified.thread)).toBe(
      'Verified: Service api has 2 ready endpoint(s); the diagnosis no longer reports service.selector-mismatch.',
    );
    expect(text(verified.card)).toBe('Applied and verified (approved by <@U0A> and <@U0B>)');
    const not = stepMessages({
      kind: 'not-verified',
      why: 'not within 60 s: 0 of 1',
      undoable: false,
      approvers: ['U0A'],
    });
    expect(text(not.thread)).toBe(
      'Applied, but not verified: not within 60 s: 0 of 1. This fix cannot be undone.',
    );
    expect(text(not.card)).toBe('Applied, not verified (approved by <@U0A>)');
  });

  it('tells a stale plan apart from a failure, for the fix and for the undo', () => {
    const words = (s: RemediationStep) => {
      const m = stepMessages(s);
      return [text(m.thread), text(m.card)];
    };
    expect(words({ kind: 'stale', of: 'fix', reason: 'Service api changed' })).toEqual([
      'Not applied: Service api changed',
      'Not applied: the plan went stale (Service api changed)',
    ]);
    expect(words({ kind: 'failed', of: 'fix', reason: 'forbidden' })).toEqual([
      'Failed, nothing was changed: forbidden',
      'Failed: forbidden',
    ]);
    expect(words({ kind: 'stale', of: 'undo', reason: 'gone' })).toEqual([
      'Undo not applied: gone',
      'Applied; the undo was not applied (gone)',
    ]);
  });
});

describe('slackReporter', () => {
  const record = {
    id: 'p1xxxxxxxx',
    channel: 'C0PLAN',
    threadTs: '111.1',
    cardTs: '111.2',
  } as PlanRecord;

  it('posts thread reply, card, then ephemeral, in the plan thread, and survives one failed send', async () => {
    const sent: string[] = [];
    const notify: RemediationNotifier = {
      threadReply: async (c, t, m) => {
        sent.push(`reply ${c} ${t} ${m.text}`);
        throw new Error('slack down');
      },
      updateCard: async (r, m) => void sent.push(`card ${r.id} ${m.text}`),
      ephemeral: async (c, u, m) => void sent.push(`ephemeral ${c} ${u} ${m.text}`),
    };
    const report = slackReporter(notify);
    await expect(
      report(
        {
          kind: 'approval-recorded',
          by: 'U0A',
          title: 'Scale',
          approvals: ['U0A'],
          needed: 2,
        },
        { channel: 'C0CLICK', user: 'U0A', record },
      ),
    ).rejects.toThrow('slack down');
    expect(sent).toEqual([
      'reply C0PLAN 111.1 <@U0A> approved: Scale (1 of 2 approvals). Awaiting a second approver.',
      'card p1xxxxxxxx Approved by <@U0A>; awaiting a second approver',
      'ephemeral C0CLICK U0A Your approval is recorded; awaiting a second approver.',
    ]);
  });
});

describe('plain text (audit log, kubemedic audit)', () => {
  it('says the same without markup, and the audit view renders the stored step', () => {
    const step: RemediationStep = {
      kind: 'approved',
      approvers: ['U0A', 'U0B'],
      title: 'Set <x> selector',
      clamped: 'replicas clamped to 5',
    };
    expect(stepText(step)).toBe(
      'U0A and U0B approved: Set <x> selector (replicas clamped to 5). Running a server-side dry run first.',
    );
    const line = renderAuditEntry({
      id: '1-0',
      at: '2026-01-01T14:00:00.000Z',
      actor: 'U0A',
      action: 'approve',
      step: 'approved',
      detail: step,
      planId: 'p1xxxxxxxx',
      outcome: 'an older wording',
    });
    expect(line.split('\n')[1]).toBe(`    ${stepText(step)}`);
  });
});
