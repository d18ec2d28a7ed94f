// The remediation runtime's steps (remediation/steps.ts) as Slack messages: what goes in the
// plan's thread, the status line of its card, and what only the clicker sees. Every outside
// value is escaped and redacted by `md`; users are mentioned; diffs are code blocks.
import type { RemediationStep, StepContext, Voice } from '../../remediation/steps.js';
import { stepWords } from '../../remediation/steps.js';
import {
  type Mrkdwn,
  clock,
  codeBlock,
  md,
  trustedMrkdwn,
  userRef,
  userRefs,
  withMentions,
} from './text.js';

/** Slack shows at most 3,000 characters of a section; the audit log keeps the whole diff. */
const MAX_DIFF_CHARS = 2400;

export const slackVoice: Voice<Mrkdwn> = {
  say: md,
  user: userRef,
  users: userRefs,
  block: (text) =>
    trustedMrkdwn(
      codeBlock(
        undefined,
        text,
        MAX_DIFF_CHARS,
        '`kubemedic audit --output json` has the whole diff',
      ),
    ),
  policy: withMentions,
  time: (iso) => trustedMrkdwn(clock(iso)),
};

export interface StepMessages {
  /** A reply in the plan's thread (every step but refusals). */
  thread?: Mrkdwn;
  /** The card's new status line; the card is re-rendered from the record for its buttons. */
  card?: Mrkdwn;
  /** A reply only the clicker sees. */
  ephemeral?: Mrkdwn;
}

function cardStatus(step: RemediationStep): Mrkdwn | undefined {
  switch (step.kind) {
    case 'rejected':
      return md`Rejected by ${userRef(step.by)}`;
    case 'approval-recorded':
      return md`Approved by ${userRefs(step.approvals)}; awaiting a second approver`;
    case 'stale':
    case 'failed':
      if (step.of === 'undo') return md`Applied; the undo was not applied (${step.reason})`;
      return step.kind === 'stale'
        ? md`Not applied: the plan went stale (${step.reason})`
        : md`Failed: ${step.reason}`;
    case 'verified':
    case 'not-verified':
      return md`${step.kind === 'verified' ? 'Applied and verified' : 'Applied, not verified'} (approved by ${userRefs(step.approvers, ' and ')})`;
    case 'undone':
      return md`Undone by ${userRef(step.by)}`;
    default:
      return undefined;
  }
}

/** The one renderer from a step to what Slack shows, in the order it is posted. */
export function stepMessages(step: RemediationStep): StepMessages {
  const words = stepWords(step, slackVoice);
  if (step.kind === 'refused') return { ephemeral: words };
  return {
    thread: words,
    card: cardStatus(step),
    ephemeral:
      step.kind === 'approval-recorded'
        ? trustedMrkdwn('Your approval is recorded; awaiting a second approver.')
        : undefined,
  };
}

/** Where a step's thread reply goes: the plan's thread, else the clicked message's. */
export function threadOf(ctx: StepContext): { channel: string; threadTs?: string } {
  const r = ctx.record;
  return {
    channel: r?.channel ?? ctx.channel,
    threadTs: r?.threadTs ?? r?.cardTs ?? ctx.messageTs,
  };
}
