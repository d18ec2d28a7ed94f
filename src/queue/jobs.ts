// One queue per kind of work, and the schema of each job's data. Workers parse job data with
// these schemas before acting: a job is an edge like any HTTP body.
import * as z from 'zod';
import type { DefaultJobOptions } from 'bullmq';
import { isRemediationId } from '../diagnosis/fixes/registry.js';
import type { RemediationPlan } from '../diagnosis/fixes/types.js';
import { IncidentPictureSchema, PictureFixSchema } from '../picture/model.js';
import type { Block } from '../slack/blocks/text.js';
import { FixStateSchema, TargetRefSchema, TargetSummarySchema } from '../slack/thread-state.js';

export const QUEUES = {
  diagnose: 'diagnose',
  slackPost: 'slack-post',
  remediate: 'remediate',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Who asked for a diagnosis, and where the answer goes. */
export const RequesterSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('command'),
    channel: z.string().min(1),
    user: z.string().min(1),
    userName: z.string().optional(),
    /** `/diagnose ... --logs`: read the running backends' logs too. */
    logs: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('alert'),
    channel: z.string().min(1),
    /** The alert group's thread. */
    conversation: z.string().min(1),
    /** A 5xx-rate alert (log-alerts.ts): read the backends' logs since it started. */
    logs: z.object({ alertname: z.string(), since: z.string().optional() }).optional(),
    /** The alert's graph link (generatorURL) and start: the picture graphs its expression. */
    graph: z
      .object({ generatorURL: z.string().max(8192), startsAt: z.string().optional() })
      .optional(),
  }),
]);
export type Requester = z.infer<typeof RequesterSchema>;

export const DiagnoseJobSchema = z.object({
  target: TargetRefSchema,
  requestedAt: z.string(),
});
export type DiagnoseJob = z.infer<typeof DiagnoseJobSchema>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const BlocksSchema = z.array(z.custom<Block>((b) => isRecord(b) && typeof b.type === 'string'));
const PlanSchema = z.custom<RemediationPlan>(
  (p) => isRecord(p) && isRemediationId(p.id) && isRecord(p.object) && isRecord(p.mutation),
  { message: 'not a remediation plan' },
);
const Text = z.string().min(1).max(40_000);

/**
 * One Slack operation. `parent` posts the thread's parent (or updates it) from the thread state
 * after merging what it carries; `reply` posts in the thread; `card` saves a plan and posts its
 * Approve / Reject card in the thread; `update` edits a message; `summary` posts the incident
 * summary in the thread; `ephemeral` is seen by one user; `picture` draws the incident picture
 * and uploads it into the thread.
 */
export const SlackOpSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('parent'),
    kind: z.enum(['command', 'alert']).optional(),
    /** This op opens the thread; other parent ops wait for it rather than post first. */
    opens: z.boolean().optional(),
    summaries: z.array(TargetSummarySchema).max(50).optional(),
    requestedBy: z.array(z.string()).optional(),
    /** How far a fix of this thread got (the remediation runtime's steps). */
    fix: FixStateSchema.optional(),
    /** When the request that opens the thread arrived (ISO); the parent's clocks start here. */
    openedAt: z.string().optional(),
  }),
  z.object({
    op: z.literal('reply'),
    text: Text,
    blocks: BlocksSchema.optional(),
    /** A thread other than the conversation's own (remediation notices). */
    threadTs: z.string().optional(),
  }),
  z.object({
    op: z.literal('card'),
    plan: PlanSchema,
    target: TargetRefSchema.extend({ namespace: z.string().min(1) }),
    /** Everyone who asked (joined requests included); `requester` is from jobs queued before. */
    requesters: z.array(z.string()).optional(),
    requester: z.string().optional(),
  }),
  z.object({
    op: z.literal('update'),
    ts: z.string().min(1),
    text: Text,
    blocks: BlocksSchema.optional(),
  }),
  /** The incident summary, rendered from the thread's state and the audit log when posted. */
  z.object({ op: z.literal('summary') }),
  z.object({
    op: z.literal('picture'),
    /** The target it is about (targetKey): the thread keeps its latest picture under this key. */
    key: z.string().min(1).max(600).optional(),
    /** A new picture (a diagnosis); absent: redraw the kept one (every kept one without a key). */
    picture: IncidentPictureSchema.optional(),
    /** A fix applied since the diagnosis, marked in the redrawn picture. */
    fix: PictureFixSchema.optional(),
    /** Why it is drawn again (for the title): "fix verified", "alert resolved". */
    reason: z.string().max(100).optional(),
  }),
  z.object({
    op: z.literal('ephemeral'),
    user: z.string().min(1),
    text: Text,
    blocks: BlocksSchema.optional(),
    threadTs: z.string().optional(),
  }),
]);
export type SlackOp = z.infer<typeof SlackOpSchema>;

export const SlackPostJobSchema = z.object({
  /** Ops of one conversation (a thread) run one job at a time, in order. */
  conversation: z.string().min(1),
  channel: z.string().min(1),
  ops: z.array(SlackOpSchema).min(1).max(200),
  /**
   * Position among the conversation's ordered jobs (Conversations.nextSeq): such a job waits
   * until the one before it is done, so steps posted one by one arrive in the order they happened.
   */
  seq: z.number().int().positive().optional(),
});
export type SlackPostJob = z.infer<typeof SlackPostJobSchema>;

const KEEP = { removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 7 * 86_400 } };

export const JOB_OPTIONS: Record<QueueName, DefaultJobOptions> = {
  // Reads only: retried when the API server hiccups.
  diagnose: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, ...KEEP },
  // Slack outages are retried for a few minutes; 429s are delays, not attempts.
  'slack-post': { attempts: 8, backoff: { type: 'exponential', delay: 1000 }, ...KEEP },
  // The flow is idempotent (a plan moves state atomically), so a retry cannot apply twice.
  remediate: { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, ...KEEP },
};

/** BullMQ job ids cannot contain ':'; ours are built from these safe parts. */
export function jobId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_.-]/g, '_')).join('.');
}
