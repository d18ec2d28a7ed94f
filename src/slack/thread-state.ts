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
  /** When this diagnosis finished (ISO); a later diagnosis of the same target replaces it. */
  diagnosedAt: z.string().optional(),
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
  severity: z.string().optional(),
  /** Links from the payload, each checked to be http(s) (alerts/context.ts). */
  links: z
    .object({
      runbook: z.string().optional(),
      dashboard: z.string().optional(),
      graph: z.string().optional(),
      silence: z.string().optional(),
    })
    .optional(),
});
export type AlertState = z.infer<typeof AlertStateSchema>;

/** Where a fix of the thread has got, as the parent tells it. */
export const FIX_STAGES = [
  'approved',
  'applied',
  'verified',
  'not-verified',
  'failed',
  'rejected',
  'undone',
] as const;
export type FixStage = (typeof FIX_STAGES)[number];

/** Later stages win, as for targets: a late "approved" never hides "verified". */
export const FIX_RANK: Record<FixStage, number> = {
  approved: 0,
  applied: 1,
  verified: 2,
  'not-verified': 2,
  failed: 2,
  rejected: 2,
  undone: 3,
};

export const FixStateSchema = z.object({
  planId: z.string().min(1).max(64),
  title: z.string().max(2000),
  stage: z.enum(FIX_STAGES),
  /** Who approved (or rejected, or undid) it. */
  by: z.array(z.string()).max(20),
  /** When it reached this stage (ISO). */
  at: z.string(),
});
export type FixState = z.infer<typeof FixStateSchema>;

export type ThreadKind = 'command' | 'alert';

export interface ThreadState {
  kind: ThreadKind;
  requestedBy: string[];
  alert?: AlertState;
  targets: TargetSummary[];
  /** When kubemedic was first asked (the command, or the alert's first notification), ISO. */
  openedAt?: string;
  /** The fixes people acted on, one per plan. */
  fixes?: FixState[];
}

/** The stable key of a target, for dedup and for the parent's per-target lines. */
export function targetKey(t: TargetRef): string {
  return `${t.cluster}/${t.namespace ?? '~'}/${t.kind}/${t.name}`;
}

const since = (from: string | undefined, to: string | undefined): number | undefined => {
  const a = from ? Date.parse(from) : NaN;
  const b = to ? Date.parse(to) : NaN;
  return Number.isNaN(a) || Number.isNaN(b) || b < a ? undefined : b - a;
};

/** The incident's clocks, from when kubemedic was first asked. */
export function incidentTimes(state: ThreadState): {
  toDiagnose?: number;
  toFix?: number;
  fixed?: FixState;
} {
  const diagnosed = state.targets
    .filter((t) => t.stage === 'ready' || t.stage === 'posted')
    .map((t) => t.diagnosedAt)
    .filter((t): t is string => Boolean(t))
    .sort()[0];
  const fixed = (state.fixes ?? []).filter((f) => f.stage === 'verified').at(-1);
  return {
    toDiagnose: since(state.openedAt, diagnosed),
    toFix: since(state.openedAt, fixed?.at),
    fixed,
  };
}
