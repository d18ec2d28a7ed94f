// Approve / Reject / Undo clicks: validated, acked at once, queued for the remediate worker.
// Only the plan id is taken from the payload; the plan itself is read from Redis by the flow.
// *Show full command* decides nothing: the plan's command is read from Redis and sent to the
// clicker alone.
import type { App } from '@slack/bolt';
import * as z from 'zod';
import { log, reasonOf } from '../../log.js';
import { jobId } from '../../queue/jobs.js';
import type { WorkQueues } from '../../queue/queues.js';
import {
  type RemediationAction,
  RemediationActionSchema,
  UNKNOWN_PLAN_REASON,
} from '../../remediation/flow.js';
import type { PlanStore } from '../../remediation/plan-store.js';
import { ACTION_IDS, renderFullCommand } from '../blocks/plan-card.js';
import { md } from '../blocks/text.js';
import type { SlackPoster } from '../poster.js';

const BlockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({
    id: z.string().min(1),
    username: z.string().optional(),
    name: z.string().optional(),
  }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z
    .object({ channel_id: z.string().optional(), message_ts: z.string().optional() })
    .optional(),
  message: z.object({ ts: z.string() }).optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string(),
        value: z.string().optional(),
        action_ts: z.string().optional(),
      }),
    )
    .min(1),
});

const ACTION_BY_ID: Record<string, RemediationAction['action']> = {
  [ACTION_IDS.approve]: 'approve',
  [ACTION_IDS.reject]: 'reject',
  [ACTION_IDS.undo]: 'undo',
};

export type ParsedClick =
  | { ok: true; action: RemediationAction; key: string }
  | { ok: false; reason: string; channel?: string; user?: string };

/** Turns a block_actions payload into a remediation action, or says why it cannot. */
export function parseClick(body: unknown): ParsedClick {
  const parsed = BlockActionsSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: 'not a block_actions payload' };
  const p = parsed.data;
  const channel = p.channel?.id ?? p.container?.channel_id;
  const clicked = p.actions.find((a) => a.action_id in ACTION_BY_ID);
  const base = { channel, user: p.user.id };
  if (!clicked) return { ok: false, reason: 'no kubemedic button in the payload', ...base };
  const action = RemediationActionSchema.safeParse({
    action: ACTION_BY_ID[clicked.action_id],
    planId: clicked.value,
    userId: p.user.id,
    userName: p.user.username ?? p.user.name,
    channel,
    messageTs: p.container?.message_ts ?? p.message?.ts,
  });
  if (!action.success) return { ok: false, reason: 'the button carries no valid plan id', ...base };
  // Slack redelivers a click it saw no ack for; the same click is queued once.
  const key = jobId(
    'r',
    action.data.planId,
    action.data.action,
    p.user.id,
    clicked.action_ts ?? String(Date.now()),
  );
  return { ok: true, action: action.data, key };
}

/** The action_ids of kubemedic's decision buttons. */
export const ACTION_ID_PATTERN = /^kubemedic_(approve|reject|undo)$/;

/** Every kubemedic button (the request front door lets only these through). */
export const BUTTON_ID_PATTERN = /^kubemedic_(approve|reject|undo|show_command)$/;

export interface ActionDeps {
  queues: WorkQueues;
  poster: SlackPoster;
  /** Where plans live (Redis), for *Show full command*. */
  plans: PlanStore;
}

/** *Show full command*: the plan's kubectl command, whole, to the clicker alone (in the thread). */
export async function showFullCommand(
  body: unknown,
  deps: Pick<ActionDeps, 'plans' | 'poster'>,
): Promise<void> {
  const parsed = BlockActionsSchema.safeParse(body);
  if (!parsed.success) return;
  const p = parsed.data;
  const channel = p.channel?.id ?? p.container?.channel_id;
  const clicked = p.actions.find((a) => a.action_id === ACTION_IDS.showCommand);
  if (!channel || !clicked) return;
  const record = clicked.value ? await deps.plans.get(clicked.value) : undefined;
  const reply = record
    ? renderFullCommand(record)
    : { text: md`:warning: ${UNKNOWN_PLAN_REASON}`.text };
  await deps.poster.postEphemeral({
    channel,
    user: p.user.id,
    ...reply,
    ...(record?.threadTs ? { threadTs: record.threadTs } : {}),
  });
}

export function registerRemediationActions(app: App, deps: ActionDeps): void {
  app.action(ACTION_IDS.showCommand, async ({ ack, body }) => {
    await ack();
    await showFullCommand(body, deps).catch((err: unknown) =>
      log.warn({ err: reasonOf(err) }, 'could not send the full command of a fix'),
    );
  });
  app.action(ACTION_ID_PATTERN, async ({ ack, body }) => {
    await ack();
    const click = parseClick(body);
    const tell = async (channel: string | undefined, user: string | undefined, text: string) => {
      if (!channel || !user) return;
      // Straight to Slack: this runs when the queue itself may be down.
      await deps.poster
        .postEphemeral({ channel, user, text })
        .catch((err: unknown) =>
          log.warn({ err: reasonOf(err) }, 'could not tell the clicker why their click failed'),
        );
    };
    if (!click.ok) {
      log.warn({ reason: click.reason }, 'ignored a button click');
      await tell(
        click.channel,
        click.user,
        md`:warning: That button cannot be used: ${click.reason}.`.text,
      );
      return;
    }
    try {
      await deps.queues.remediate(click.action, click.key);
    } catch (err) {
      log.error(
        { err: reasonOf(err), planId: click.action.planId },
        'could not queue a remediation',
      );
      await tell(
        click.action.channel,
        click.action.userId,
        ':warning: kubemedic cannot queue work right now (its Redis is unreachable). Nothing was done; please click again in a minute.',
      );
      return;
    }
    // Queued, but a failover could still lose it until a replica holds it: then say so. A
    // second click is safe (a plan changes state once).
    await deps.queues.durable().catch(async (err: unknown) => {
      log.warn({ err: reasonOf(err), planId: click.action.planId }, 'click not yet replicated');
      await tell(
        click.action.channel,
        click.action.userId,
        ':warning: kubemedic queued your click but Redis could not confirm a replica holds it (a failover may be under way). If nothing happens within a minute, click again.',
      );
    });
  });
}
