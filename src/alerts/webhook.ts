// POST /alertmanager: authenticates (bearer token or basic auth, compared in constant time),
// validates the payload, and answers 2xx only once the work is safely in Redis (and, when asked,
// in its replicas: KUBEMEDIC_REDIS_REPLICA_ACKS). Malformed input
// gets 400 with the reason; when Redis cannot take the work, 503 so Alertmanager retries.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/env.js';
import { log, reasonOf } from '../log.js';
import { isRedisUnavailable, redisReady, replicated } from '../queue/redis.js';
import { channelFor } from './channels.js';
import { type IntakeDeps, acceptNotification } from './intake.js';
import { AlertmanagerPayloadSchema } from './schema.js';

export const ALERTMANAGER_PATH = '/alertmanager';
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface WebhookDeps extends IntakeDeps {
  config: Config;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** null when authorised, else why not. */
function authProblem(header: string | undefined, config: Config): string | null {
  const { token, basic } = config.alertmanager;
  if (!token && !basic) {
    // Only when asked for (KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK=true, or the local demo);
    // otherwise the webhook is disabled (console mode refuses to start this way, see env.ts).
    return config.alertmanager.allowUnauthenticated
      ? null
      : 'the webhook is disabled: set ALERTMANAGER_TOKEN (or ALERTMANAGER_USERNAME and ALERTMANAGER_PASSWORD)';
  }
  const [scheme, value = ''] = (header ?? '').split(/\s+(.*)/s, 2);
  if (token && scheme?.toLowerCase() === 'bearer' && sameSecret(value.trim(), token)) return null;
  if (basic && scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
    const pass = colon >= 0 ? decoded.slice(colon + 1) : '';
    // Both compared, always, so timing does not tell which one was wrong.
    const okUser = sameSecret(user, basic.username);
    const okPass = sameSecret(pass, basic.password);
    if (okUser && okPass) return null;
  }
  return 'missing or wrong credentials';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, `payload larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function handleAlertmanager(
  req: IncomingMessage,
  res: ServerResponse,
  deps: WebhookDeps,
): Promise<void> {
  if (req.method !== 'POST') return send(res, 405, { error: 'POST only' }, { allow: 'POST' });
  const problem = authProblem(req.headers.authorization, deps.config);
  if (problem) {
    req.resume();
    return send(res, 401, { error: problem }, { 'www-authenticate': 'Bearer realm="kubemedic"' });
  }
  try {
    const raw = await readBody(req);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      throw new HttpError(400, `malformed JSON: ${reasonOf(err)}`);
    }
    const parsed = AlertmanagerPayloadSchema.safeParse(json);
    if (!parsed.success)
      throw new HttpError(
        400,
        `invalid Alertmanager payload: ${parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
      );
    const { config } = deps;
    const channel =
      channelFor(parsed.data, config.alertmanager.channels, config.slack.defaultChannel) ??
      (config.slack.mode === 'console' ? 'console' : undefined);
    if (!channel) throw new HttpError(500, 'no channel for this alert: set SLACK_DEFAULT_CHANNEL');
    let result;
    try {
      result = await acceptNotification(parsed.data, channel, deps);
      // Acknowledged only once a replica holds it too: a failover then loses nothing accepted.
      await replicated(deps.redis, config.redisReplicaAcks);
    } catch (err) {
      if (isRedisUnavailable(err) || !redisReady(deps.redis))
        throw new HttpError(
          503,
          `cannot queue the alert now (Redis unavailable: ${reasonOf(err)}); retry`,
        );
      throw err;
    }
    log.info(
      { groupKey: parsed.data.groupKey, status: parsed.data.status, ...result },
      'alert notification queued',
    );
    send(res, 200, { status: 'queued', ...result });
  } catch (err) {
    if (err instanceof HttpError) {
      if (err.status >= 500)
        log.warn({ status: err.status, reason: err.message }, 'alert notification refused');
      return send(
        res,
        err.status,
        { error: err.message },
        err.status === 503 ? { 'retry-after': '5' } : {},
      );
    }
    log.error({ err: reasonOf(err) }, 'alert notification failed');
    send(res, 500, { error: 'internal error; see the kubemedic log' });
  }
}
