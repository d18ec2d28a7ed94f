// A fake of Slack's Web API (and the Socket Mode WebSocket) for end-to-end tests. It answers the
// methods kubemedic uses the way Slack documents them and records every call for assertions.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { FakeFiles, type ShareFile, type UploadedFile } from './fake-slack-files.js';

export const FAKE_SLACK_DEFAULTS = {
  botToken: 'xoxb-test-token',
  appToken: 'xapp-1-A0KUBEMED-1-test-app-token',
  teamId: 'T0KUBEMED',
  teamDomain: 'kubemedic-test',
  teamName: 'Kubemedic Test',
  botUserId: 'U0KUBEBOT',
  botUserName: 'kubemedic',
  botId: 'B0KUBEBOT',
  appId: 'A0KUBEMED',
} as const;

export type SlackArgs = Record<string, unknown>;

export interface SlackResponse {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export interface RecordedCall {
  /** Web API method name, or `response_url` for posts to a response URL. */
  method: string;
  path: string;
  args: SlackArgs;
  /** From `Authorization: Bearer`, else the `token` field of a form or query. */
  token: string | undefined;
  /** Epoch milliseconds. */
  time: number;
  status: number;
  rateLimited: boolean;
  response: SlackResponse;
}

export interface StoredMessage {
  type: 'message';
  subtype?: 'thread_broadcast';
  /** Not part of Slack's message object; kept so a message can be found without context. */
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
  /** Files shared by this message (files.completeUploadExternal). */
  files?: { id: string; name: string; title: string; alt_txt?: string; mimetype: string }[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  edited?: { user: string; ts: string };
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface FakeUser {
  name: string;
  realName?: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
  tz?: string;
}

export interface FakeUsergroup {
  handle: string;
  name?: string;
  users: string[];
}

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  teamId?: string;
  teamDomain?: string;
  teamName?: string;
  botUserId?: string;
  botUserName?: string;
  botId?: string;
  appId?: string;
  /** User id -> user. */
  users?: Record<string, FakeUser>;
  /** Usergroup (subteam) id -> group. */
  usergroups?: Record<string, FakeUsergroup>;
  /** When given, only these channel ids exist; otherwise any non-empty channel does. */
  channels?: string[];
}

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: unknown;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export interface SendEnvelopeOptions {
  /** Slack retries an envelope not acked within 3 s. */
  timeoutMs?: number;
  acceptsResponsePayload?: boolean;
  retryAttempt?: number;
  retryReason?: string;
}

type TokenKind = 'bot' | 'app';

interface MethodSpec {
  token: TokenKind;
  handle: (args: SlackArgs) => SlackResponse;
}

interface MessageContent {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: unknown;
}

type ContentResult = { ok: true; content: MessageContent } | { ok: false; response: SlackResponse };

interface PendingAck {
  resolve: (ack: SocketAck) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const MAX_BLOCKS = 50;
const MAX_TEXT_OBJECT = 3000;
const MAX_HEADER_TEXT = 150;
const MAX_SECTION_FIELD = 2000;
const MAX_SECTION_FIELDS = 10;
const MAX_BUTTON_TEXT = 75;
const MAX_CONTEXT_ELEMENTS = 10;
const MAX_ACTIONS_ELEMENTS = 25;
const MAX_BLOCK_ID = 255;
const MAX_MARKDOWN_BLOCK = 12000;
const MAX_MESSAGE_TEXT = 40000;
// Block elements and composition objects (docs.slack.dev/reference/block-kit).
const MAX_ACTION_ID = 255;
const MAX_BUTTON_VALUE = 2000;
const MAX_BUTTON_URL = 3000;
const MAX_CONFIRM = { title: 100, text: 300, confirm: 30, deny: 30 } as const;
const KNOWN_BLOCK_TYPES = new Set([
  'actions',
  'context',
  'context_actions',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);
// Form bodies carry structured arguments as JSON strings (that is what WebClient sends).
const JSON_FORM_FIELDS = ['blocks', 'attachments', 'metadata', 'files'];

export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly appId: string;

  private readonly options: FakeSlackOptions;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly events = new EventEmitter();
  private readonly methods: Map<string, MethodSpec>;
  private readonly uploads = new FakeFiles(() => `http://127.0.0.1:${this.port}/`);
  private recorded: RecordedCall[] = [];
  private channelMessages = new Map<string, StoredMessage[]>();
  private ephemeralMessages: EphemeralMessage[] = [];
  private users = new Map<string, FakeUser>();
  private usergroups = new Map<string, FakeUsergroup>();
  private rateLimits = new Map<string, number[]>();
  private failures = new Map<string, string[]>();
  private readonly sockets = new Set<WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly pendingAcks = new Map<string, PendingAck>();
  // Not reset by reset(): a ts from before a reset must never name a new message.
  private tsSequence = 0;
  private port = 0;
  private closed = false;

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    const fake = new FakeSlack(options);
    await fake.listen();
    return fake;
  }

  private constructor(options: FakeSlackOptions) {
    this.options = options;
    this.botToken = options.botToken ?? FAKE_SLACK_DEFAULTS.botToken;
    this.appToken = options.appToken ?? FAKE_SLACK_DEFAULTS.appToken;
    this.teamId = options.teamId ?? FAKE_SLACK_DEFAULTS.teamId;
    this.botUserId = options.botUserId ?? FAKE_SLACK_DEFAULTS.botUserId;
    this.appId = options.appId ?? FAKE_SLACK_DEFAULTS.appId;
    this.loadDirectory();
    this.events.setMaxListeners(0);
    this.methods = new Map<string, MethodSpec>([
      ['auth.test', { token: 'bot', handle: () => this.authTest() }],
      ['chat.postMessage', { token: 'bot', handle: (a) => this.postMessage(a) }],
      ['chat.update', { token: 'bot', handle: (a) => this.update(a) }],
      ['chat.postEphemeral', { token: 'bot', handle: (a) => this.postEphemeral(a) }],
      ['usergroups.list', { token: 'bot', handle: (a) => this.usergroupsList(a) }],
      ['usergroups.users.list', { token: 'bot', handle: (a) => this.usergroupUsers(a) }],
      ['users.info', { token: 'bot', handle: (a) => this.usersInfo(a) }],
      ['conversations.history', { token: 'bot', handle: (a) => this.history(a) }],
      ['apps.connections.open', { token: 'app', handle: () => this.connectionsOpen() }],
      [
        'files.getUploadURLExternal',
        { token: 'bot', handle: (a) => this.uploads.getUploadURLExternal(a) },
      ],
      [
        'files.completeUploadExternal',
        { token: 'bot', handle: (a) => this.uploads.completeUploadExternal(a, this.shareFile) },
      ],
    ]);
    this.server = createServer((req, res) => {
      this.handleRequest(req, res).catch((error: unknown) => {
        // A bug in the fake must fail the test loudly, not hang it.
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'fatal_error' });
        console.error('FakeSlack failed to handle a request', error);
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const ticket = url.searchParams.get('ticket');
      // Like Slack, a WebSocket URL is good for one connection only.
      if (url.pathname !== '/socket' || ticket === null || !this.tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  /** Web API base URL, for WebClient's `slackApiUrl` or SLACK_API_URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** A response_url (as in slash command and interaction payloads) served by this fake. */
  responseUrl(id = 'default'): string {
    return `http://127.0.0.1:${this.port}/commands/${encodeURIComponent(id)}`;
  }

  get calls(): readonly RecordedCall[] {
    return this.recorded;
  }

  callsTo(method: string): RecordedCall[] {
    return this.recorded.filter((call) => call.method === method);
  }

  /** Top-level messages of a channel, oldest first, as conversations.history holds them. */
  messages(channel: string): StoredMessage[] {
    return this.channelLog(channel)
      .filter((m) => !isReply(m) || m.subtype === 'thread_broadcast')
      .map((m) => structuredClone(m));
  }

  /** A thread's parent followed by its replies, oldest first, as conversations.replies holds them. */
  thread(channel: string, ts: string): StoredMessage[] {
    const log = this.channelLog(channel);
    const parent = log.find((m) => m.ts === ts && !isReply(m));
    if (parent === undefined) return [];
    const replies = log.filter((m) => isReply(m) && m.thread_ts === ts);
    return [parent, ...replies].map((m) => structuredClone(m));
  }

  /** Files shared through the external upload flow, with their bytes, oldest first. */
  get files(): UploadedFile[] {
    return this.uploads.files;
  }

  /** Ids of uploads asked for (files.getUploadURLExternal) and never completed. */
  get unfinishedUploads(): string[] {
    return this.uploads.unfinished;
  }

  ephemerals(channel?: string): EphemeralMessage[] {
    return this.ephemeralMessages
      .filter((m) => channel === undefined || m.channel === channel)
      .map((m) => structuredClone(m));
  }

  /** Resolves with the first call (already made or yet to come) to `method` that matches. */
  waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 2000,
  ): Promise<RecordedCall> {
    return this.waitFor(
      () => this.recorded.find((call) => call.method === method && predicate(call)),
      () =>
        `FakeSlack: no ${method} call matched within ${timeoutMs} ms. ` +
        `Calls seen so far (${this.recorded.length}):${describeCalls(this.recorded)}`,
      timeoutMs,
    );
  }

  /** Resolves with the first message in `channel` (thread replies included) that matches. */
  waitForMessage(
    channel: string,
    predicate: (message: StoredMessage) => boolean,
    timeoutMs = 2000,
  ): Promise<StoredMessage> {
    return this.waitFor(
      () => {
        const found = this.channelLog(channel).find(predicate);
        return found === undefined ? undefined : structuredClone(found);
      },
      () =>
        `FakeSlack: no message in ${channel} matched within ${timeoutMs} ms. ` +
        `Messages there: ${JSON.stringify(this.channelLog(channel).map((m) => m.text))}. ` +
        `Calls seen so far (${this.recorded.length}):${describeCalls(this.recorded)}`,
      timeoutMs,
    );
  }

  /** The next `count` calls to `method` get HTTP 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext(method: string, count = 1, retryAfterSeconds = 1): void {
    const queue = this.rateLimits.get(method) ?? [];
    for (let i = 0; i < count; i += 1) queue.push(retryAfterSeconds);
    this.rateLimits.set(method, queue);
  }

  /** The next `count` calls to `method` answer `{ok: false, error}`. */
  failNext(method: string, error: string, count = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < count; i += 1) queue.push(error);
    this.failures.set(method, queue);
  }

  setUser(id: string, user: FakeUser): void {
    this.users.set(id, user);
  }

  setUsergroup(id: string, group: FakeUsergroup): void {
    this.usergroups.set(id, group);
  }

  /** Forgets calls, messages and queued faults; users and usergroups return to the options. */
  reset(): void {
    this.recorded = [];
    this.channelMessages = new Map();
    this.ephemeralMessages = [];
    this.uploads.reset();
    this.rateLimits = new Map();
    this.failures = new Map();
    this.loadDirectory();
  }

  get socketConnections(): number {
    return this.openSockets().length;
  }

  waitForSocketConnection(timeoutMs = 2000): Promise<void> {
    return this.waitFor(
      () => (this.openSockets().length > 0 ? true : undefined),
      () => `FakeSlack: no Socket Mode client connected within ${timeoutMs} ms`,
      timeoutMs,
    ).then(() => undefined);
  }

  /**
   * Sends an envelope to the most recently connected Socket Mode client and resolves with its ack.
   * `payload` is what Slack puts in the envelope (for events_api, the event_callback wrapper).
   */
  sendEnvelope(
    type: EnvelopeType,
    payload: unknown,
    options: SendEnvelopeOptions = {},
  ): Promise<SocketAck> {
    const socket = this.openSockets().at(-1);
    if (socket === undefined) {
      return Promise.reject(
        new Error('FakeSlack: no Socket Mode client is connected (see waitForSocketConnection)'),
      );
    }
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload:
        options.acceptsResponsePayload ?? acceptsResponsePayload(type, payload),
    };
    if (type === 'events_api') {
      envelope.retry_attempt = options.retryAttempt ?? 0;
      envelope.retry_reason = options.retryReason ?? '';
    }
    const timeoutMs = options.timeoutMs ?? 3000;
    return new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelope.envelope_id);
        reject(
          new Error(
            `FakeSlack: ${type} envelope ${envelope.envelope_id} was not acked within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pendingAcks.set(envelope.envelope_id, { resolve, reject, timer });
      socket.send(JSON.stringify(envelope));
    });
  }

  /** Asks connected clients to reconnect, as Slack does when it recycles a connection. */
  disconnectSockets(reason = 'refresh_requested'): void {
    for (const socket of this.openSockets()) {
      socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: debugInfo() }));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, pending] of this.pendingAcks) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`FakeSlack closed before envelope ${id} was acked`));
    }
    this.pendingAcks.clear();
    for (const socket of this.sockets) socket.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  private loadDirectory(): void {
    this.users = new Map(Object.entries(structuredClone(this.options.users ?? {})));
    this.usergroups = new Map(Object.entries(structuredClone(this.options.usergroups ?? {})));
  }

  private waitFor<T>(find: () => T | undefined, describe: () => string, timeoutMs: number) {
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const onChange = (): void => {
        const match = find();
        if (match === undefined) return;
        cleanup();
        resolve(match);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(describe()));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off('change', onChange);
      };
      this.events.on('change', onChange);
    });
  }

  private record(call: RecordedCall): void {
    this.recorded.push(call);
    this.events.emit('change');
  }

  private async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const upload = /^\/upload\/v1\/([0-9a-f]+)$/.exec(url.pathname);
    if (upload) {
      // The bytes of an upload: binary, so read before any text decoding.
      await this.uploads.upload(req, res, upload[1] as string);
      this.events.emit('change');
      return;
    }
    const raw = await readBody(req);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';

    if (req.method === 'POST' && url.pathname.startsWith('/commands/')) {
      // Bolt's respond() posts JSON here; nothing more than recording is needed.
      const parsed = parseJson(raw);
      const response = { ok: true };
      this.record({
        method: 'response_url',
        path: url.pathname,
        args: parsed ?? { raw },
        token: undefined,
        time: Date.now(),
        status: 200,
        rateLimited: false,
        response,
      });
      sendJson(res, 200, response);
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }

    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const { args, formToken, parseError } = parseArgs(contentType, raw, url.searchParams);
    const token = bearerToken(req.headers.authorization) ?? formToken;
    const call = (status: number, response: SlackResponse, rateLimited = false): void =>
      this.record({
        method,
        path: url.pathname,
        args,
        token,
        time: Date.now(),
        status,
        rateLimited,
        response,
      });

    const retryAfter = this.rateLimits.get(method)?.shift();
    if (retryAfter !== undefined) {
      const response = { ok: false, error: 'ratelimited' };
      call(429, response, true);
      sendJson(res, 429, response, { 'retry-after': String(retryAfter) });
      return;
    }

    const response = this.answer(method, args, token, parseError);
    call(200, response);
    sendJson(res, 200, response);
  }

  private answer(
    method: string,
    args: SlackArgs,
    token: string | undefined,
    parseError: string | undefined,
  ): SlackResponse {
    const injected = this.failures.get(method)?.shift();
    if (injected !== undefined) return fail(injected);
    const spec = this.methods.get(method);
    if (spec === undefined) return fail('unknown_method');
    if (parseError !== undefined) return fail(parseError);
    const authError = this.authError(spec.token, token);
    if (authError !== undefined) return fail(authError);
    return spec.handle(args);
  }

  private authError(kind: TokenKind, token: string | undefined): string | undefined {
    if (token === undefined || token === '') return 'not_authed';
    if (token === (kind === 'bot' ? this.botToken : this.appToken)) return undefined;
    const isAppToken = token.startsWith('xapp-');
    if (isAppToken !== (kind === 'app')) return 'not_allowed_token_type';
    return 'invalid_auth';
  }

  private authTest(): SlackResponse {
    const domain = this.options.teamDomain ?? FAKE_SLACK_DEFAULTS.teamDomain;
    return {
      ok: true,
      url: `https://${domain}.slack.com/`,
      team: this.options.teamName ?? FAKE_SLACK_DEFAULTS.teamName,
      user: this.options.botUserName ?? FAKE_SLACK_DEFAULTS.botUserName,
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.options.botId ?? FAKE_SLACK_DEFAULTS.botId,
      is_enterprise_install: false,
    };
  }

  private postMessage(args: SlackArgs): SlackResponse {
    const channel = str(args.channel);
    if (!this.channelExists(channel)) return fail('channel_not_found');
    const result = readContent(args);
    if (!result.ok) return result.response;
    const threadTs = str(args.thread_ts) || undefined;
    const parent = threadTs === undefined ? undefined : this.findParent(channel, threadTs);
    if (threadTs !== undefined && parent === undefined) return fail('thread_not_found');

    const message: StoredMessage = {
      type: 'message',
      channel,
      ts: this.nextTs(),
      ...result.content,
      ...this.author(),
    };
    if (parent !== undefined) {
      message.thread_ts = parent.ts;
      message.parent_user_id = parent.user;
      if (flag(args.reply_broadcast)) message.subtype = 'thread_broadcast';
      const replyUsers = new Set([...(parent.reply_users ?? []), message.user]);
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      parent.reply_users = [...replyUsers];
      parent.reply_users_count = replyUsers.size;
      parent.latest_reply = message.ts;
    }
    this.channelLog(channel, true).push(message);
    return { ok: true, channel, ts: message.ts, message: asSlackMessage(message) };
  }

  /** A shared file appears as a message of the bot's (in the thread when one is named). */
  private readonly shareFile: ShareFile = (channel, threadTs, file) => {
    if (!this.channelExists(channel)) return { ok: false, error: 'channel_not_found' };
    const parent = threadTs === undefined ? undefined : this.findParent(channel, threadTs);
    if (threadTs !== undefined && parent === undefined)
      return { ok: false, error: 'thread_not_found' };
    const message: StoredMessage = {
      type: 'message',
      channel,
      ts: this.nextTs(),
      text: '',
      files: [file],
      ...this.author(),
    };
    if (parent !== undefined) {
      message.thread_ts = parent.ts;
      message.parent_user_id = parent.user;
      parent.thread_ts = parent.ts;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      parent.latest_reply = message.ts;
    }
    this.channelLog(channel, true).push(message);
    return { ok: true, ts: message.ts };
  };

  private update(args: SlackArgs): SlackResponse {
    const channel = str(args.channel);
    if (!this.channelExists(channel)) return fail('channel_not_found');
    const ts = str(args.ts);
    const message = this.channelLog(channel).find((m) => m.ts === ts);
    if (ts === undefined || message === undefined) return fail('message_not_found');
    const result = readContent(args);
    if (!result.ok) return result.response;

    // chat.update keeps what it is not given; an empty array clears blocks or attachments.
    if (args.text !== undefined) message.text = result.content.text;
    for (const key of ['blocks', 'attachments'] as const) {
      const value = result.content[key];
      if (value === undefined) continue;
      if (value.length === 0) delete message[key];
      else message[key] = value;
    }
    if (result.content.metadata !== undefined) message.metadata = result.content.metadata;
    message.edited = { user: this.botUserId, ts: this.nextTs() };
    return {
      ok: true,
      channel,
      ts,
      text: message.text,
      message: asSlackMessage(message),
    };
  }

  private postEphemeral(args: SlackArgs): SlackResponse {
    const channel = str(args.channel);
    if (!this.channelExists(channel)) return fail('channel_not_found');
    const user = str(args.user);
    if (!user) return fail('user_not_in_channel');
    if (this.users.size > 0 && !this.users.has(user)) return fail('user_not_in_channel');
    const result = readContent(args);
    if (!result.ok) return result.response;
    const threadTs = str(args.thread_ts) || undefined;
    if (threadTs !== undefined && this.findParent(channel, threadTs) === undefined) {
      return fail('thread_not_found');
    }
    const ephemeral: EphemeralMessage = {
      channel,
      user,
      message_ts: this.nextTs(),
      text: result.content.text,
    };
    if (result.content.blocks !== undefined) ephemeral.blocks = result.content.blocks;
    if (threadTs !== undefined) ephemeral.thread_ts = threadTs;
    this.ephemeralMessages.push(ephemeral);
    return { ok: true, message_ts: ephemeral.message_ts };
  }

  private usergroupsList(args: SlackArgs): SlackResponse {
    const includeUsers = flag(args.include_users);
    const usergroups = [...this.usergroups].map(([id, group]) => ({
      id,
      team_id: this.teamId,
      is_usergroup: true,
      is_subteam: true,
      name: group.name ?? group.handle,
      description: '',
      handle: group.handle,
      is_external: false,
      date_create: 1_700_000_000,
      date_update: 1_700_000_000,
      date_delete: 0,
      auto_type: null,
      created_by: this.botUserId,
      updated_by: this.botUserId,
      deleted_by: null,
      prefs: { channels: [], groups: [] },
      user_count: group.users.length,
      ...(includeUsers ? { users: [...group.users] } : {}),
    }));
    return { ok: true, usergroups };
  }

  private usergroupUsers(args: SlackArgs): SlackResponse {
    const group = this.usergroups.get(str(args.usergroup) ?? '');
    if (group === undefined) return fail('no_such_subteam');
    return { ok: true, users: [...group.users] };
  }

  /**
   * Top-level messages, newest first, at or after `oldest`; `metadata` only with
   * include_all_metadata, as Slack does. Pages of `limit` (default 100) through `cursor`.
   */
  private history(args: SlackArgs): SlackResponse {
    const channel = str(args.channel);
    if (!this.channelExists(channel)) return fail('channel_not_found');
    const oldest = Number(str(args.oldest) ?? 0);
    const limit = Math.min(Math.max(Number(str(args.limit) ?? 100) || 100, 1), 999);
    const start = Number(str(args.cursor) ?? 0) || 0;
    const all = this.messages(channel ?? '')
      .filter((m) => Number(m.ts) >= oldest)
      .reverse();
    const page = all.slice(start, start + limit).map((m) => {
      const out = asSlackMessage(m);
      if (!flag(args.include_all_metadata)) delete out.metadata;
      return out;
    });
    const more = start + limit < all.length;
    return {
      ok: true,
      messages: page,
      has_more: more,
      response_metadata: { next_cursor: more ? String(start + limit) : '' },
    };
  }

  private usersInfo(args: SlackArgs): SlackResponse {
    const id = str(args.user) ?? '';
    const user = this.users.get(id);
    if (user === undefined) return fail('user_not_found');
    const realName = user.realName ?? user.name;
    return {
      ok: true,
      user: {
        id,
        team_id: this.teamId,
        name: user.name,
        deleted: user.deleted ?? false,
        real_name: realName,
        tz: user.tz ?? 'Etc/UTC',
        is_admin: false,
        is_bot: user.isBot ?? false,
        is_app_user: false,
        profile: {
          real_name: realName,
          display_name: user.name,
          ...(user.email === undefined ? {} : { email: user.email }),
        },
      },
    };
  }

  private connectionsOpen(): SlackResponse {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return { ok: true, url: `ws://127.0.0.1:${this.port}/socket?ticket=${ticket}` };
  }

  private onSocket(socket: WebSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.events.emit('change');
    });
    socket.on('message', (data) => this.onSocketMessage(data));
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openSockets().length,
        debug_info: debugInfo(),
        connection_info: { app_id: this.appId },
      }),
    );
    this.events.emit('change');
  }

  private onSocketMessage(data: RawData): void {
    const message = parseJson(rawDataToString(data));
    const envelopeId = message?.envelope_id;
    if (typeof envelopeId !== 'string') return;
    const pending = this.pendingAcks.get(envelopeId);
    if (pending === undefined) return;
    this.pendingAcks.delete(envelopeId);
    clearTimeout(pending.timer);
    const ack: SocketAck = { envelope_id: envelopeId };
    if (isRecord(message?.payload)) ack.payload = message.payload;
    pending.resolve(ack);
  }

  private openSockets(): WebSocket[] {
    return [...this.sockets].filter((socket) => socket.readyState === socket.OPEN);
  }

  private channelExists(channel: string | undefined): channel is string {
    if (!channel) return false;
    return this.options.channels === undefined || this.options.channels.includes(channel);
  }

  private channelLog(channel: string, create = false): StoredMessage[] {
    let log = this.channelMessages.get(channel);
    if (log === undefined) {
      log = [];
      if (create) this.channelMessages.set(channel, log);
    }
    return log;
  }

  /** A thread's parent must be a top-level message; replies to replies are a bug. */
  private findParent(channel: string, ts: string): StoredMessage | undefined {
    return this.channelLog(channel).find((m) => m.ts === ts && !isReply(m));
  }

  private author(): Pick<StoredMessage, 'user' | 'bot_id' | 'app_id' | 'team'> {
    return {
      user: this.botUserId,
      bot_id: this.options.botId ?? FAKE_SLACK_DEFAULTS.botId,
      app_id: this.appId,
      team: this.teamId,
    };
  }

  private nextTs(): string {
    this.tsSequence += 1;
    const micros = this.tsSequence * 100;
    const seconds = 1_700_000_000 + Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}

export function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  return FakeSlack.start(options);
}

/** Slack's block limits, as `[ERROR] ... [json-pointer:...]` lines like its response_metadata. */
export function blockErrors(blocks: unknown[]): string[] {
  const errors: string[] = [];
  const error = (what: string, pointer: string): void => {
    errors.push(`[ERROR] ${what} [json-pointer:${pointer}]`);
  };
  if (blocks.length > MAX_BLOCKS) error(`no more than ${MAX_BLOCKS} items allowed`, '/blocks');
  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const at = `/blocks/${index}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      error('missing required field: type', at);
      return;
    }
    if (!KNOWN_BLOCK_TYPES.has(block.type)) error(`unsupported type: ${block.type}`, `${at}/type`);
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > MAX_BLOCK_ID) {
        error(`must be less than ${MAX_BLOCK_ID + 1} characters`, `${at}/block_id`);
      }
      if (blockIds.has(block.block_id)) error('duplicate block_id', `${at}/block_id`);
      blockIds.add(block.block_id);
    }
    const checkCount = (key: string, max: number): void => {
      const items = block[key];
      if (Array.isArray(items) && items.length > max) {
        error(`no more than ${max} items allowed`, `${at}/${key}`);
      }
    };
    switch (block.type) {
      case 'section':
        if (block.text === undefined && block.fields === undefined) {
          error('must provide either text or fields', at);
        }
        checkCount('fields', MAX_SECTION_FIELDS);
        break;
      case 'header':
        if (!isRecord(block.text) || block.text.type !== 'plain_text') {
          error('must be a plain_text text object', `${at}/text`);
        }
        break;
      case 'context':
        checkCount('elements', MAX_CONTEXT_ELEMENTS);
        break;
      case 'actions': {
        checkCount('elements', MAX_ACTIONS_ELEMENTS);
        const actionIds = new Set<string>();
        (Array.isArray(block.elements) ? block.elements : []).forEach((element, i) => {
          const id = isRecord(element) ? element.action_id : undefined;
          if (typeof id === 'string') {
            if (actionIds.has(id)) error('duplicate action_id', `${at}/elements/${i}/action_id`);
            actionIds.add(id);
          }
          checkElement(element, `${at}/elements/${i}`, error);
        });
        break;
      }
      case 'markdown':
        if (typeof block.text === 'string' && block.text.length > MAX_MARKDOWN_BLOCK) {
          error(`must be less than ${MAX_MARKDOWN_BLOCK + 1} characters`, `${at}/text`);
        }
        break;
    }
    if (block.type === 'section' && block.accessory !== undefined)
      checkElement(block.accessory, `${at}/accessory`, error);
    checkTextObjects(block, at, MAX_TEXT_OBJECT, error);
  });
  return errors;
}

/** An interactive element's own limits: a button's action_id, value, url, style and confirm. */
function checkElement(
  element: unknown,
  at: string,
  error: (what: string, pointer: string) => void,
): void {
  if (!isRecord(element)) {
    error('must be an object', at);
    return;
  }
  const tooLong = (key: string, max: number) => {
    const v = element[key];
    if (typeof v === 'string' && v.length > max)
      error(`must be less than ${max + 1} characters`, `${at}/${key}`);
  };
  tooLong('action_id', MAX_ACTION_ID);
  if (element.type !== 'button') return;
  if (!isRecord(element.text) || element.text.type !== 'plain_text')
    error('must be a plain_text text object', `${at}/text`);
  tooLong('value', MAX_BUTTON_VALUE);
  tooLong('url', MAX_BUTTON_URL);
  if (element.url !== undefined && !isUrl(element.url)) error('invalid url', `${at}/url`);
  if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger')
    error('must be one of primary, danger', `${at}/style`);
  const confirm = element.confirm;
  if (confirm === undefined) return;
  if (!isRecord(confirm)) {
    error('must be a confirmation dialog object', `${at}/confirm`);
    return;
  }
  for (const [key, max] of Object.entries(MAX_CONFIRM)) {
    const text = confirm[key];
    if (text === undefined) {
      if (key === 'title' || key === 'text')
        error(`missing required field: ${key}`, `${at}/confirm`);
      continue;
    }
    if (!isRecord(text) || typeof text.text !== 'string') {
      error('must be a text object', `${at}/confirm/${key}`);
      continue;
    }
    if (key !== 'text' && text.type !== 'plain_text')
      error('must be a plain_text text object', `${at}/confirm/${key}`);
    if (text.text.length > max)
      error(`must be less than ${max + 1} characters`, `${at}/confirm/${key}/text`);
  }
}

function isUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** Walks a block for text objects, applying the tighter limits some places have. */
function checkTextObjects(
  node: unknown,
  pointer: string,
  limit: number,
  error: (what: string, pointer: string) => void,
): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => checkTextObjects(item, `${pointer}/${i}`, limit, error));
    return;
  }
  if (!isRecord(node)) return;
  if ((node.type === 'plain_text' || node.type === 'mrkdwn') && typeof node.text === 'string') {
    if (node.text.length === 0) error('must be more than 0 characters', `${pointer}/text`);
    if (node.text.length > limit)
      error(`must be less than ${limit + 1} characters`, `${pointer}/text`);
    return;
  }
  for (const [key, child] of Object.entries(node)) {
    checkTextObjects(child, `${pointer}/${key}`, childLimit(node, key), error);
  }
}

function childLimit(parent: Record<string, unknown>, key: string): number {
  if (parent.type === 'header' && key === 'text') return MAX_HEADER_TEXT;
  if (parent.type === 'section' && key === 'fields') return MAX_SECTION_FIELD;
  if (parent.type === 'button' && key === 'text') return MAX_BUTTON_TEXT;
  return MAX_TEXT_OBJECT;
}

function readContent(args: SlackArgs): ContentResult {
  const failWith = (error: string, messages?: string[]): ContentResult => ({
    ok: false,
    response: fail(error, messages),
  });
  const text = str(args.text) ?? '';
  if (text.length > MAX_MESSAGE_TEXT) return failWith('msg_too_long');
  const content: MessageContent = { text };

  if (args.blocks !== undefined && args.blocks !== '') {
    if (!Array.isArray(args.blocks)) return failWith('invalid_blocks_format');
    const errors = blockErrors(args.blocks);
    if (errors.length > 0) return failWith('invalid_blocks', errors);
    content.blocks = args.blocks;
  }
  if (args.attachments !== undefined && args.attachments !== '') {
    if (!Array.isArray(args.attachments)) return failWith('invalid_attachments');
    content.attachments = args.attachments;
  }
  if (args.metadata !== undefined && args.metadata !== '') {
    if (!isRecord(args.metadata)) return failWith('invalid_metadata_format');
    content.metadata = args.metadata;
  }
  const empty = text === '' && !content.blocks?.length && !content.attachments?.length;
  if (empty) return failWith('no_text');
  return { ok: true, content };
}

function parseArgs(
  contentType: string,
  raw: string,
  query: URLSearchParams,
): { args: SlackArgs; formToken: string | undefined; parseError: string | undefined } {
  const args: SlackArgs = Object.fromEntries(query);
  let parseError: string | undefined;
  if (contentType === 'application/json' && raw !== '') {
    const body = parseJson(raw);
    if (body === undefined) parseError = 'invalid_json';
    else Object.assign(args, body);
  } else if (contentType === 'application/x-www-form-urlencoded') {
    const form: SlackArgs = Object.fromEntries(new URLSearchParams(raw));
    for (const key of JSON_FORM_FIELDS) {
      const value = form[key];
      // Left as a string when it is not JSON, so the method reports the bad format.
      if (typeof value === 'string' && value !== '') form[key] = parseJsonValue(value) ?? value;
    }
    Object.assign(args, form);
  }
  // Slack reads `token` from forms and query strings only; JSON bodies need the header.
  const fromForm = contentType === 'application/json' ? query.get('token') : args.token;
  delete args.token;
  return { args, formToken: typeof fromForm === 'string' ? fromForm : undefined, parseError };
}

function acceptsResponsePayload(type: EnvelopeType, payload: unknown): boolean {
  if (type === 'slash_commands') return true;
  if (type !== 'interactive' || !isRecord(payload)) return false;
  return ['view_submission', 'block_suggestion'].includes(String(payload.type));
}

function asSlackMessage(message: StoredMessage): Omit<StoredMessage, 'channel'> {
  const { channel: _channel, ...rest } = structuredClone(message);
  return rest;
}

function isReply(message: StoredMessage): boolean {
  return message.thread_ts !== undefined && message.thread_ts !== message.ts;
}

function describeCalls(calls: readonly RecordedCall[]): string {
  if (calls.length === 0) return ' none';
  return calls
    .map((call) => {
      const outcome = call.response.ok ? 'ok' : String(call.response.error);
      const args = JSON.stringify(call.args);
      const shown = args.length > 300 ? `${args.slice(0, 300)}...` : args;
      return `\n  - ${call.method} -> ${call.status} ${outcome} ${shown}`;
    })
    .join('');
}

function debugInfo(): Record<string, unknown> {
  return { host: 'applink-fake-slack', build_number: 1, approximate_connection_time: 18060 };
}

function fail(error: string, messages?: string[]): SlackResponse {
  return messages === undefined
    ? { ok: false, error }
    : { ok: false, error, response_metadata: { messages } };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: SlackResponse,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

function rawDataToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

function parseJsonValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  const value = parseJsonValue(text);
  return isRecord(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function flag(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}
