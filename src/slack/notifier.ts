// The remediation runtime's voice in Slack: `slackReporter` turns each step the flow reports into
// messages (blocks/steps.ts) and sends them through a notifier; SlackQueueNotifier sends over the
// slack-post queue: ephemeral refusals, thread replies for each audited step, and card updates.
// Notices for a thread join that thread's conversation, so they are posted in order with the
// rest of it.
import { randomUUID } from 'node:crypto';
import type { Conversations } from './delivery/conversations.js';
import { type SlackPostJob, jobId } from '../queue/jobs.js';
import type { WorkQueues } from '../queue/queues.js';
import type { PlanRecord } from '../remediation/plan-store.js';
import type { RemediationStep, ReportStep } from '../remediation/steps.js';
import type { FixState } from './thread-state.js';
import type { PictureFix } from '../picture/model.js';
import { targetKey } from './thread-state.js';
import { renderPlanCard } from './blocks/plan-card.js';
import { stepMessages, threadOf } from './blocks/steps.js';
import { type Mrkdwn, mrkdwnMessage } from './blocks/text.js';
import { log } from '../log.js';

/** Where rendered remediation messages go. Texts are Mrkdwn: outside values are already escaped. */
export interface RemediationNotifier {
  /** A reply only the clicker sees (refusals). */
  ephemeral(channel: string, user: string, text: Mrkdwn): Promise<void>;
  /** A reply in the plan's thread (each step of the audit is echoed here). */
  threadReply(channel: string, threadTs: string, text: Mrkdwn): Promise<void>;
  /** Re-renders the plan's card for its new state (Undo button when applied and undoable). */
  updateCard(record: PlanRecord, statusText: Mrkdwn): Promise<void>;
  /** Moves the thread's parent on (fix approved, applied, verified by whom, undone). */
  fixState?(record: PlanRecord, fix: FixState): Promise<void>;
  /** Uploads the thread's incident picture again with the applied fix marked. */
  redrawPicture?(record: PlanRecord, fix: PictureFix): Promise<void>;
}

/** What a step means for the thread's parent, if anything. */
export function fixStateOf(
  step: RemediationStep,
  record: PlanRecord,
  at = new Date(),
): FixState | undefined {
  const base = { planId: record.id, title: record.plan.title, at: at.toISOString() };
  switch (step.kind) {
    case 'approved':
      return { ...base, stage: 'approved', by: step.approvers };
    case 'applied':
      return { ...base, stage: 'applied', by: record.approvals };
    case 'verified':
    case 'not-verified':
      return { ...base, stage: step.kind, by: step.approvers };
    case 'stale':
    case 'failed':
      return step.of === 'fix' ? { ...base, stage: 'failed', by: record.approvals } : undefined;
    case 'rejected':
      return { ...base, stage: 'rejected', by: [step.by] };
    case 'undone':
      return { ...base, stage: 'undone', by: [step.by] };
    default:
      return undefined;
  }
}

/** An applied fix, once verified (or not), as the incident picture marks it. */
function pictureFix(step: RemediationStep, record: PlanRecord | undefined): PictureFix | undefined {
  if (step.kind !== 'verified' && step.kind !== 'not-verified') return undefined;
  if (!record?.applied || !record.threadTs) return undefined;
  const who = record.applied.by ? ` by ${record.applied.by}` : '';
  return {
    at: record.applied.at,
    label: `${record.plan.id}${who}${step.kind === 'verified' ? '' : ' (not verified)'}`.slice(
      0,
      120,
    ),
    verifiedAt: new Date().toISOString(),
    ...(step.readyEndpoints === undefined ? {} : { ready: step.readyEndpoints }),
  };
}

/**
 * The flow's report port over a notifier: thread reply, card, then ephemeral, in that order.
 * One failed send does not stop the others; the first failure is rethrown for the flow to log.
 */
export function slackReporter(notify: RemediationNotifier): ReportStep {
  return async (step, ctx) => {
    const { thread, card, ephemeral } = stepMessages(step);
    const { channel, threadTs } = threadOf(ctx);
    const record = ctx.record;
    const fix = record && notify.fixState ? fixStateOf(step, record) : undefined;
    const sends = [
      thread && threadTs ? () => notify.threadReply(channel, threadTs, thread) : undefined,
      card && record ? () => notify.updateCard(record, card) : undefined,
      fix && record && notify.fixState
        ? async () => {
            await notify.fixState?.(record, fix);
          }
        : undefined,
      ephemeral ? () => notify.ephemeral(ctx.channel, ctx.user, ephemeral) : undefined,
    ];
    const drawn = pictureFix(step, record);
    if (drawn && record && notify.redrawPicture) {
      const redraw = notify.redrawPicture.bind(notify);
      sends.push(() => redraw(record, drawn));
    }
    const failures: unknown[] = [];
    for (const send of sends) await send?.().catch((err: unknown) => failures.push(err));
    if (failures.length) throw failures[0];
  };
}

export class SlackQueueNotifier implements RemediationNotifier {
  constructor(
    private readonly queues: WorkQueues,
    /** Absent on an agent: its notices go to the thread by its ts, in their own order. */
    private readonly conversations?: Conversations,
  ) {}

  private async conversationOf(channel: string, threadTs: string | undefined): Promise<string> {
    if (!threadTs) return jobId('n', randomUUID());
    return (await this.conversations?.ofThread(channel, threadTs)) ?? jobId('t', channel, threadTs);
  }

  /** A thread's notices in the order they were sent: each job waits for the one before. */
  private async postInOrder(job: Omit<SlackPostJob, 'seq'>): Promise<void> {
    // An agent has no conversations of its own (they live in the hub's keys): no sequence there.
    const seq = await this.conversations?.nextSeq(job.conversation);
    await this.queues.postToSlack(seq === undefined ? job : { ...job, seq });
  }

  async ephemeral(channel: string, user: string, text: Mrkdwn): Promise<void> {
    await this.queues.postToSlack({
      conversation: jobId('e', randomUUID()),
      channel,
      ops: [{ op: 'ephemeral', user, ...mrkdwnMessage(text) }],
    });
  }

  async threadReply(channel: string, threadTs: string, text: Mrkdwn): Promise<void> {
    await this.postInOrder({
      conversation: await this.conversationOf(channel, threadTs),
      channel,
      ops: [{ op: 'reply', threadTs, ...mrkdwnMessage(text) }],
    });
  }

  async redrawPicture(record: PlanRecord, fix: PictureFix): Promise<void> {
    if (!record.channel || !record.threadTs) return;
    await this.postInOrder({
      conversation: await this.conversationOf(record.channel, record.threadTs),
      channel: record.channel,
      ops: [{ op: 'picture', key: targetKey(record.target), fix, reason: 'fix applied' }],
    });
  }

  async updateCard(record: PlanRecord, statusText: Mrkdwn): Promise<void> {
    if (!record.channel || !record.cardTs) {
      log.warn({ planId: record.id }, 'plan has no card to update');
      return;
    }
    await this.postInOrder({
      conversation: await this.conversationOf(record.channel, record.threadTs),
      channel: record.channel,
      ops: [{ op: 'update', ts: record.cardTs, ...renderPlanCard(record, statusText) }],
    });
  }

  async fixState(record: PlanRecord, fix: FixState): Promise<void> {
    // Only a thread kubemedic opened has a parent to move on.
    const conversation =
      record.channel && record.threadTs
        ? await this.conversations?.ofThread(record.channel, record.threadTs)
        : undefined;
    if (!conversation || !record.channel) return;
    await this.postInOrder({ conversation, channel: record.channel, ops: [{ op: 'parent', fix }] });
  }
}
