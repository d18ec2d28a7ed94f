// How kubemedic speaks: a SlackPoster posts, updates and sends ephemeral messages. The Slack
// implementation wraps Bolt's WebClient and reports failures as SlackCallError (rate limited,
// transient, or permanent) so the slack-post queue can pace, retry or give up; the console
// implementation prints what would have been posted.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { webApi } from '@slack/bolt';
import { slackApiErrorsTotal } from '../metrics.js';
import { redact } from '../redact.js';
import { blocksToPlainText } from './blocks/plain.js';
import type { Block } from './blocks/text.js';

export interface OutgoingMessage {
  channel: string;
  text: string;
  blocks?: Block[];
  threadTs?: string;
  /** Slack message metadata: marks a thread parent as kubemedic's conversation `id`. */
  thread?: { conversation: string };
}

/** The metadata event type of the thread parents kubemedic posts. */
export const THREAD_EVENT_TYPE = 'kubemedic_thread';

export interface PostResult {
  /** The channel id Slack answered with (a #name is resolved to its id). */
  channel: string;
  ts: string;
}

/** A file shared into a channel or thread (the incident picture). */
export interface OutgoingFile {
  channel: string;
  threadTs?: string;
  filename: string;
  title: string;
  altText: string;
  bytes: Buffer;
}

export interface SlackPoster {
  readonly kind: 'slack' | 'console';
  postMessage(m: OutgoingMessage): Promise<PostResult>;
  update(m: { channel: string; ts: string; text: string; blocks?: Block[] }): Promise<void>;
  postEphemeral(m: OutgoingMessage & { user: string }): Promise<void>;
  /**
   * The parent of `conversation` among the latest messages of `channel`, found by its metadata: after a Redis failover lost the record of a post, the thread is found, not posted again.
   */
  findThread?(channel: string, conversation: string): Promise<PostResult | undefined>;
  /** Uploads and shares a file; returns its id (Slack's) or where it was written (console). */
  uploadFile(f: OutgoingFile): Promise<{ fileId: string }>;
}

/**
 * The texts of a file leave the process like message texts do: redacted, with & and < escaped so
 * no outside value opens a mention or a link (`>` alone opens nothing and stays readable, as in
 * an expression `x > 0`); the name is reduced to safe characters.
 */
function redactFile(f: OutgoingFile): OutgoingFile {
  const plain = (t: string) => redact(t).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return {
    ...f,
    filename: redact(f.filename).replace(/[^A-Za-z0-9._-]/g, '_'),
    title: plain(f.title),
    altText: plain(f.altText),
  };
}

const UPLOAD_TIMEOUT_MS = 30_000;

export type SlackFailure = 'rate-limited' | 'transient' | 'permanent';

export class SlackCallError extends Error {
  constructor(
    readonly method: string,
    readonly error: string,
    readonly failure: SlackFailure,
    readonly retryAfterMs = 0,
  ) {
    super(`Slack ${method} failed: ${error}`);
  }
}

// Slack errors worth retrying; anything else (channel_not_found, invalid_blocks, ...) will fail
// the same way again.
const TRANSIENT = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'team_added_to_org',
]);

interface WebError {
  code?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
  message?: string;
}

export function classifySlackError(method: string, err: unknown): SlackCallError {
  if (err instanceof SlackCallError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as WebError;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return new SlackCallError(method, 'ratelimited', 'rate-limited', (e.retryAfter ?? 1) * 1000);
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      return new SlackCallError(method, code, TRANSIENT.has(code) ? 'transient' : 'permanent');
    }
    case 'slack_webapi_http_error': {
      const status = e.statusCode ?? 0;
      return new SlackCallError(
        method,
        `http_${status}`,
        status >= 500 || status === 408 ? 'transient' : 'permanent',
      );
    }
    default:
      return new SlackCallError(method, e.message ?? 'request_error', 'transient');
  }
}

/**
 * The last check before Slack: the renderers escape and redact outside text, and this runs the
 * same redactor over every text of the message (fallback, blocks, confirm dialogs), so a
 * secret in a string that skipped the renderers still does not leave.
 */
export function redactMessage<M extends { text: string; blocks?: Block[] }>(m: M): M {
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return key === 'text' ? redact(v) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(m) as M;
}

export class WebApiPoster implements SlackPoster {
  readonly kind = 'slack' as const;

  constructor(private readonly client: webApi.WebClient) {}

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const failure = classifySlackError(method, err);
      slackApiErrorsTotal.inc({ method, error: failure.error });
      throw failure;
    }
  }

  async postMessage(given: OutgoingMessage): Promise<PostResult> {
    const m = redactMessage(given);
    const res = await this.call('chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: m.channel,
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
        ...(m.thread
          ? {
              metadata: {
                event_type: THREAD_EVENT_TYPE,
                event_payload: { conversation: m.thread.conversation },
              },
            }
          : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    if (!res.ts) throw new SlackCallError('chat.postMessage', 'no_ts_in_response', 'transient');
    return { channel: res.channel ?? m.channel, ts: res.ts };
  }

  async findThread(channel: string, conversation: string): Promise<PostResult | undefined> {
    let cursor: string | undefined;
    // Newest first; the parent was posted moments ago, so a few pages are plenty.
    for (let page = 0; page < 5; page++) {
      const res = await this.call('conversations.history', () =>
        this.client.conversations.history({
          channel,
          limit: 200,
          include_all_metadata: true,
          ...(cursor ? { cursor } : {}),
        }),
      );
      const found = res.messages?.find(
        (m) =>
          m.bot_id !== undefined &&
          m.metadata?.event_type === THREAD_EVENT_TYPE &&
          (m.metadata.event_payload as Record<string, unknown> | undefined)?.conversation ===
            conversation,
      );
      if (found?.ts) return { channel, ts: found.ts };
      cursor = res.response_metadata?.next_cursor;
      if (!res.has_more || !cursor) return undefined;
    }
    return undefined;
  }

  async update(given: {
    channel: string;
    ts: string;
    text: string;
    blocks?: Block[];
  }): Promise<void> {
    const m = redactMessage(given);
    await this.call('chat.update', () =>
      this.client.chat.update({
        channel: m.channel,
        ts: m.ts,
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
      }),
    );
  }

  async postEphemeral(given: OutgoingMessage & { user: string }): Promise<void> {
    const m = redactMessage(given);
    await this.call('chat.postEphemeral', () =>
      this.client.chat.postEphemeral({
        channel: m.channel,
        user: m.user,
        text: m.text,
        ...(m.blocks ? { blocks: m.blocks } : {}),
        ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      }),
    );
  }

  async uploadFile(f: OutgoingFile): Promise<{ fileId: string }> {
    return uploadExternal(this.client, (method, fn) => this.call(method, fn), f);
  }
}

/**
 * Slack's external upload flow: files.getUploadURLExternal (name and byte length), POST the
 * bytes to the URL it returns, then files.completeUploadExternal shares the file in the thread.
 * The token is not sent to the upload URL: the URL itself authorises the upload.
 */
export async function uploadExternal(
  client: webApi.WebClient,
  call: <T>(method: string, fn: () => Promise<T>) => Promise<T>,
  given: OutgoingFile,
): Promise<{ fileId: string }> {
  const f = redactFile(given);
  const ticket = await call('files.getUploadURLExternal', () =>
    client.files.getUploadURLExternal({
      filename: f.filename,
      length: f.bytes.length,
      alt_text: f.altText,
    }),
  );
  const url = ticket.upload_url;
  const fileId = ticket.file_id;
  if (!url || !fileId || !/^https?:\/\//.test(url))
    throw new SlackCallError('files.getUploadURLExternal', 'no_upload_url', 'transient');
  await call('upload_url', async () => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(f.bytes),
        redirect: 'error',
        signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
      });
    } catch (err) {
      throw new SlackCallError(
        'upload_url',
        `upload_failed: ${String(err)}`.slice(0, 200),
        'transient',
      );
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status !== 200)
      throw new SlackCallError(
        'upload_url',
        `http_${res.status}`,
        res.status >= 500 || res.status === 408 || res.status === 429 ? 'transient' : 'permanent',
      );
  });
  await call('files.completeUploadExternal', () =>
    client.files.completeUploadExternal({
      files: [{ id: fileId, title: f.title }],
      channel_id: f.channel,
      ...(f.threadTs ? { thread_ts: f.threadTs } : {}),
    }),
  );
  return { fileId };
}

/** A card printed by the console, which `approve N` / `reject N` / `undo N` name. */
export interface ConsoleCard {
  planId: string;
  channel: string;
  ts: string;
}

const CARD_BUTTONS = /^kubemedic_(approve|reject|undo|show_command)$/;

/** Console mode: prints what would be posted, as a person would read it in Slack. */
export class ConsolePoster implements SlackPoster {
  readonly kind = 'console' as const;
  private seq = 0;
  private readonly cards: ConsoleCard[] = [];

  constructor(private readonly write: (text: string) => void = (t) => process.stdout.write(t)) {}

  /** Card `n` (from 1) as printed, for the console's approve/reject/undo. */
  card(n: number): ConsoleCard | undefined {
    return this.cards[n - 1];
  }

  private nextTs(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  /** The buttons of a card stand for words typed at the console: numbered once per plan. */
  private buttonHint(blocks: Block[] | undefined, channel: string, ts: string): string {
    const verbs: string[] = [];
    let planId: string | undefined;
    for (const b of blocks ?? [])
      if (b.type === 'actions')
        for (const e of b.elements)
          if (e.type === 'button' && e.action_id && CARD_BUTTONS.test(e.action_id)) {
            verbs.push(e.action_id.replace('kubemedic_', '').replace('show_command', 'show'));
            planId = e.value;
          }
    if (!planId) return '';
    let n = this.cards.findIndex((c) => c.planId === planId) + 1;
    if (n === 0) n = this.cards.push({ planId, channel, ts });
    else this.cards[n - 1] = { planId, channel, ts };
    return `\n(type: ${verbs.map((v) => `${v} ${n}`).join(' · ')})`;
  }

  private print(
    title: string,
    given: { text: string; blocks?: Block[] },
    at: { channel: string; ts: string },
  ): void {
    const m = redactMessage(given);
    const body =
      (m.blocks?.length ? blocksToPlainText(m.blocks) : m.text) +
      this.buttonHint(given.blocks, at.channel, at.ts);
    const indented = body
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
    this.write(`\n── ${title}\n${indented}\n`);
  }

  async postMessage(m: OutgoingMessage): Promise<PostResult> {
    const ts = this.nextTs();
    this.print(
      m.threadTs ? `${m.channel} · reply in thread ${m.threadTs}` : `${m.channel} · message ${ts}`,
      m,
      { channel: m.channel, ts },
    );
    return { channel: m.channel, ts };
  }

  async update(m: { channel: string; ts: string; text: string; blocks?: Block[] }): Promise<void> {
    this.print(`${m.channel} · message ${m.ts} updated`, m, m);
  }

  async postEphemeral(m: OutgoingMessage & { user: string }): Promise<void> {
    this.print(`${m.channel} · only @${m.user} sees`, m, { channel: m.channel, ts: '' });
  }

  /** Writes the file to a fresh temp folder and prints where, so a person can open it. */
  async uploadFile(given: OutgoingFile): Promise<{ fileId: string }> {
    const f = redactFile(given);
    const dir = await mkdtemp(join(tmpdir(), 'kubemedic-'));
    const path = join(dir, f.filename || 'file');
    await writeFile(path, f.bytes, { mode: 0o600 });
    const where = f.threadTs
      ? `${f.channel} · file in thread ${f.threadTs}`
      : `${f.channel} · file`;
    this.write(`\n── ${where}\n  ${f.title}: ${path}\n`);
    return { fileId: path };
  }
}
