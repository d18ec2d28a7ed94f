// A remediation card: what the fix does, its risk, the kubectl that does the same, and the
// buttons its state allows. Buttons carry only the plan's opaque id.
import type { types } from '@slack/bolt';
import { LONG_COMMAND_CHARS, planDiff } from '../../remediation/diff.js';
import type { PlanRecord, PlanState } from '../../remediation/plan-store.js';
import {
  type Block,
  type SlackMessage,
  button,
  clock,
  code,
  codeBlock,
  context,
  fallback,
  fitEscaped,
  fitMrkdwn,
  type Mrkdwn,
  section,
  userRef,
  userRefs,
} from './text.js';

export const ACTION_IDS = {
  approve: 'kubemedic_approve',
  reject: 'kubemedic_reject',
  undo: 'kubemedic_undo',
  /** Not a decision: replies, to the clicker alone, with the plan's full kubectl command. */
  showCommand: 'kubemedic_show_command',
} as const;

const STATE_LINE: Record<PlanState, (r: PlanRecord) => string> = {
  pending: (r) =>
    r.approvals.length
      ? `:hourglass_flowing_sand: Approved so far by ${userRefs(r.approvals).text}; more approvals needed`
      : `:hourglass_flowing_sand: Awaiting approval · expires ${clock(r.expiresAt)}`,
  applying: (r) => `:gear: Applying${by(r, 'approved by')}…`,
  applied: (r) =>
    `:white_check_mark: Applied${by(r, 'by')}${r.applied?.verified === false ? ' · not verified yet' : ''}`,
  rejected: (r) => `:no_entry_sign: Rejected${by(r, 'by')}`,
  failed: (r) => `:x: Failed${r.note ? `: ${fitEscaped(r.note, 500)}` : ''}`,
  undoing: (r) => `:leftwards_arrow_with_hook: Undoing${by(r, 'requested by')}…`,
  undone: (r) => `:leftwards_arrow_with_hook: Undone${by(r, 'by')}`,
};

function by(r: PlanRecord, verb: string): string {
  const when = r.decidedAt ? ` at ${clock(r.decidedAt)}` : '';
  return r.decidedBy ? ` ${verb} ${userRef(r.decidedBy).text}${when}` : when;
}

/** Undo is offered once applied, when the plan (or what the apply recorded) has an inverse. */
export function canUndo(r: PlanRecord): boolean {
  return r.state === 'applied' && Boolean(r.applied?.inverse ?? r.plan.inverse);
}

/** Whether the card shows the change instead of its kubectl command (a whole container spec). */
export function commandIsLong(r: PlanRecord): boolean {
  return r.plan.kubectl.length > LONG_COMMAND_CHARS;
}

function buttons(r: PlanRecord): types.Button[] {
  const show = commandIsLong(r) ? [button('Show full command', ACTION_IDS.showCommand, r.id)] : [];
  return [...decisions(r), ...show];
}

function decisions(r: PlanRecord): types.Button[] {
  if (r.state === 'pending') {
    const confirm: types.ConfirmationDialog | undefined =
      r.plan.risk === 'low'
        ? undefined
        : {
            title: { type: 'plain_text', text: 'Apply this fix?' },
            text: {
              type: 'mrkdwn',
              text: `${fitEscaped(r.plan.title, 180)} (risk ${r.plan.risk}). It is dry-run first and applied only if the object is unchanged.`,
            },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          };
    return [
      button('Approve', ACTION_IDS.approve, r.id, 'primary', confirm),
      button('Reject', ACTION_IDS.reject, r.id, 'danger'),
    ];
  }
  if (canUndo(r)) return [button('Undo', ACTION_IDS.undo, r.id)];
  return [];
}

/** The card for a plan record in its current state; `status` adds the latest step. */
export function renderPlanCard(r: PlanRecord, status?: Mrkdwn): SlackMessage {
  const p = r.plan;
  const obj = `${p.object.kind} ${p.object.namespace ? `${p.object.namespace}/` : ''}${p.object.name}`;
  const blocks: Block[] = [
    section(
      `:hammer_and_wrench: *Fix:* ${fitEscaped(p.title, 500)}\n${code(p.id)} · risk *${p.risk}* · ${fitEscaped(obj, 300)}\n${fitEscaped(p.expectedEffect, 1200)}`,
    ),
    commandIsLong(r)
      ? section(
          `${codeBlock(undefined, `${planDiff(p)}\nprecondition: ${p.precondition}`, 2500)}\n_The kubectl command that does this is ${p.kubectl.length} characters long: *Show full command* sends it to you._`,
        )
      : section(codeBlock(p.kubectl, `precondition: ${p.precondition}`, 2500)),
  ];
  if (r.applied?.diff && r.state !== 'pending')
    blocks.push(section(codeBlock('diff (server-side dry run)', r.applied.diff, 2500)));
  const lines = [STATE_LINE[r.state](r)];
  if (r.applied?.clamped) lines.push(fitEscaped(r.applied.clamped, 300));
  if (status) lines.push(fitMrkdwn(status, 1500));
  blocks.push(context(lines.join(' · ')));
  const actions = buttons(r);
  if (actions.length) blocks.push({ type: 'actions', block_id: `plan-${r.id}`, elements: actions });
  return { text: fallback(`Fix ${p.id} (${r.state}): ${p.title}`), blocks };
}

/** Characters of command per code block: room for mrkdwn escaping within the 3,000 of a text. */
const COMMAND_CHUNK = 2400;

/**
 * The reply to *Show full command*, for the clicker alone: the plan's kubectl command whole, in
 * as many code blocks as it needs, so it can be copied and pasted as it is.
 */
export function renderFullCommand(r: PlanRecord): SlackMessage {
  const p = r.plan;
  const chunks: string[] = [];
  for (let i = 0; i < p.kubectl.length; i += COMMAND_CHUNK)
    chunks.push(p.kubectl.slice(i, i + COMMAND_CHUNK));
  const blocks: Block[] = [
    section(
      `:clipboard: The kubectl command of *${fitEscaped(p.title, 500)}* (${p.kubectl.length} characters${chunks.length > 1 ? `, in ${chunks.length} parts to join` : ''}):`,
    ),
    ...chunks.slice(0, 40).map((c) => section(codeBlock(undefined, c))),
    context(`precondition: ${fitEscaped(p.precondition, 500)}`),
  ];
  return { text: fallback(`The full kubectl command of fix ${p.id}: ${p.title}`), blocks };
}
