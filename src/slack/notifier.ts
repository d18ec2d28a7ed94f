// The remediation runtime's voice in Slack: `slackReporter` turns each step the flow reports into
// messages (blocks/steps.ts) and sends them through a notifier; SlackQueueNotifier sends over the
// slack-post queue: ephemeral refusals, thread replies for each audited step, and card updates.
// Notices for a thread join that thread's conversation, so they are posted in order with the
// rest of it.
import { randomUUID } from 'node:crypto';
import type { Conversations } from './delivery/conversations.js';
import { jobId } from '../queue/jobs.js';
import type { WorkQueues } from '../queue/queues.js';
import type { PlanRecord } from '../remediation/plan-store.js';
import type { RemediationStep, ReportStep } from '../remediation/steps.js';
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
  /** Uploads the thread's incident picture again with the applied fix marked. */
  redrawPicture?(record: PlanRecord, fix: PictureFix): Promise<void>;
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
    const sends = [
      thread && threadTs ? () => notify.threadReply(channel, threadTs, thread) : undefined,
      card && record ? () => notify.updateCard(record, card) : undefined,
      ephemeral ? () => notify.ephemeral(ctx.channel, ctx.user, ephemeral) : undefined,
    ];
    const fix = pictureFix(step, record);
    if (fix && record && notify.redrawPicture) sends.push(() => notify.redrawPicture!(record, fix));
    const failures: unknown[] = [];
    for (const send of sends) await send?.().catch((err: unknown) => failures.push(err));
    if (failures.length) throw failures[0];
  };
}

export class SlackQueueNotifier implements RemediationNotifier {
  constructor(
    private readonly queues: WorkQueues,
    private readonly conversations: Conversations,
  ) {}

  private async conversationOf(channel: string, threadTs: string | undefined): Promise<string> {
    if (!threadTs) return jobId('n', randomUUID());
    return (await this.conversations.ofThread(channel, threadTs)) ?? jobId('t', channel, threadTs);
  }

  async ephemeral(channel: string, user: string, text: Mrkdwn): Promise<void> {
    await this.queues.postToSlack({
      conversation: jobId('e', randomUUID()),
      channel,
      ops: [{ op: 'ephemeral', user, ...mrkdwnMessage(text) }],
    });
  }

  async threadReply(channel: string, threadTs: string, text: Mrkdwn): Promise<void> {
    await this.queues.postToSlack({
      conversation: await this.conversationOf(channel, threadTs),
      channel,
      ops: [{ op: 'reply', threadTs, ...mrkdwnMessage(text) }],
    });
  }

  async redrawPicture(record: PlanRecord, fix: PictureFix): Promise<void> {
    if (!record.channel || !record.threadTs) return;
    await this.queues.postToSlack({
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
    await this.queues.postToSlack({
      conversation: await this.conversationOf(record.channel, record.threadTs),
      channel: record.channel,
      ops: [{ op: 'update', ts: record.cardTs, ...renderPlanCard(record, statusText) }],
    });
  }
}
