// The buttons of an alert thread's parent: "Diagnose again" queues a fresh diagnosis of the
// thread's targets into the same thread; the link buttons (runbook, dashboard, graph, silence)
// are opened by Slack itself, which still sends the click here, so they are only acked.
// The button carries the thread's opaque id; its targets are read from Redis, never the payload.
import type { App } from '@slack/bolt';
import * as z from 'zod';
import { log, reasonOf } from '../../log.js';
import type { WorkQueues } from '../../queue/queues.js';
import { PARENT_ACTION_IDS } from '../blocks/parent.js';
import { md, mrkdwnMessage, userRef } from '../blocks/text.js';
import { describeTarget } from '../../diagnosis/target.js';
import type { TargetRef } from '../thread-state.js';
import type { Conversations } from '../delivery/conversations.js';
import type { SlackPoster } from '../poster.js';

/** The action_ids of the parent's buttons (the request front door lets these through). */
export const ALERT_ACTION_ID_PATTERN = /^kubemedic_(rediagnose|link_[a-z]+)$/;

const ClickSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z.object({ channel_id: z.string().optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(200).optional() })),
});

function describeTargets(targets: TargetRef[]): string {
  const names = targets.slice(0, 5).map((t) => describeTarget(t));
  return names.join(', ') + (targets.length > 5 ? ` and ${targets.length - 5} more` : '');
}

export interface AlertActionDeps {
  queues: WorkQueues;
  conversations: Conversations;
  poster: SlackPoster;
}

export type RediagnoseOutcome =
  { ok: true; targets: number } | { ok: false; reason: string; channel?: string; user?: string };

/** Queues a fresh diagnosis of every target of the clicked thread, answered in that thread. */
export async function rediagnose(body: unknown, deps: AlertActionDeps): Promise<RediagnoseOutcome> {
  const parsed = ClickSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: 'not a block_actions payload' };
  const p = parsed.data;
  const channel = p.channel?.id ?? p.container?.channel_id;
  const user = p.user.id;
  const clicked = p.actions.find((a) => a.action_id === PARENT_ACTION_IDS.rediagnose);
  const id = clicked?.value;
  if (!id || !channel) return { ok: false, reason: 'the button names no thread', channel, user };
  const conv = await deps.conversations.get(id);
  // A thread of another channel (or one forgotten) is not diagnosed from here.
  if (!conv.parentTs || (conv.channelId ?? conv.channel) !== channel || conv.kind !== 'alert')
    return {
      ok: false,
      reason: 'this thread is unknown here or has been forgotten',
      channel,
      user,
    };
  const targets = conv.targets.map((t) => t.target);
  for (const target of targets)
    await deps.queues.requestDiagnosis(target, { kind: 'alert', channel, conversation: id });
  await deps.queues.postToSlack({
    conversation: id,
    channel,
    ops: [
      {
        op: 'reply',
        ...mrkdwnMessage(
          md`:repeat: ${userRef(user)} asked to diagnose again: ${describeTargets(targets)}.`,
        ),
      },
    ],
  });
  return { ok: true, targets: targets.length };
}

export function registerAlertActions(app: App, deps: AlertActionDeps): void {
  app.action(ALERT_ACTION_ID_PATTERN, async ({ ack, body, action }) => {
    await ack();
    if (!('action_id' in action) || action.action_id !== PARENT_ACTION_IDS.rediagnose) return;
    let outcome: RediagnoseOutcome;
    try {
      outcome = await rediagnose(body, deps);
    } catch (err) {
      log.error({ err: reasonOf(err) }, 'could not queue a new diagnosis');
      outcome = {
        ok: false,
        reason: 'kubemedic cannot queue work right now; try again in a minute',
      };
      const b = body as { channel?: { id?: string }; user?: { id?: string } };
      outcome.channel = b.channel?.id;
      outcome.user = b.user?.id;
    }
    if (outcome.ok || !outcome.channel || !outcome.user) return;
    await deps.poster
      .postEphemeral({
        channel: outcome.channel,
        user: outcome.user,
        text: md`:warning: Not diagnosed again: ${outcome.reason}.`.text,
      })
      .catch((err: unknown) => log.warn({ err: reasonOf(err) }, 'could not tell the clicker'));
  });
}
