// The flow of an Approve / Reject / Undo click, run by the `remediate` queue worker. Slack
// handlers validate and enqueue; this authorises and acts:
//   approve: authorise -> load the plan by id -> refuse if expired/decided -> clamp to the
//            policy's bounds -> claim atomically (two approvals when the policy says so) ->
//            server-side dry run (diff in the thread) -> apply -> wait for the effect -> re-run the
//            checks -> report the outcome
//   reject:  authorise -> close the card
//   undo:    authorise -> applied -> undoing (atomically, once) -> dry run -> apply the inverse ->
//            check the object is back to what the diagnosis saw -> undone
// Every step is data (steps.ts): it goes to the audit log, then to `deps.report`, through which
// slack/ tells people (thread replies, the card and its Undo button, ephemeral refusals). No
// markup is written here.
import * as z from 'zod';
import type { KubeApi } from '../cluster/client.js';
import {
  type ApprovalPolicy,
  type Authorisation,
  type UsergroupDirectory,
  authorise,
} from '../config/policy.js';
import {
  type MutationResult,
  MutationError,
  StalePlanError,
  describeObject,
  isRestored,
  pinInverse,
  runMutation,
} from './apply.js';
import { type AuditInput, AuditLog } from './audit.js';
import { type AppliedChange, type PlanRecord, type PlanStore, requestersOf } from './plan-store.js';
import type { Mutation, RemediationPlan } from '../diagnosis/fixes/types.js';
import { fixOf } from '../diagnosis/fixes/registry.js';
import { redactDeep } from '../redact.js';
import {
  type Change,
  type Refusal,
  type RemediationStep,
  type ReportStep,
  UNKNOWN_PLAN_REASON,
  stepText,
  verdictLine,
} from './steps.js';
import { verifyPlan } from './verify.js';
import { waitForEffect } from './wait.js';

export { UNKNOWN_PLAN_REASON };

export const RemediationActionSchema = z.object({
  action: z.enum(['approve', 'reject', 'undo']),
  planId: z.string().min(8).max(64),
  userId: z.string().min(1),
  userName: z.string().optional(),
  channel: z.string().min(1),
  /** The message holding the card that was clicked. */
  messageTs: z.string().optional(),
  /**
   * Set by a hub once the approval policy allowed the click: the cluster's agent (which holds no
   * policy and no Slack client) applies within these. Only the hub and that agent can write the
   * agent's queue (Redis ACL), and the agent already holds the cluster's write identity.
   */
  authorised: z
    .object({
      requiredApprovals: z.number().int().min(1).max(2),
      bounds: z.object({
        maxReplicas: z.number().int().min(0),
        maxMemory: z.string(),
        maxMemoryBytes: z.number().min(0),
      }),
    })
    .optional(),
});
export type RemediationAction = z.infer<typeof RemediationActionSchema>;

/** Where the flow reports its own trouble (a notifier that failed); pino's signature. */
export interface FlowLogger {
  warn(obj: object, msg: string): void;
}

export interface RemediationDeps {
  store: PlanStore;
  /** The remediation identity: writes only what the enabled remediations need. */
  writer: KubeApi;
  /** The read-only diagnosis identity: waits for the effect and re-runs the checks to verify. */
  reader: KubeApi;
  /** Where each step goes once audited: slack/ renders it (thread reply, card, ephemeral). */
  report: ReportStep;
  /** The approval policy (see config/policy.ts loadPolicy). Absent: nobody may apply. */
  policy?: ApprovalPolicy;
  /** Members of the @usergroup approvers (SlackUsergroupDirectory over the Bolt client). */
  usergroups?: UsergroupDirectory;
  /** Default: a log in the store's Redis under the store's prefix. */
  audit?: AuditLog;
  /** Default: the wall clock. */
  now?: () => Date;
  /** Bound of the wait for the effect (ready endpoints, rollout complete). Default 60 s. */
  waitTimeoutMs?: number;
  /** Bound of re-running the checks once the effect showed. Default 30 s. */
  verifyTimeoutMs?: number;
  /** Poll interval of the wait and the verification. Default 500 ms. */
  pollIntervalMs?: number;
  logger?: FlowLogger;
  /** An agent: the click carries the hub's authorisation (`authorised`) instead of a policy. */
  authorisedByHub?: boolean;
}

export type RemediationOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'awaiting-approval'; approvals: number; needed: number }
  | { kind: 'rejected' }
  | { kind: 'applied'; verified: boolean; summary: string }
  | { kind: 'undone'; summary: string }
  | { kind: 'failed'; reason: string };

const consoleLogger: FlowLogger = {
  warn: (obj, msg) => console.error(JSON.stringify(redactDeep({ level: 'warn', msg, ...obj }))),
};

/** One click being handled: its deps with defaults, the audit trail and the thread echo. */
class Click {
  readonly audit: AuditLog;
  readonly now: () => Date;
  readonly waitTimeoutMs: number;
  readonly verifyTimeoutMs: number;
  readonly pollIntervalMs: number;
  private readonly logger: FlowLogger;
  record?: PlanRecord;

  constructor(
    readonly action: RemediationAction,
    readonly deps: RemediationDeps,
  ) {
    this.audit = deps.audit ?? new AuditLog(deps.store.redis, deps.store.prefix);
    this.now = deps.now ?? (() => new Date());
    this.waitTimeoutMs = deps.waitTimeoutMs ?? 60_000;
    this.verifyTimeoutMs = deps.verifyTimeoutMs ?? 30_000;
    this.pollIntervalMs = deps.pollIntervalMs ?? 500;
    this.logger = deps.logger ?? consoleLogger;
  }

  get user(): string {
    return this.action.userId;
  }

  private async safely(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      // The cluster change stands whatever Slack or the audit stream does; say so in the log.
      this.logger.warn(
        { err: err instanceof Error ? err.message : String(err), planId: this.action.planId },
        `remediation: ${what} failed`,
      );
    }
  }

  /** Appends a step to the audit log, then reports it (slack/ decides who sees it where). */
  async step(
    step: RemediationStep,
    extra: Pick<AuditInput, 'patch' | 'dryRun'> = {},
  ): Promise<void> {
    const r = this.record;
    await this.safely('audit append', async () => {
      await this.audit.append({
        at: this.now().toISOString(),
        actor: this.user,
        actorName: this.action.userName,
        action: this.action.action,
        step: step.kind,
        detail: step,
        planId: this.action.planId,
        remediation: r?.plan.id,
        object: r ? objectText(r.plan) : undefined,
        channel: this.action.channel,
        ...extra,
        outcome: stepText(step),
      });
    });
    const ctx = {
      channel: this.action.channel,
      user: this.user,
      messageTs: this.action.messageTs,
      record: r,
    };
    await this.safely('report', () => this.deps.report(step, ctx));
  }

  /** A refusal: audited, told only to the clicker, nothing changed. */
  async refuse(refusal: Refusal): Promise<RemediationOutcome> {
    const step = { kind: 'refused', refusal } as const;
    await this.step(step);
    return { kind: 'refused', reason: stepText(step) };
  }
}

function objectText(plan: RemediationPlan): string {
  const o = plan.object;
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** The refusal for a plan that is not in the state the click needs. */
function decided(r: PlanRecord | undefined): Refusal {
  if (!r) return { code: 'unknown-plan' };
  return { code: 'decided', state: r.state, by: r.decidedBy, note: r.note };
}

/** What to watch and diagnose again after a change: the plan's own target (a dependency of the
 *  thread's service) when it names one, else the thread's target. */
function verifyTargetOf(plan: RemediationPlan, record: PlanRecord): PlanRecord['target'] {
  return plan.verify.target
    ? { ...plan.verify.target, cluster: record.target.cluster }
    : record.target;
}

function waitText(plan: RemediationPlan): string | undefined {
  if (plan.verify.waitFor === 'endpoints-ready') return `a ready endpoint of ${objectText(plan)}`;
  if (plan.verify.waitFor === 'rollout-complete') return `the rollout of ${objectText(plan)}`;
  return undefined;
}

type Allowed = Pick<Extract<Authorisation, { ok: true }>, 'requiredApprovals' | 'bounds'>;

/** Loads the clicked plan and decides whether the clicker may act on it; or the refusal. */
async function admit(
  input: RemediationAction,
  deps: RemediationDeps,
): Promise<
  | { ok: true; click: Click; record: PlanRecord; allowed: Allowed }
  | { ok: false; outcome: RemediationOutcome }
> {
  const parsed = RemediationActionSchema.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      outcome: {
        kind: 'refused',
        reason: `malformed action: ${parsed.error.issues[0]?.message}`,
      },
    };
  const click = new Click(parsed.data, deps);
  const action = click.action;

  // Only the id is taken from the payload; everything else comes from the stored plan.
  const record = await deps.store.get(action.planId);
  if (!record || (record.channel !== undefined && record.channel !== action.channel))
    return { ok: false, outcome: await click.refuse({ code: 'unknown-plan' }) };
  click.record = record;

  if (deps.authorisedByHub) {
    if (!action.authorised)
      return {
        ok: false,
        outcome: await click.refuse({
          code: 'not-authorised',
          reason: 'the click reached this cluster without the approval of the hub',
        }),
      };
    return { ok: true, click, record, allowed: action.authorised };
  }
  const auth = await authorise(
    deps.policy,
    {
      user: action.userId,
      requesters: requestersOf(record),
      namespace: record.plan.object.namespace ?? record.target.namespace,
      cluster: record.target.cluster,
      remediation: record.plan.id,
      purpose: action.action,
    },
    deps.usergroups,
  );
  if (!auth.ok)
    return {
      ok: false,
      outcome: await click.refuse({ code: 'not-authorised', reason: auth.reason }),
    };
  return { ok: true, click, record, allowed: auth };
}

/**
 * A hub's half of a click: the approval policy (with its Slack user groups) decides; a refusal is
 * audited and told like any other. Allowed, the action carries the authorisation to the agent.
 */
export async function authoriseRemediation(
  input: RemediationAction,
  deps: RemediationDeps,
): Promise<{ ok: true; action: RemediationAction } | { ok: false; outcome: RemediationOutcome }> {
  const admitted = await admit(input, { ...deps, authorisedByHub: false });
  if (!admitted.ok) return admitted;
  const { requiredApprovals, bounds } = admitted.allowed;
  return {
    ok: true,
    action: { ...admitted.click.action, authorised: { requiredApprovals, bounds } },
  };
}

export async function runRemediationAction(
  input: RemediationAction,
  deps: RemediationDeps,
): Promise<RemediationOutcome> {
  const admitted = await admit(input, deps);
  if (!admitted.ok) return admitted.outcome;
  const { click, record, allowed } = admitted;
  switch (click.action.action) {
    case 'reject':
      return reject(click, record);
    case 'approve':
      return approve(click, record, allowed);
    case 'undo':
      return undo(click, record);
  }
}

async function reject(click: Click, record: PlanRecord): Promise<RemediationOutcome> {
  const moved = await click.deps.store.move(record.id, 'pending', 'rejected', '', {
    user: click.user,
    at: click.now(),
  });
  if (!moved) return click.refuse(decided(await click.deps.store.get(record.id)));
  click.record = moved;
  await click.step({ kind: 'rejected', by: click.user, title: record.plan.title });
  return { kind: 'rejected' };
}

async function approve(
  click: Click,
  record: PlanRecord,
  auth: Allowed,
): Promise<RemediationOutcome> {
  const { store } = click.deps;
  if (record.state !== 'pending') return click.refuse(decided(record));
  const now = click.now();
  if (Date.parse(record.expiresAt) <= now.getTime())
    return click.refuse({
      code: 'expired',
      expiresAt: record.expiresAt,
      ttlMinutes: Math.round(store.ttlSeconds / 60),
    });
  const fix = fixOf(record.plan.id);
  const bounded = fix.clamp?.(record.plan, auth.bounds) ?? { ok: true, plan: record.plan };
  if (!bounded.ok) return click.refuse({ code: 'out-of-bounds', reason: bounded.reason });

  const needed = auth.requiredApprovals;
  const claim = await store.claim(record.id, ['pending'], 'applying', click.user, needed, now);
  if (!claim.ok) {
    if (claim.reason === 'already-approved')
      return click.refuse({
        code: 'already-approved',
        needed,
        have: claim.record?.approvals.length ?? 1,
      });
    return click.refuse(decided(claim.reason === 'wrong-state' ? claim.record : undefined));
  }
  click.record = claim.record;
  if (claim.record.state === 'pending') {
    const approvals = claim.record.approvals;
    await click.step({
      kind: 'approval-recorded',
      by: click.user,
      title: record.plan.title,
      approvals,
      needed,
    });
    return { kind: 'awaiting-approval', approvals: approvals.length, needed };
  }
  // Restarts carry the time they are applied, as kubectl's do.
  const plan = fix.restamp?.(bounded.plan, now) ?? bounded.plan;
  return applyClaimed(click, claim.record, plan, bounded.clamped);
}

/** Dry run then apply; a stale plan or a refusal by the API server ends in `failed`. */
async function mutate(
  click: Click,
  plan: RemediationPlan,
  mutation: Mutation,
  of: Change,
): Promise<
  | { ok: true; dry: MutationResult; real: MutationResult }
  | { ok: false; stale: boolean; reason: string }
> {
  const writer = click.deps.writer;
  try {
    const dry = await runMutation(writer, plan.object, mutation, { dryRun: true });
    await click.step(
      { kind: 'dry-run', of, changes: dry.changes, diff: dry.diff },
      { patch: mutation, dryRun: dry.diff },
    );
    const real = await runMutation(writer, plan.object, mutation, { dryRun: false });
    return { ok: true, dry, real };
  } catch (err) {
    if (err instanceof StalePlanError) return { ok: false, stale: true, reason: err.message };
    const reason = err instanceof MutationError || err instanceof Error ? err.message : String(err);
    return { ok: false, stale: false, reason };
  }
}

async function applyClaimed(
  click: Click,
  record: PlanRecord,
  plan: RemediationPlan,
  clamped: string | undefined,
): Promise<RemediationOutcome> {
  const { store, reader } = click.deps;
  const approvers = record.approvals;
  await click.step({ kind: 'approved', approvers, title: plan.title, clamped });
  const done = await mutate(click, plan, plan.mutation, 'fix');
  if (!done.ok) {
    const note = done.stale ? `the plan went stale: ${done.reason}` : done.reason;
    const failed = await store.move(record.id, 'applying', 'failed', note, {
      user: click.user,
      at: click.now(),
    });
    click.record = failed ?? record;
    await click.step({ kind: done.stale ? 'stale' : 'failed', of: 'fix', reason: done.reason });
    return done.stale
      ? { kind: 'refused', reason: done.reason }
      : { kind: 'failed', reason: done.reason };
  }

  const after = done.real.after;
  const applied: AppliedChange = {
    at: click.now().toISOString(),
    by: click.user,
    uid: after?.metadata.uid,
    resourceVersion: after?.metadata.resourceVersion,
    generation: after?.metadata.generation,
    inverse: pinInverse(plan.mutation, plan.inverse, after),
    diff: done.dry.diff,
    clamped,
  };
  await store.setApplied(record.id, applied);
  const appliedRecord =
    (await store.move(record.id, 'applying', 'applied', '', {
      user: click.user,
      at: click.now(),
    })) ?? record;
  click.record = appliedRecord;
  await click.step(
    {
      kind: 'applied',
      title: plan.title,
      waitingFor: waitText(plan),
      waitSeconds: Math.round(click.waitTimeoutMs / 1000),
    },
    { patch: plan.mutation },
  );

  const effect = await waitForEffect(reader, plan, verifyTargetOf(plan, record), {
    timeoutMs: click.waitTimeoutMs,
    intervalMs: click.pollIntervalMs,
    generation: applied.generation,
  });
  const check = await verifyPlan(reader, plan, verifyTargetOf(plan, record), {
    timeoutMs: effect.ok ? click.verifyTimeoutMs : 0,
    intervalMs: click.pollIntervalMs,
  });
  const verified = effect.ok && check.verified;
  await store.setApplied(record.id, { ...applied, verified });
  click.record = (await store.get(record.id)) ?? appliedRecord;
  const undoable = Boolean(applied.inverse);
  const readyEndpoints = check.report?.history?.ready.at(-1)?.value;
  const seen = readyEndpoints === undefined ? {} : { readyEndpoints };
  const step: RemediationStep = verified
    ? {
        kind: 'verified',
        effect: effect.detail,
        check: check.summary,
        undoable,
        approvers,
        ...seen,
      }
    : {
        kind: 'not-verified',
        why: effect.ok ? check.summary : effect.detail,
        undoable,
        approvers,
        ...seen,
      };
  await click.step(step);
  return { kind: 'applied', verified, summary: verdictLine(step) };
}

async function undo(click: Click, record: PlanRecord): Promise<RemediationOutcome> {
  const { store, writer, reader } = click.deps;
  if (record.state !== 'applied') return click.refuse(decided(record));
  const inverse = record.applied?.inverse ?? record.plan.inverse;
  if (!inverse)
    return click.refuse({
      code: 'not-undoable',
      title: record.plan.title,
      why: fixOf(record.plan.id).whyNot ?? 'the plan has no inverse',
    });
  const claimed = await store.move(record.id, 'applied', 'undoing', '', {
    user: click.user,
    at: click.now(),
  });
  if (!claimed) return click.refuse(decided(await store.get(record.id)));
  click.record = claimed;
  const plan = record.plan;
  await click.step({ kind: 'undo-requested', by: click.user, title: plan.title });
  const done = await mutate(click, plan, inverse, 'undo');
  if (!done.ok) {
    const back = await store.move(
      record.id,
      'undoing',
      'applied',
      `undo not applied: ${done.reason}`,
    );
    click.record = back ?? claimed;
    await click.step({ kind: done.stale ? 'stale' : 'failed', of: 'undo', reason: done.reason });
    return done.stale
      ? { kind: 'refused', reason: done.reason }
      : { kind: 'failed', reason: done.reason };
  }
  // Undo restores a known state, which may be the broken one: wait only until the controller saw it.
  const effect = await waitForEffect(reader, plan, verifyTargetOf(plan, record), {
    timeoutMs: click.waitTimeoutMs,
    intervalMs: click.pollIntervalMs,
    generation: done.real.after?.metadata.generation,
    until: 'observed',
  });
  let restored: { restored: boolean; detail: string };
  try {
    restored = await isRestored(writer, plan.object, plan.mutation);
  } catch (err) {
    restored = {
      restored: false,
      detail: `could not re-read ${describeObject(plan.object)}: ${(err as Error).message}`,
    };
  }
  click.record =
    (await store.move(record.id, 'undoing', 'undone', restored.detail, {
      user: click.user,
      at: click.now(),
    })) ?? claimed;
  const step: RemediationStep = {
    kind: 'undone',
    by: click.user,
    restored: restored.restored,
    detail: restored.detail,
    effect: effect.ok ? undefined : effect.detail,
  };
  await click.step(step, { patch: inverse });
  return { kind: 'undone', summary: stepText(step) };
}
