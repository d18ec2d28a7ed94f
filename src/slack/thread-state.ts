// What a Slack thread's parent message shows, kept in Redis and rendered afresh on every update,
// so the parent is always the latest state whatever order the updates arrive in.
import * as z from 'zod';
import { TARGET_KINDS } from '../diagnosis/types.js';

export const TargetRefSchema = z.object({
  kind: z.enum(TARGET_KINDS),
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).optional(),
  cluster: z.string().min(1).max(253),
});
export type TargetRef = z.infer<typeof TargetRefSchema>;

/** How far the diagnosis of one target has got, as the parent shows it. */
export const TARGET_STAGES = ['diagnosing', 'ready', 'posted', 'not-found', 'failed'] as const;
export type TargetStage = (typeof TARGET_STAGES)[number];

/** Later stages win: an update that arrives late never moves the parent back. */
export const STAGE_RANK: Record<TargetStage, number> = {
  diagnosing: 0,
  ready: 1,
  posted: 2,
  'not-found': 2,
  failed: 2,
};

export const TargetSummarySchema = z.object({
  key: z.string().min(1),
  target: TargetRefSchema,
  stage: z.enum(TARGET_STAGES),
  verdict: z.enum(['unhealthy', 'degraded', 'healthy', 'unknown']).optional(),
  rootCause: z.string().nullable().optional(),
  /** The root cause's title, or the report summary when there is none. */
  headline: z.string().optional(),
  findings: z.number().int().optional(),
  plans: z.number().int().optional(),
  durationMs: z.number().optional(),
  apiRequests: z.number().int().optional(),
  /** Why the diagnosis could not be made (not found, unreachable cluster). */
  error: z.string().optional(),
});
export type TargetSummary = z.infer<typeof TargetSummarySchema>;

export const AlertStateSchema = z.object({
  alertname: z.string(),
  status: z.enum(['firing', 'resolved']),
  firing: z.number().int(),
  groupKey: z.string(),
  summary: z.string().optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  notifications: z.number().int(),
  externalURL: z.string().optional(),
  /** Targets named by the alerts beyond those diagnosed. */
  undiagnosed: z.array(z.string()).optional(),
});
export type AlertState = z.infer<typeof AlertStateSchema>;

export type ThreadKind = 'command' | 'alert';

export interface ThreadState {
  kind: ThreadKind;
  requestedBy: string[];
  alert?: AlertState;
  targets: TargetSummary[];
}

/** The stable key of a target, for dedup and for the parent's per-target lines. */
export function targetKey(t: TargetRef): string {
  return `${t.cluster}/${t.namespace ?? '~'}/${t.kind}/${t.name}`;
}
