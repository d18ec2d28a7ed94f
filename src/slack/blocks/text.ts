// Block Kit building blocks that keep within Slack's limits: 50 blocks per message, 3,000
// characters per text object, 75 per button. Text is escaped for mrkdwn
// (&, <, >) before it is measured, so an escaped string never overflows.
// The one escaping layer: every string the bot did not write goes through escapeMrkdwn (which
// redacts secrets first); text the bot writes with mentions is built with `md` and `mention`.
import type { types } from '@slack/bolt';
import { redact } from '../../redact.js';

export type Block = types.KnownBlock;

export const LIMITS = {
  blocksPerMessage: 50,
  textObject: 3000,
  buttonText: 75,
  contextElements: 10,
  /** The notification text that travels with blocks; Slack allows 40,000, people read ~300. */
  fallbackText: 3000,
} as const;

/**
 * Outside text made safe for mrkdwn: secrets redacted, then the three characters Slack's mrkdwn
 * treats as control characters escaped (so `<!channel>`, `<@U…>`, `<https://x|y>` stay text).
 */
export function escapeMrkdwn(text: string): string {
  return redact(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text that is already safe Slack mrkdwn: only `md`, `mention` and `trustedMrkdwn` make one. */
export class Mrkdwn {
  private constructor(readonly text: string) {}

  /** @internal use `md` or `mention`. */
  static of(text: string): Mrkdwn {
    return new Mrkdwn(text);
  }

  toString(): string {
    return this.text;
  }
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;

/** The bot's own mention of a Slack user; refuses anything that is not a user id. */
export function mention(userId: string): Mrkdwn {
  if (!SLACK_USER_ID.test(userId))
    throw new Error(`not a Slack user id: ${JSON.stringify(userId)}`);
  return Mrkdwn.of(`<@${userId}>`);
}

/** A user as stored (from a Slack payload): mentioned when a user id, else shown as text. */
export function userRef(userId: string): Mrkdwn {
  return SLACK_USER_ID.test(userId) ? mention(userId) : Mrkdwn.of(escapeMrkdwn(userId));
}

/** Several users, `sep` between them. */
export function userRefs(userIds: readonly string[], sep = ', '): Mrkdwn {
  return Mrkdwn.of(userIds.map((u) => userRef(u).text).join(sep));
}

/** mrkdwn written by the bot itself (bold, emoji, code), with no outside text in it. */
export function trustedMrkdwn(text: string): Mrkdwn {
  return Mrkdwn.of(text);
}

/**
 * The bot's mrkdwn: the template's literal parts are the bot's own words; every interpolated
 * value is outside text (escaped and redacted) unless it is itself Mrkdwn.
 */
export function md(strings: TemplateStringsArray, ...values: unknown[]): Mrkdwn {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += (v instanceof Mrkdwn ? v.text : escapeMrkdwn(String(v))) + (strings[i + 1] ?? '');
  });
  return Mrkdwn.of(out);
}

/** Cuts mrkdwn to `max` without splitting an entity or a `<…>` sequence the bot wrote. */
export function fitMrkdwn(m: Mrkdwn, max: number): string {
  if (m.text.length <= max) return m.text;
  let cut = m.text.slice(0, Math.max(0, max - 1));
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  const lt = cut.lastIndexOf('<');
  if (lt >= 0 && !cut.slice(lt).includes('>')) cut = cut.slice(0, lt);
  return cut + '…';
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

/**
 * The one time format kubemedic shows in Slack: `2026-01-01 14:02:05 UTC`. A value that is no
 * date (or Alertmanager's zero time) is shown as escaped text.
 */
export function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 2000) return fitEscaped(iso, 64);
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/(\.\d+)?Z$/, ' UTC');
}

/** A span of time as people say it: `850 ms`, `4 s`, `2 min 5 s`, `3 h 12 min`, `2 d 4 h`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'unknown';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** Inline code: escaped, with backticks that would close the span replaced. */
export function code(text: string, max = 200): string {
  return '`' + fitEscaped(text.replace(/`/g, "'"), max) + '`';
}

/**
 * A code block holding a command and its output (or, with no command, verbatim text such as a
 * diff); output beyond the budget is cut at a line boundary and a note says how much was left
 * out and where to see it all.
 */
export function codeBlock(
  command: string | undefined,
  output: string,
  max: number = LIMITS.textObject,
  whereAll = 'run the command to see all',
): string {
  const fence = '```';
  const safe = (s: string) => escapeMrkdwn(s.replace(/```/g, "'''"));
  const headPart = command === undefined ? '' : `${safe(truncate(`$ ${command}`, 600))}\n`;
  const body = safe(output || '(no output)');
  const whole = `${fence}${headPart}${body}${fence}`;
  if (whole.length <= max) return whole;
  const hidden = (n: number) => `\n_… ${n} more characters not shown: ${whereAll}._`;
  // Reserve room for the note with the largest number it could name.
  const budget = max - headPart.length - 2 * fence.length - hidden(body.length).length;
  let kept = body.slice(0, Math.max(0, budget));
  const nl = kept.lastIndexOf('\n');
  if (nl > budget / 2) kept = kept.slice(0, nl);
  const amp = kept.lastIndexOf('&');
  if (amp >= 0 && !kept.slice(amp).includes(';')) kept = kept.slice(0, amp);
  return `${fence}${headPart}${kept}${fence}${hidden(body.length - kept.length)}`;
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

/**
 * A message's notification text from plain text: short, never empty, and escaped, since Slack
 * reads the top-level `text` as mrkdwn (a `<!channel>` there would notify the channel).
 */
export function fallback(text: string): string {
  return fitEscaped(text.replace(/\s+/g, ' ').trim() || 'kubemedic', LIMITS.fallbackText);
}

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** A one-section message from plain text (escaped for mrkdwn). */
export function plainMessage(text: string): SlackMessage {
  return { text: fallback(text), blocks: [section(fitEscaped(text, LIMITS.textObject - 100))] };
}

/** A one-section message from the bot's mrkdwn (mentions and bold render). */
export function mrkdwnMessage(m: Mrkdwn): SlackMessage {
  const text = fitMrkdwn(
    Mrkdwn.of(m.text.replace(/\s+/g, ' ').trim() || 'kubemedic'),
    LIMITS.fallbackText,
  );
  return { text, blocks: [section(fitMrkdwn(m, LIMITS.textObject - 100))] };
}

/**
 * Text whose only markup is user mentions (the approval policy's reasons): escaped and redacted
 * like any outside text, then `<@U…>` of a valid user id is let through to render.
 */
export function withMentions(text: string): Mrkdwn {
  return Mrkdwn.of(escapeMrkdwn(text).replace(/&lt;@([UW][A-Z0-9]{2,20})&gt;/g, '<@$1>'));
}
