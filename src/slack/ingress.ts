// The front door of POST /slack/events in HTTP mode. Bolt's receiver assumes a well-formed
// request: a signed body of JSON `null` threw inside it and killed the process, other methods
// answered 500, and a timestamp from the future was accepted. So every request is checked here
// first (method, content type, size, timestamp window both ways, signature, encoding, and the
// shape of what kubemedic serves) and only a request Slack could have sent reaches Bolt. Each
// refusal is a 4xx that says why. A verified slash command is answered here, by the same
// handler Bolt would call (commands/diagnose.ts): Bolt's middleware chain, body re-parsing and
// per-request objects were most of the bot's CPU time before the ack (issue 11's profile).
import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import * as z from 'zod';
import { log, reasonOf } from '../log.js';

export const MAX_SLACK_BODY_BYTES = 1024 * 1024;
/** Slack's own rule: a request more than 5 minutes from now (either way) is refused. */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

export interface IngressOptions {
  signingSecret: string;
  /** Slash commands a listener serves (others would wait 3 s for an ack that never comes). */
  commands: readonly string[];
  /** action_ids a listener serves. */
  actionIds: RegExp;
  /** Answers a verified slash command with the ack's text (the ephemeral reply). */
  answerCommand?: (command: SlashCommand) => Promise<string>;
  nowSeconds?: () => number;
}

export class IngressError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const id = z.string().min(1).max(255);

const SlashCommandSchema = z.object({
  command: z.string().regex(/^\/\S{1,64}$/),
  text: z.string().max(4000),
  user_id: id,
  user_name: z.string().max(255),
  channel_id: id,
  team_id: id.optional(),
});

export type SlashCommand = z.infer<typeof SlashCommandSchema>;

const BlockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id }),
  team: z.object({ id }).nullable().optional(),
  actions: z.array(z.object({ action_id: z.string().max(255) })).min(1),
});

const EventsSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string().max(1024) }),
  z.object({
    type: z.literal('event_callback'),
    team_id: id.optional(),
    event: z.object({ type: z.string().min(1).max(255) }),
  }),
]);

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** The whole body, read with plain listeners (an async iterator costs more than the rest). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > MAX_SLACK_BODY_BYTES)
      return reject(new IngressError(413, `body larger than ${MAX_SLACK_BODY_BYTES} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (buf: Buffer) => {
      size += buf.length;
      if (size <= MAX_SLACK_BODY_BYTES) return void chunks.push(buf);
      req.off('data', onData);
      reject(new IngressError(413, `body larger than ${MAX_SLACK_BODY_BYTES} bytes`));
    };
    req.on('data', onData);
    req.once('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    req.once('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Throws an IngressError (401) unless the request is signed with the secret, within the window. */
export function verifySignature(
  secret: string | KeyObject,
  raw: Buffer,
  timestamp: string | undefined,
  signature: string | undefined,
  now: number,
): void {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    throw new IngressError(401, 'missing or malformed x-slack-request-timestamp');
  if (Math.abs(now - Number(timestamp)) > MAX_CLOCK_SKEW_SECONDS)
    throw new IngressError(
      401,
      'x-slack-request-timestamp is more than 5 minutes from now (check the clock, or a replay)',
    );
  const given = /^v0=([0-9a-f]{64})$/.exec(signature ?? '')?.[1];
  if (!given) throw new IngressError(401, 'missing or malformed x-slack-signature');
  const expected = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(raw).digest();
  if (!timingSafeEqual(Buffer.from(given, 'hex'), expected))
    throw new IngressError(401, 'x-slack-signature does not match');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IngressError(400, `${what} is not JSON: ${reasonOf(err)}`);
  }
}

/**
 * Checks a verified body's shape against what kubemedic serves; throws a 400 otherwise.
 * Returns the slash command when it is one.
 */
export function checkShape(
  text: string,
  form: boolean,
  opts: IngressOptions,
): SlashCommand | undefined {
  if (!form) {
    const parsed = EventsSchema.safeParse(parseJson(text, 'the body'));
    if (!parsed.success)
      throw new IngressError(
        400,
        `not an Events API request kubemedic serves: ${issues(parsed.error)}`,
      );
    return;
  }
  // Decoded as Bolt decodes it (node:querystring, into an object without a prototype). Bolt
  // parses a field given twice as a list, which no listener matches (a 3 s wait, then 404).
  const fields = parseQuery(text);
  for (const k in fields)
    if (Array.isArray(fields[k])) throw new IngressError(400, `field ${k} is given more than once`);
  const payload = fields.payload as string | undefined;
  if (payload !== undefined) {
    const parsed = BlockActionsSchema.safeParse(parseJson(payload, 'payload'));
    if (!parsed.success)
      throw new IngressError(400, `not an interaction kubemedic serves: ${issues(parsed.error)}`);
    if (!parsed.data.actions.some((a) => opts.actionIds.test(a.action_id)))
      throw new IngressError(400, 'no action kubemedic serves in the payload');
    return undefined;
  }
  const parsed = SlashCommandSchema.safeParse(fields);
  if (!parsed.success) throw new IngressError(400, `not a slash command: ${issues(parsed.error)}`);
  if (!opts.commands.includes(parsed.data.command))
    throw new IngressError(400, `kubemedic does not serve ${parsed.data.command}`);
  return parsed.data;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Wraps Bolt's request listener: only a request Slack could have sent is handed on. */
export function slackIngress(bolt: RequestListener, opts: IngressOptions) {
  const now = opts.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  // The key once, not per request (createHmac would import the secret each time).
  const key = createSecretKey(Buffer.from(opts.signingSecret, 'utf8'));
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const refuse = (status: number, message: string, headers: Record<string, string> = {}) => {
      log.warn({ status, reason: message }, 'refused a request to /slack/events');
      // A body not read to its end would be taken as the next request on a kept-alive socket.
      req.resume();
      res
        .writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers })
        .end(`${message}\n`);
    };
    if (req.method !== 'POST') return refuse(405, 'only POST is served here', { allow: 'POST' });
    const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (type !== FORM && type !== JSON_TYPE)
      return refuse(415, `content type must be ${FORM} or ${JSON_TYPE}`);
    try {
      const raw = await readBody(req);
      const form = type === FORM;
      // Slack checks reachability with an unsigned `ssl_check=1`; it only wants a 200.
      if (
        form &&
        raw.includes('ssl_check') &&
        new URLSearchParams(raw.toString('latin1')).get('ssl_check') === '1'
      ) {
        res.writeHead(200).end();
        return;
      }
      verifySignature(
        key,
        raw,
        header(req, 'x-slack-request-timestamp'),
        header(req, 'x-slack-signature'),
        now(),
      );
      let text: string;
      try {
        text = utf8.decode(raw);
      } catch {
        throw new IngressError(400, 'the body is not UTF-8');
      }
      const command = checkShape(text, form, opts);
      if (command && opts.answerCommand) {
        const reply = await opts.answerCommand(command);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ response_type: 'ephemeral', text: reply }));
        return;
      }
      // Bolt reads the body we already read (rawBody) and compares the content type exactly.
      Object.assign(req, { rawBody: raw });
      req.headers['content-type'] = type;
      bolt(req, res);
    } catch (err) {
      if (err instanceof IngressError) {
        if (err.status === 413) res.setHeader('connection', 'close');
        return refuse(err.status, err.message);
      }
      throw err;
    }
  };
}
