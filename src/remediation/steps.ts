// What the approval runtime says happened, as data: the flow emits these steps in order through
// one port (`ReportStep`), the audit log stores them, and the people-facing layers put them into
// words. The words are written once here, against a `Voice` that knows how to mark up a user, a
// block of verbatim text and outside values: slack/ supplies the mrkdwn voice (escaping,
// mentions, code blocks), `plainVoice` gives the audit log's and the CLI's plain text.
import type { FieldChange } from './diff.js';
import type { PlanRecord, PlanState } from './plan-store.js';

/** Why a click changed nothing. */
export type Refusal =
  | { code: 'unknown-plan' }
  /** The approval policy's reason (its only markup is `<@U…>` mentions). */
  | { code: 'not-authorised'; reason: string }
  /** The plan is no longer pending (or not applied, for an undo). */
  | { code: 'decided'; state: PlanState; by?: string; note?: string }
  | { code: 'expired'; expiresAt: string; ttlMinutes: number }
  /** The policy's bounds forbid the change (e.g. more replicas than allowed). */
  | { code: 'out-of-bounds'; reason: string }
  | { code: 'already-approved'; needed: number; have: number }
  | { code: 'not-undoable'; title: string; why: string };

/** Which change a dry run, a stale plan or a failure was about. */
export type Change = 'fix' | 'undo';

export type RemediationStep =
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'rejected'; by: string; title: string }
  /** One approval of several; the plan stays pending. */
  | { kind: 'approval-recorded'; by: string; title: string; approvals: string[]; needed: number }
  /** Authorised and claimed: the apply starts. */
  | { kind: 'approved'; approvers: string[]; title: string; clamped?: string }
  | { kind: 'undo-requested'; by: string; title: string }
  /** The server-side dry run passed; `diff` is `changes` in words (diff.ts renderChanges). */
  | { kind: 'dry-run'; of: Change; changes: FieldChange[]; diff: string }
  | { kind: 'applied'; title: string; waitingFor?: string; waitSeconds: number }
  /** `effect`: what the wait saw; `check`: what the re-run diagnosis says. */
  /** `readyEndpoints`: what the re-run diagnosis saw (the incident picture draws it). */
  | {
      kind: 'verified';
      effect: string;
      check: string;
      undoable: boolean;
      approvers: string[];
      readyEndpoints?: number;
    }
  | {
      kind: 'not-verified';
      why: string;
      undoable: boolean;
      approvers: string[];
      readyEndpoints?: number;
    }
  /** The object changed since the diagnosis; nothing was applied. */
  | { kind: 'stale'; of: Change; reason: string }
  | { kind: 'failed'; of: Change; reason: string }
  /** `effect`: set when the controller did not observe the undo in time. */
  | { kind: 'undone'; by: string; restored: boolean; detail: string; effect?: string };

export type StepKind = RemediationStep['kind'];

/** Where a step happened: the click (who, where) and the plan as it stands after the step. */
export interface StepContext {
  channel: string;
  user: string;
  /** The message holding the card that was clicked. */
  messageTs?: string;
  record?: PlanRecord;
}

/** The runtime's one way out to people; slack/ implements it (slack/notifier.ts slackReporter). */
export type ReportStep = (step: RemediationStep, ctx: StepContext) => Promise<void>;

/** How words are marked up for one audience. */
export interface Voice<T> {
  /** The bot's own words; interpolated strings are outside text, T values are already marked up. */
  say(strings: TemplateStringsArray, ...values: (T | string | number)[]): T;
  user(id: string): T;
  users(ids: readonly string[], sep?: string): T;
  /** Verbatim text on lines of its own (a diff). */
  block(text: string): T;
  /** The approval policy's words, whose only markup is user mentions. */
  policy(text: string): T;
  /** A moment (ISO), in the audience's one time format. */
  time(iso: string): T;
}

export const UNKNOWN_PLAN_REASON =
  'This fix is unknown here: it was made for another conversation or has been forgotten. Run the diagnosis again for a fresh plan.';

function refusalWords<T>(r: Refusal, v: Voice<T>): T {
  switch (r.code) {
    case 'unknown-plan':
      return v.say`${UNKNOWN_PLAN_REASON}`;
    case 'not-authorised':
      return v.policy(r.reason);
    case 'decided':
      return stateWords(r, v);
    case 'expired':
      return v.say`This fix expired at ${v.time(r.expiresAt)} (a plan can be approved for ${r.ttlMinutes} minutes after the diagnosis, while it still describes the cluster). Run the diagnosis again for a fresh plan.`;
    case 'out-of-bounds':
      return v.say`Not applied: ${r.reason}.`;
    case 'already-approved':
      return v.say`You already approved this fix; it needs ${r.needed} approvals from different people (${r.have} so far).`;
    case 'not-undoable':
      return v.say`${r.title} cannot be undone: ${r.why}.`;
  }
}

function stateWords<T>(r: Extract<Refusal, { code: 'decided' }>, v: Voice<T>): T {
  const by = r.by ? v.say` by ${v.user(r.by)}` : v.say``;
  switch (r.state) {
    case 'applying':
      return v.say`This fix is already being applied${by}.`;
    case 'applied':
      return v.say`This fix was already applied${by}.`;
    case 'rejected':
      return v.say`This fix was rejected${by}.`;
    case 'failed':
      return v.say`This fix was not applied: ${r.note ?? 'it failed'}.`;
    case 'undoing':
      return v.say`This fix is being undone${by}.`;
    case 'undone':
      return v.say`This fix was applied and then undone${by}.`;
    case 'pending':
      return v.say`This fix has not been applied.`;
  }
}

const cannotUndo = (undoable: boolean) => (undoable ? '' : ' This fix cannot be undone.');

/** What a verification concluded, in one plain line (the flow's outcome summary). */
export function verdictLine(step: Extract<RemediationStep, { kind: 'verified' | 'not-verified' }>) {
  return step.kind === 'verified'
    ? `Verified: ${step.effect}; ${step.check}.`
    : `Applied, but not verified: ${step.why}.`;
}

/** A step in words, as the plan's thread and the audit log tell it. */
export function stepWords<T>(step: RemediationStep, v: Voice<T>): T {
  switch (step.kind) {
    case 'refused':
      return refusalWords(step.refusal, v);
    case 'rejected':
      return v.say`${v.user(step.by)} rejected: ${step.title}. Nothing was changed.`;
    case 'approval-recorded':
      return v.say`${v.user(step.by)} approved: ${step.title} (${step.approvals.length} of ${step.needed} approvals). Awaiting a second approver.`;
    case 'approved':
      return v.say`${v.users(step.approvers, ' and ')} approved: ${step.title}${step.clamped ? ` (${step.clamped})` : ''}. Running a server-side dry run first.`;
    case 'undo-requested':
      return v.say`${v.user(step.by)} asked to undo: ${step.title}. Running a server-side dry run first.`;
    case 'dry-run':
      return v.say`Server-side dry run of the ${step.of} passed. The change:\n${v.block(step.diff)}`;
    case 'applied':
      return v.say`Applied (field manager kubemedic): ${step.title}.${step.waitingFor ? ` Waiting up to ${step.waitSeconds} s for ${step.waitingFor}.` : ''}`;
    case 'verified':
    case 'not-verified':
      // Values, not words: the effect and the check summary quote the cluster.
      return v.say`${verdictLine(step)}${cannotUndo(step.undoable)}`;
    case 'stale':
    case 'failed':
      if (step.of === 'undo') return v.say`Undo not applied: ${step.reason}`;
      return step.kind === 'stale'
        ? v.say`Not applied: ${step.reason}`
        : v.say`Failed, nothing was changed: ${step.reason}`;
    case 'undone':
      return step.restored
        ? v.say`Undone: ${step.detail}${step.effect ? ` (${step.effect})` : ''}.`
        : v.say`Undo applied, but ${step.detail}.`;
  }
}

/** Plain text: the audit log's outcome and the CLI's audit view. */
export const plainVoice: Voice<string> = {
  say: (strings, ...values) =>
    strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]) : ''), ''),
  user: (id) => id,
  users: (ids, sep = ', ') => ids.join(sep),
  block: (text) => text,
  policy: (text) => text,
  time: (iso) => iso,
};

export function stepText(step: RemediationStep): string {
  return stepWords(step, plainVoice);
}
