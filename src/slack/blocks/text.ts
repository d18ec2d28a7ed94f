// Block Kit building blocks that keep within Slack's limits: 50 blocks per message, 3,000
// characters per text object, 75 per button. Text is escaped for mrkdwn
// (&, <, >) before it is measured, so an escaped string never overflows.
import type { types } from '@slack/bolt';

export type Block = types.KnownBlock;

export const LIMITS = {
  blocksPerMessage: 50,
  textObject: 3000,
  buttonText: 75,
  contextElements: 10,
  /** The notification text that travels with blocks; Slack allows 40,000, people read ~300. */
  fallbackText: 3000,
} as const;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts plain text to `max` characters, ending with an ellipsis when it was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - 1)) + '…';
}

/** Escapes then cuts to `max` characters without splitting an entity such as `&amp;`. */
export function fitEscaped(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw);
  if (escaped.length <= max) return escaped;
  let cut = escaped.slice(0, Math.max(0, max - 1));
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return cut + '…';
}

/** Inline code: escaped, with backticks that would close the span replaced. */
export function code(text: string, max = 200): string {
  return '`' + fitEscaped(text.replace(/`/g, "'"), max) + '`';
}

/**
 * A code block holding a command and its output; output beyond the budget is cut at a line
 * boundary and a note says how much was left out and how to see it all.
 */
export function codeBlock(
  command: string,
  output: string,
  max: number = LIMITS.textObject,
): string {
  const fence = '```';
  const safe = (s: string) => escapeMrkdwn(s.replace(/```/g, "'''"));
  const head = `$ ${command.replace(/```/g, "'''")}`;
  const headPart = safe(truncate(head, 600));
  const body = safe(output || '(no output)');
  const whole = `${fence}${headPart}\n${body}${fence}`;
  if (whole.length <= max) return whole;
  const hidden = (n: number) => `\n_… ${n} more characters not shown: run the command to see all._`;
  // Reserve room for the note with the largest number it could name.
  const budget = max - headPart.length - 2 * fence.length - 1 - hidden(body.length).length;
  let kept = body.slice(0, Math.max(0, budget));
  const nl = kept.lastIndexOf('\n');
  if (nl > budget / 2) kept = kept.slice(0, nl);
  const amp = kept.lastIndexOf('&');
  if (amp >= 0 && !kept.slice(amp).includes(';')) kept = kept.slice(0, amp);
  return `${fence}${headPart}\n${kept}${fence}${hidden(body.length - kept.length)}`;
}

export function section(text: string): types.SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clampText(text) } };
}

export function context(...texts: string[]): types.ContextBlock {
  return {
    type: 'context',
    elements: texts
      .filter(Boolean)
      .slice(0, LIMITS.contextElements)
      .map((t) => ({ type: 'mrkdwn' as const, text: clampText(t) })),
  };
}

export function divider(): types.DividerBlock {
  return { type: 'divider' };
}

export function button(
  text: string,
  actionId: string,
  value: string,
  style?: 'primary' | 'danger',
  confirm?: types.ConfirmationDialog,
): types.Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(text, LIMITS.buttonText), emoji: true },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
    ...(confirm ? { confirm } : {}),
  };
}

/** Last line of defence: mrkdwn already escaped by the caller, cut to the text-object limit. */
function clampText(text: string): string {
  const t = text || ' ';
  if (t.length <= LIMITS.textObject) return t;
  let cut = t.slice(0, LIMITS.textObject - 1);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  // An unclosed code fence would swallow the rest of the message.
  if ((cut.match(/```/g) ?? []).length % 2 === 1) cut = cut.slice(0, LIMITS.textObject - 4) + '```';
  return cut + '…';
}

/** A message's notification text: plain, short, never empty. */
export function fallback(text: string): string {
  return truncate(text.replace(/\s+/g, ' ').trim() || 'kubemedic', LIMITS.fallbackText);
}

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** A one-section message from plain text (escaped for mrkdwn). */
export function plainMessage(text: string): SlackMessage {
  return { text: fallback(text), blocks: [section(fitEscaped(text, LIMITS.textObject - 100))] };
}

/** A one-section message from text that is already Slack mrkdwn (mentions, bold, links). */
export function mrkdwnMessage(text: string): SlackMessage {
  return { text: fallback(text), blocks: [section(text)] };
}
