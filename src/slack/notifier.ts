// The remediation flow's voice in Slack, over the slack-post queue: ephemeral refusals, thread
// replies for each audited step, and card updates. Notices for a thread join that thread's
// conversation, so they are posted in order with the rest of it.
import { randomUUID } from 'node:crypto';
import type { Conversations } from './delivery/conversations.js';
import { jobId } from '../queue/jobs.js';
import type { WorkQueues } from '../queue/queues.js';
import type { PlanRecord } from '../remediation/plan-store.js';
import type { RemediationNotifier } from '../remediation/flow.js';
import { renderPlanCard } from './blocks/plan-card.js';
import { type Mrkdwn, mrkdwnMessage } from './blocks/text.js';
import { log } from '../log.js';

/** Texts are Mrkdwn built by the flow with `md`: outside values are already escaped. */
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
