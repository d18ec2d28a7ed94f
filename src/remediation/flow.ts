// The flow of an Approve / Reject / Undo click, run by the `remediate` queue worker. Slack
// handlers validate and enqueue; this authorises and acts:
//   approve: authorise -> load the plan by id -> refuse if expired/decided -> clamp to the
//            policy's bounds -> claim atomically (two approvals when the policy says so) ->
//            server-side dry run (diff in the thread) -> apply -> wait for the effect -> re-run the
//            checks -> post the outcome and re-render the card (Undo when undoable)
//   reject:  authorise -> close the card
//   undo:    authorise -> applied -> undoing (atomically, once) -> dry run -> apply the inverse ->
//            check the object is back to what the diagnosis saw -> undone
// Every step goes to the audit log and is echoed in the plan's thread; refusals are ephemeral.
import { z } from 'zod';
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
import { type AuditInput, AuditLog, type AuditStep } from './audit.js';
import { type AppliedChange, type PlanRecord, type PlanStore, requestersOf } from './plan-store.js';
import type { Mutation, RemediationPlan } from './plan-types.js';
import { clampToBounds, restamp } from './plans.js';
import {
  type Mrkdwn,
  md,
  trustedMrkdwn,
  userRef,
  userRefs,
  withMentions,
} from '../slack/blocks/text.js';
import { redactDeep } from '../redact.js';
import { verifyPlan } from './verify.js';
import { waitForEffect } from './wait.js';

export const RemediationActionSchema = z.object({
  action: z.enum(['approve', 'reject', 'undo']),
  planId: z.string().min(8).max(64),
  userId: z.string().min(1),
  userName: z.string().optional(),
  channel: z.string().min(1),
  /** The message holding the card that was clicked. */
  messageTs: z.string().optional(),
});
export type RemediationAction = z.infer<typeof RemediationActionSchema>;

/** How the flow speaks in Slack; implemented over the slack-post queue by the Slack layer. */
export interface RemediationNotifier {
  // Texts are Mrkdwn made with `md`: every value from outside (titles, API errors, diffs) is
  // escaped and redacted there, and the flow's own mentions render.
  /** A reply only the clicker sees (refusals). */
  ephemeral(channel: string, user: string, text: Mrkdwn): Promise<void>;
  /** A reply in the plan's thread (each step of the audit is echoed here). */
  threadReply(channel: string, threadTs: string, text: Mrkdwn): Promise<void>;
  /** Re-renders the plan's card for its new state (Undo button when applied and undoable). */
  updateCard(record: PlanRecord, statusText: Mrkdwn): Promise<void>;
}

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
  notify: RemediationNotifier;
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
}

export type RemediationOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'awaiting-approval'; approvals: number; needed: number }
  | { kind: 'rejected' }
  | { kind: 'applied'; verified: boolean; summary: string }
  | { kind: 'undone'; summary: string }
  | { kind: 'failed'; reason: string };

export const UNKNOWN_PLAN_REASON =
  'This fix is unknown here: it was made for another conversation or has been forgotten. Run the diagnosis again for a fresh plan.';

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

  /** Appends a step to the audit log and echoes it in the plan's thread. */
  async step(
    step: AuditStep,
    outcome: Mrkdwn,
    extra: Pick<AuditInput, 'patch' | 'dryRun'> = {},
    echo = true,
  ): Promise<void> {
    const r = this.record;
    await this.safely('audit append', async () => {
      await this.audit.append({
        at: this.now().toISOString(),
        actor: this.user,
        actorName: this.action.userName,
        action: this.action.action,
        step,
        planId: this.action.planId,
        remediation: r?.plan.id,
        object: r ? objectText(r.plan) : undefined,
        channel: this.action.channel,
        ...extra,
        outcome: outcome.text,
      });
    });
    const threadTs = r?.threadTs ?? r?.cardTs ?? this.action.messageTs;
    if (echo && threadTs)
      await this.safely('thread reply', () =>
        this.deps.notify.threadReply(r?.channel ?? this.action.channel, threadTs, outcome),
      );
  }

  /** A refusal: audited, told only to the clicker, nothing changed. */
  async refuse(reason: Mrkdwn): Promise<RemediationOutcome> {
    await this.step('refused', reason, {}, false);
    await this.tell(reason);
    return { kind: 'refused', reason: reason.text };
  }

  /** A reply only the clicker sees. */
  async tell(text: Mrkdwn): Promise<void> {
    await this.safely('ephemeral reply', () =>
      this.deps.notify.ephemeral(this.action.channel, this.user, text),
    );
  }

  async card(record: PlanRecord | undefined, status: Mrkdwn): Promise<void> {
    if (record) await this.safely('card update', () => this.deps.notify.updateCard(record, status));
  }
}

function objectText(plan: RemediationPlan): string {
  const o = plan.object;
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function describeState(r: PlanRecord): Mrkdwn {
  const by = r.decidedBy ? md` by ${userRef(r.decidedBy)}` : md``;
  switch (r.state) {
    case 'applying':
      return md`This fix is already being applied${by}.`;
    case 'applied':
      return md`This fix was already applied${by}.`;
    case 'rejected':
      return md`This fix was rejected${by}.`;
    case 'failed':
      return md`This fix was not applied: ${r.note ?? 'it failed'}.`;
    case 'undoing':
      return md`This fix is being undone${by}.`;
    case 'undone':
      return md`This fix was applied and then undone${by}.`;
    case 'pending':
      return md`
This fix has not been applied.
      `;
  }
}

function waitText(plan: RemediationPlan): string | undefined {
  if (plan.verify.waitFor === 'endpoints-ready') return `a ready endpoint of ${objectText(plan)}`;
  if (plan.verify.waitFor === 'rollout-complete') return `the rollout of ${objectText(plan)}`;
  return undefined;
}

/** Slack shows at most 3,000 characters of a section; the audit log keeps the whole diff. */
const MAX_DIFF_CHARS = 2400;

function codeBlock(text: string): Mrkdwn {
  const cut = text.length > MAX_DIFF_CHARS;
  const shown = (cut ? text.slice(0, MAX_DIFF_CHARS) : text).replace(/```/g, "'''");
  const note = cut
    ? trustedMrkdwn('\n… (truncated: `kubemedic audit --output json` has the whole diff)')
    : md``;
  return md`${trustedMrkdwn('```\n')}${shown}${note}${trustedMrkdwn('\n```')}`;
}

export async function runRemediationAction(
  input: RemediationAction,
  deps: RemediationDeps,
): Promise<RemediationOutcome> {
  const parsed = RemediationActionSchema.safeParse(input);
  if (!parsed.success)
    return { kind: 'refused', reason: `malformed action: ${parsed.error.issues[0]?.message}` };
  const click = new Click(parsed.data, deps);
  const action = click.action;

  // Only the id is taken from the payload; everything else comes from the stored plan.
  const record = await deps.store.get(action.planId);
  if (!record || (record.channel !== undefined && record.channel !== action.channel))
    return click.refuse(md`${UNKNOWN_PLAN_REASON}`);
  click.record = record;

  const auth = await authorise(
    deps.policy,
    {
      user: action.userId,
      requesters: requestersOf(record),
      namespace: record.plan.object.namespace ?? record.target.namespace,
      remediation: record.plan.id,
      purpose: action.action,
    },
    deps.usergroups,
  );
  if (!auth.ok) return click.refuse(withMentions(auth.reason));

  switch (action.action) {
    case 'reject':
      return reject(click, record);
    case 'approve':
      return approve(click, record, auth);
    case 'undo':
      return undo(click, record);
  }
}

async function reject(click: Click, record: PlanRecord): Promise<RemediationOutcome> {
  const moved = await click.deps.store.move(record.id, 'pending', 'rejected', '', {
    user: click.user,
    at: click.now(),
  });
  if (!moved) {
    const current = await click.deps.store.get(record.id);
    return click.refuse(current ? describeState(current) : md`${UNKNOWN_PLAN_REASON}`);
  }
  click.record = moved;
  await click.step(
    'rejected',
    md`${userRef(click.user)} rejected: ${record.plan.title}. Nothing was changed.`,
  );
  await click.card(moved, md`Rejected by ${userRef(click.user)}`);
  return { kind: 'rejected' };
}

async function approve(
  click: Click,
  record: PlanRecord,
  auth: Extract<Authorisation, { ok: true }>,
): Promise<RemediationOutcome> {
  const { store } = click.deps;
  if (record.state !== 'pending') return click.refuse(describeState(record));
  const now = click.now();
  if (Date.parse(record.expiresAt) <= now.getTime())
    return click.refuse(
      md`This fix expired at ${record.expiresAt} (a plan can be approved for ${Math.round(store.ttlSeconds / 60)} minutes after the diagnosis, while it still describes the cluster). Run the diagnosis again for a fresh plan.`,
    );
  const bounded = clampToBounds(record.plan, auth.bounds);
  if (!bounded.ok) return click.refuse(md`Not applied: ${bounded.reason}.`);

  const needed = auth.requiredApprovals;
  const claim = await store.claim(record.id, ['pending'], 'applying', click.user, needed, now);
  if (!claim.ok) {
    if (claim.reason === 'already-approved')
      return click.refuse(
        md`You already approved this fix; it needs ${needed} approvals from different people (${claim.record?.approvals.length ?? 1} so far).`,
      );
    if (claim.reason === 'wrong-state' && claim.record)
      return click.refuse(describeState(claim.record));
    return click.refuse(md`${UNKNOWN_PLAN_REASON}`);
  }
  click.record = claim.record;
  if (claim.record.state === 'pending') {
    const have = claim.record.approvals.length;
    await click.step(
      'approval-recorded',
      md`${userRef(click.user)} approved: ${record.plan.title} (${have} of ${needed} approvals). Awaiting a second approver.`,
    );
    await click.card(
      claim.record,
      md`Approved by ${userRefs(claim.record.approvals)}; awaiting a second approver`,
    );
    await click.tell(md`
Your approval is recorded; awaiting a second approver.
    `);
    return { kind: 'awaiting-approval', approvals: have, needed };
  }
  // Restarts carry the time they are applied, as kubectl's do.
  const plan = restamp(bounded.plan, now);
  return applyClaimed(click, claim.record, plan, bounded.clamped);
}

/** Dry run then apply; a stale plan or a refusal by the API server ends in `failed`. */
async function mutate(
  click: Click,
  plan: RemediationPlan,
  mutation: Mutation,
  label: string,
): Promise<
  | { ok: true; dry: MutationResult; real: MutationResult }
  | { ok: false; stale: boolean; reason: string }
> {
  const writer = click.deps.writer;
  try {
    const dry = await runMutation(writer, plan.object, mutation, { dryRun: true });
    await click.step(
      'dry-run',
      md`Server-side dry run of ${label} passed. The change:\n${codeBlock(dry.diff)}`,
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
  const approvers = userRefs(record.approvals, ' and ');
  await click.step(
    'approved',
    md`${approvers} approved: ${plan.title}${clamped ? ` (${clamped})` : ''}. Running a server-side dry run first.`,
  );
  const done = await mutate(click, plan, plan.mutation, 'the fix');
  if (!done.ok) {
    const note = done.stale ? `the plan went stale: ${done.reason}` : done.reason;
    const failed = await store.move(record.id, 'applying', 'failed', note, {
      user: click.user,
      at: click.now(),
    });
    click.record = failed ?? record;
    if (done.stale) {
      await click.step('stale', md`Not applied: ${done.reason}`);
      await click.card(failed, md`Not applied: the plan went stale (${done.reason})`);
      return { kind: 'refused', reason: done.reason };
    }
    await click.step('failed', md`Failed, nothing was changed: ${done.reason}`);
    await click.card(failed, md`Failed: ${done.reason}`);
    return { kind: 'failed', reason: done.reason };
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
  const waiting = waitText(plan);
  await click.step(
    'applied',
    md`Applied (field manager kubemedic): ${plan.title}.${waiting ? ` Waiting up to ${Math.round(click.waitTimeoutMs / 1000)} s for ${waiting}.` : ''}`,
    { patch: plan.mutation },
  );

  const effect = await waitForEffect(reader, plan, record.target, {
    timeoutMs: click.waitTimeoutMs,
    intervalMs: click.pollIntervalMs,
    generation: applied.generation,
  });
  const check = await verifyPlan(reader, plan, record.target, {
    timeoutMs: effect.ok ? click.verifyTimeoutMs : 0,
    intervalMs: click.pollIntervalMs,
  });
  const verified = effect.ok && check.verified;
  await store.setApplied(record.id, { ...applied, verified });
  const final = (await store.get(record.id)) ?? appliedRecord;
  click.record = final;
  const undoable = applied.inverse ? '' : ' This fix cannot be undone.';
  const summary = verified
    ? `Verified: ${effect.detail}; ${check.summary}.`
    : `Applied, but not verified: ${effect.ok ? check.summary : effect.detail}.`;
  await click.step(verified ? 'verified' : 'not-verified', md`${summary}${undoable}`);
  await click.card(
    final,
    md`${verified ? 'Applied and verified' : 'Applied, not verified'} (approved by ${approvers})`,
  );
  return { kind: 'applied', verified, summary };
}

async function undo(click: Click, record: PlanRecord): Promise<RemediationOutcome> {
  const { store, writer, reader } = click.deps;
  if (record.state !== 'applied') return click.refuse(describeState(record));
  const inverse = record.applied?.inverse ?? record.plan.inverse;
  if (!inverse)
    return click.refuse(
      md`${record.plan.title} cannot be undone: ${record.plan.id === 'rollout-restart' || record.plan.id === 'restart-coredns' ? 'a restart leaves no previous state to return to' : 'the plan has no inverse'}.`,
    );
  const claimed = await store.move(record.id, 'applied', 'undoing', '', {
    user: click.user,
    at: click.now(),
  });
  if (!claimed) {
    const current = await store.get(record.id);
    return click.refuse(current ? describeState(current) : md`${UNKNOWN_PLAN_REASON}`);
  }
  click.record = claimed;
  const plan = record.plan;
  await click.step(
    'undo-requested',
    md`${userRef(click.user)} asked to undo: ${plan.title}. Running a server-side dry run first.`,
  );
  const done = await mutate(click, plan, inverse, 'the undo');
  if (!done.ok) {
    const back = await store.move(
      record.id,
      'undoing',
      'applied',
      `undo not applied: ${done.reason}`,
    );
    click.record = back ?? claimed;
    await click.step(done.stale ? 'stale' : 'failed', md`Undo not applied: ${done.reason}`);
    await click.card(back, md`Applied; the undo was not applied (${done.reason})`);
    return done.stale
      ? { kind: 'refused', reason: done.reason }
      : { kind: 'failed', reason: done.reason };
  }
  // Undo restores a known state, which may be the broken one: wait only until the controller saw it.
  const effect = await waitForEffect(reader, plan, record.target, {
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
  const undone =
    (await store.move(record.id, 'undoing', 'undone', restored.detail, {
      user: click.user,
      at: click.now(),
    })) ?? claimed;
  click.record = undone;
  const summary = restored.restored
    ? `Undone: ${restored.detail}${effect.ok ? '' : ` (${effect.detail})`}.`
    : `Undo applied, but ${restored.detail}.`;
  await click.step('undone', md`${summary}`, { patch: inverse });
  await click.card(undone, md`Undone by ${userRef(click.user)}`);
  return { kind: 'undone', summary };
}
