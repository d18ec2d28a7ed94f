// A recorded Slack conversation (the calls the fake Slack received, and the files uploaded) as
// an HTML page that looks roughly like Slack: messages replayed in order (posts, in-place
// updates, ephemerals, file shares), Block Kit drawn (header, sections with mrkdwn, fields,
// context, buttons, code blocks, images) and each thread expanded under its parent. Everything
// recorded is outside text here: it is HTML-escaped before any markup is added.
import type { FakeSlack, RecordedCall } from '../support/fake-slack.js';

export interface RecordedFile {
  id: string;
  filename: string;
  title?: string;
  altText?: string;
  channel: string;
  threadTs?: string;
  ts: string;
  base64: string;
}

export interface ThreadRecording {
  recordedAt: string;
  /** Calls as received (tokens left out), oldest first. */
  calls: Omit<RecordedCall, 'token'>[];
  files: RecordedFile[];
}

/** What the fake Slack received so far, as a recording (tokens are not kept). */
export function recordingOf(fake: FakeSlack): ThreadRecording {
  return {
    recordedAt: new Date().toISOString(),
    calls: fake.calls.map(({ token: _token, ...call }) => call),
    files: fake.files.map(({ bytes, ...f }) => ({ ...f, base64: bytes.toString('base64') })),
  };
}

interface Shown {
  channel: string;
  ts: string;
  /** When the bot sent it (epoch ms of the call). */
  at: number;
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  edited: boolean;
  /** Only this user sees it. */
  onlyFor?: string;
  file?: RecordedFile;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Replays the calls: what each message shows at the end. */
export function replay(rec: ThreadRecording): Shown[] {
  const byTs = new Map<string, Shown>();
  const out: Shown[] = [];
  const add = (m: Shown) => {
    byTs.set(`${m.channel}/${m.ts}`, m);
    out.push(m);
  };
  const files = new Map(rec.files.map((f) => [f.id, f]));
  for (const call of rec.calls) {
    if (!call.response.ok) continue;
    const a = call.args;
    const channel = str(call.response.channel) ?? str(a.channel) ?? str(a.channel_id) ?? '';
    if (call.method === 'chat.postMessage')
      add({
        channel,
        ts: str(call.response.ts) ?? '',
        at: call.time,
        threadTs: str(a.thread_ts) || undefined,
        text: str(a.text) ?? '',
        blocks: Array.isArray(a.blocks) ? a.blocks : undefined,
        edited: false,
      });
    else if (call.method === 'chat.update') {
      const m = byTs.get(`${channel}/${str(a.ts)}`);
      if (!m) continue;
      if (a.text !== undefined) m.text = str(a.text) ?? '';
      if (Array.isArray(a.blocks)) m.blocks = a.blocks.length ? a.blocks : undefined;
      m.edited = true;
    } else if (call.method === 'chat.postEphemeral')
      add({
        channel,
        ts: str(call.response.message_ts) ?? '',
        at: call.time,
        threadTs: str(a.thread_ts) || undefined,
        text: str(a.text) ?? '',
        blocks: Array.isArray(a.blocks) ? a.blocks : undefined,
        edited: false,
        onlyFor: str(a.user),
      });
    else if (call.method === 'files.completeUploadExternal')
      for (const f of (call.response.files as { id: string }[] | undefined) ?? []) {
        const file = files.get(f.id);
        if (file)
          add({
            channel: file.channel,
            ts: file.ts,
            at: call.time,
            threadTs: file.threadTs,
            text: '',
            edited: false,
            file,
          });
      }
  }
  return out;
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Slack escapes & < > in message text; these undo it before HTML escaping. */
function slackUnescape(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// Emoji as symbols the DejaVu fonts of a bare Debian have (no colour emoji font is assumed).
const EMOJI: Record<string, [string, string]> = {
  red_circle: ['\u25CF', '#e01e5a'],
  large_green_circle: ['\u25CF', '#2eb67d'],
  large_yellow_circle: ['\u25CF', '#ecb22e'],
  large_orange_circle: ['\u25CF', '#e8912d'],
  white_check_mark: ['\u2714', '#2eb67d'],
  heavy_check_mark: ['\u2714', '#1d1c1d'],
  x: ['\u2716', '#e01e5a'],
  warning: ['\u26A0', '#e8912d'],
  no_entry: ['\u26D4', '#e01e5a'],
  repeat: ['\u21BB', '#1264a3'],
  leftwards_arrow_with_hook: ['\u21A9', '#1264a3'],
  information_source: ['\u2139', '#1264a3'],
  fire: ['\u25B2', '#e8912d'],
  hammer_and_wrench: ['\u2692', '#616061'],
  hourglass_flowing_sand: ['\u231B', '#616061'],
  bell: ['\u266A', '#ecb22e'],
};

/** Inline mrkdwn of plain (already HTML-escaped) text: code, bold, italic, strike, emoji. */
function inline(escaped: string): string {
  return escaped
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1<b>$2</b>')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1<i>$2</i>')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, '$1<s>$2</s>')
    .replace(/:([a-z0-9_+-]+):/g, (all, name: string) =>
      EMOJI[name]
        ? `<span class="emoji" style="color:${EMOJI[name][1]}">${EMOJI[name][0]}</span>`
        : `<span class="emoji-name">${all}</span>`,
    );
}

/** A `<...>` control sequence: link, user or channel mention, special mention. */
function control(inner: string): string {
  const [target = '', label] = inner.split('|', 2);
  if (target.startsWith('@'))
    return `<span class="mention">@${escapeHtml(label ?? target.slice(1))}</span>`;
  if (target.startsWith('#'))
    return `<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`;
  if (target.startsWith('!'))
    return `<span class="mention">@${escapeHtml(target.slice(1).split('^')[0] ?? '')}</span>`;
  return `<a>${escapeHtml(label ?? target)}</a>`;
}

/** Slack mrkdwn as HTML: code blocks, quotes, control sequences, inline styles, line breaks. */
export function mrkdwn(text: string): string {
  return text
    .split(/```/)
    .map((part, i) => {
      if (i % 2 === 1) return `<pre>${escapeHtml(slackUnescape(part.replace(/^\n/, '')))}</pre>`;
      const lines = part.split('\n').map((line) => {
        const quote = /^(&gt;|>)\s?/.exec(line);
        const body = quote ? line.slice(quote[0].length) : line;
        const html = body
          .split(/(<[^<>]*>)/)
          .map((seg) =>
            seg.startsWith('<') && seg.endsWith('>')
              ? control(slackUnescape(seg.slice(1, -1)))
              : inline(escapeHtml(slackUnescape(seg))),
          )
          .join('');
        return quote ? `<span class="quote">${html}</span>` : html;
      });
      return lines.join('<br>');
    })
    .join('');
}

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textObject(t: unknown): string {
  if (!isJson(t)) return '';
  const text = str(t.text) ?? '';
  return t.type === 'mrkdwn' ? mrkdwn(text) : escapeHtml(text);
}

function element(e: unknown): string {
  if (!isJson(e)) return '';
  if (e.type === 'button') {
    const style = e.style === 'primary' ? ' primary' : e.style === 'danger' ? ' danger' : '';
    return `<span class="button${style}">${textObject(e.text)}</span>`;
  }
  if (e.type === 'image')
    return `<span class="thumb" title="${escapeHtml(str(e.alt_text) ?? '')}">&#9635;</span>`;
  if (e.type === 'overflow') return '<span class="button">&hellip;</span>';
  if (e.type === 'mrkdwn' || e.type === 'plain_text') return `<span>${textObject(e)}</span>`;
  return `<span class="button">${escapeHtml(str(e.type) ?? 'element')}</span>`;
}

function richText(node: unknown): string {
  if (Array.isArray(node)) return node.map(richText).join('');
  if (!isJson(node)) return '';
  if (typeof node.text === 'string') return escapeHtml(node.text);
  if (node.type === 'rich_text_preformatted') return `<pre>${richText(node.elements)}</pre>`;
  if (node.type === 'rich_text_section') return `<div>${richText(node.elements)}</div>`;
  return richText(node.elements);
}

export function blockHtml(b: unknown): string {
  if (!isJson(b)) return '';
  switch (b.type) {
    case 'header':
      return `<div class="header">${textObject(b.text)}</div>`;
    case 'section': {
      const fields = Array.isArray(b.fields)
        ? `<div class="fields">${b.fields.map((f) => `<div>${textObject(f)}</div>`).join('')}</div>`
        : '';
      const accessory = b.accessory ? `<div class="accessory">${element(b.accessory)}</div>` : '';
      return `<div class="section"><div class="section-body">${textObject(b.text)}${fields}</div>${accessory}</div>`;
    }
    case 'context':
      return `<div class="context">${(Array.isArray(b.elements) ? b.elements : []).map(element).join(' ')}</div>`;
    case 'actions':
      return `<div class="actions">${(Array.isArray(b.elements) ? b.elements : []).map(element).join('')}</div>`;
    case 'divider':
      return '<hr>';
    case 'image':
      return `<div class="image-block">${b.title ? `<div class="context">${textObject(b.title)}</div>` : ''}<div class="image-missing">[image: ${escapeHtml(str(b.alt_text) ?? '')}]</div></div>`;
    case 'markdown':
      return `<div class="section">${mrkdwn(str(b.text) ?? '')}</div>`;
    case 'rich_text':
      return `<div class="section">${richText(b.elements)}</div>`;
    default:
      return `<div class="context">[${escapeHtml(str(b.type) ?? 'block')} block]</div>`;
  }
}

function time(at: number): string {
  return Number.isFinite(at) ? new Date(at).toISOString().slice(11, 19) : '';
}

function messageHtml(m: Shown, botName: string): string {
  const body = m.file
    ? `<div class="file"><div class="file-title">${escapeHtml(m.file.title ?? m.file.filename)}</div><img alt="${escapeHtml(m.file.altText ?? '')}" src="data:image/png;base64,${m.file.base64}"></div>`
    : m.blocks?.length
      ? m.blocks.map(blockHtml).join('')
      : `<div class="section">${mrkdwn(m.text)}</div>`;
  const only = m.onlyFor ? `<div class="only">Only visible to @${escapeHtml(m.onlyFor)}</div>` : '';
  return `<div class="message${m.onlyFor ? ' ephemeral' : ''}"><div class="avatar">km</div><div class="content">${only}<div class="meta"><b>${escapeHtml(botName)}</b> <span class="app">APP</span> <span class="time">${time(m.at)}${m.edited ? ' (edited)' : ''}</span></div>${body}</div></div>`;
}

const CSS = `
body { margin: 0; background: #fff; font: 15px/1.46 Lato, 'DejaVu Sans', Arial, sans-serif; color: #1d1c1d; width: 900px; }
.channel { padding: 12px 0; }
.channel-name { font-weight: 900; font-size: 18px; padding: 8px 20px; border-bottom: 1px solid #ddd; }
.message { display: flex; padding: 8px 20px; }
.message.ephemeral { background: #f8f8f8; }
.avatar { width: 36px; height: 36px; border-radius: 4px; background: #4a154b; color: #fff; font-size: 13px; font-weight: 700; display: flex; align-items: center; justify-content: center; flex: none; margin-right: 8px; }
.content { flex: 1; min-width: 0; }
.meta .app { background: #e8e8e8; color: #616061; font-size: 10px; font-weight: 700; padding: 1px 3px; border-radius: 2px; }
.meta .time { color: #616061; font-size: 12px; }
.only { color: #616061; font-size: 12px; }
.header { font-size: 18px; font-weight: 900; margin: 4px 0; }
.section { display: flex; margin: 4px 0; word-wrap: break-word; }
.section-body { flex: 1; min-width: 0; }
.accessory { margin-left: 12px; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.context { color: #616061; font-size: 13px; margin: 4px 0; }
.actions { margin: 8px 0; }
.button { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 3px 12px; margin-right: 8px; font-weight: 700; font-size: 14px; background: #fff; }
.button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.button.danger { background: #e01e5a; color: #fff; border-color: #e01e5a; }
pre { background: #f8f8f8; border: 1px solid #ddd; border-radius: 4px; padding: 8px; margin: 4px 0; white-space: pre-wrap; font: 12px/1.5 'DejaVu Sans Mono', monospace; }
code { color: #e01e5a; background: #f8f8f8; border: 1px solid #ddd; border-radius: 3px; padding: 0 3px; font: 12px 'DejaVu Sans Mono', monospace; }
a { color: #1264a3; }
.mention { color: #1264a3; background: #e8f5fa; border-radius: 3px; padding: 0 2px; }
.quote { border-left: 4px solid #ddd; padding-left: 8px; display: inline-block; }
.emoji-name { color: #616061; }
hr { border: none; border-top: 1px solid #ddd; }
.thread { margin-left: 64px; border-left: 2px solid #e8e8e8; }
.replies { color: #1264a3; font-size: 13px; font-weight: 700; padding: 0 20px 4px 64px; }
.file img { max-width: 720px; border: 1px solid #ddd; border-radius: 6px; display: block; }
.file-title { font-size: 13px; color: #616061; margin-bottom: 4px; }
.image-missing { color: #616061; }
`;

/** The page: each channel's top-level messages, each with its thread expanded under it. */
export function threadPage(
  rec: ThreadRecording,
  opts: { botName?: string; title?: string } = {},
): string {
  const botName = opts.botName ?? 'kubemedic';
  const shown = replay(rec);
  const channels = [...new Set(shown.map((m) => m.channel))];
  const sections = channels.map((channel) => {
    const inChannel = shown.filter((m) => m.channel === channel);
    const parents = inChannel.filter((m) => !m.threadTs || m.threadTs === m.ts);
    const parts = parents.map((p) => {
      const replies = inChannel.filter((m) => m.threadTs === p.ts && m !== p);
      const thread = replies.length
        ? `<div class="replies">${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}</div><div class="thread">${replies.map((r) => messageHtml(r, botName)).join('')}</div>`
        : '';
      return messageHtml(p, botName) + thread;
    });
    return `<div class="channel"><div class="channel-name"># ${escapeHtml(channel)}</div>${parts.join('')}</div>`;
  });
  const title = escapeHtml(opts.title ?? 'Recorded Slack thread');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><style>${CSS}</style></head><body>${sections.join('')}</body></html>`;
}
