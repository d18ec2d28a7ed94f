// The slack-post worker: runs one conversation's Slack operations in order, one job at a time
// per conversation (a Redis lock), pacing chat.postMessage per channel and honouring 429
// Retry-After. Each finished op is recorded before the next starts, so a job that is retried,
// handed back at shutdown or picked up by another replica resumes where it stopped: nothing is
// posted twice and no thread is left half-posted.
import { setTimeout as sleep } from 'node:timers/promises';
import { DelayedError, type Job } from 'bullmq';
import { log, reasonOf } from '../../log.js';
import { type PlanStore, requestersOf } from '../../remediation/plan-store.js';
import { renderParent } from '../blocks/parent.js';
import { renderPlanCard } from '../blocks/plan-card.js';
import { renderIncidentSummary } from '../blocks/summary.js';
import { incidentSummary } from '../incident.js';
import { AuditLog } from '../../remediation/audit.js';
import { drawIncident } from '../../picture/incident.js';
import {
  type IncidentPicture,
  IncidentPictureSchema,
  describePicture,
  withAlert,
  withFix,
} from '../../picture/model.js';
import { SlackCallError, type SlackPoster } from '../poster.js';
import type { Conversations } from './conversations.js';
import { type SlackOp, type SlackPostJob, SlackPostJobSchema } from '../../queue/jobs.js';
import type { SlackPacer } from './pacer.js';

export interface SlackPostDeps {
  poster: SlackPoster;
  conversations: Conversations;
  pacer: SlackPacer;
  plans: PlanStore;
  /** True once shutdown began: the job hands itself back after the op in hand. */
  stopping: () => boolean;
  /**
   * Resolves once Redis replicas hold what was written so far (queue/redis.ts replicated);
   * absent, nothing is waited for.
   */
  replicated?: () => Promise<void>;
}

const LOCK_TTL_MS = 30_000;
/**
 * Waits up to this long happen in-process; longer ones put the job back in the queue, so a
 * thread waiting for its channel's next slot does not hold a worker other channels need.
 */
const SLEEP_MAX_MS = 250;
const RETRY_SOON_MS = 250;
/** How long a reply waits for its thread's parent before giving up. */
const PARENT_WAIT_MAX_MS = 10 * 60_000;
const MAX_RATE_LIMITED_TRIES = 5;
/** Audit entries read for a summary (the newest; a thread's are among them). */
const AUDIT_READ = 2000;
/** How long an ordered job waits for the one before it (which may have failed for good). */
const ORDER_WAIT_MAX_MS = 2 * 60_000;

/** The job must wait `ms` and run again, without counting as a failed attempt. */
class Deferral extends Error {
  constructor(
    readonly ms: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** An op is done once posted, or skipped when Slack refused it for good (and it was logged). */
type Outcome = 'done' | 'skipped';

export async function processSlackPost(
  job: Job,
  token: string | undefined,
  deps: SlackPostDeps,
): Promise<{ ops: number }> {
  const data = SlackPostJobSchema.parse(job.data);
  const owner = job.id ?? 'anonymous';
  const { conversations } = deps;
  try {
    if (!(await conversations.lock(data.conversation, owner, LOCK_TTL_MS)))
      throw new Deferral(RETRY_SOON_MS, 'another job of this conversation is running');
    if (
      data.seq !== undefined &&
      data.seq > (await conversations.seqDone(data.conversation)) + 1 &&
      Date.now() - job.timestamp < ORDER_WAIT_MAX_MS
    )
      throw new Deferral(RETRY_SOON_MS, 'waiting for an earlier step of this thread');
    const start = await conversations.progress(data.conversation, owner);
    for (let i = start; i < data.ops.length; i++) {
      if (deps.stopping()) throw new Deferral(0, 'shutting down');
      // Renewed per op; lost only if an op outlived the lock, and then another job goes first.
      if (!(await conversations.lock(data.conversation, owner, LOCK_TTL_MS)))
        throw new Deferral(RETRY_SOON_MS, 'lost the conversation lock');
      await runOp(data, data.ops[i] as SlackOp, i, job, deps);
      await conversations.markDone(data.conversation, owner, i + 1);
    }
    if (data.seq !== undefined) await conversations.markSeqDone(data.conversation, data.seq);
    return { ops: data.ops.length };
  } catch (err) {
    if (!(err instanceof Deferral)) throw err;
    log.debug(
      { job: job.id, conversation: data.conversation, ms: err.ms, reason: err.message },
      'slack-post job deferred',
    );
    await job.moveToDelayed(Date.now() + err.ms, token);
    throw new DelayedError(err.message);
  } finally {
    await conversations.unlock(data.conversation, owner).catch(() => undefined);
  }
}

async function runOp(
  data: SlackPostJob,
  op: SlackOp,
  index: number,
  job: Job,
  deps: SlackPostDeps,
): Promise<Outcome> {
  const { conversations, poster } = deps;
  const id = data.conversation;
  switch (op.op) {
    case 'parent': {
      const openedAt = op.openedAt ? new Date(op.openedAt) : new Date();
      await conversations.init(
        id,
        data.channel,
        op.kind ?? 'command',
        Number.isNaN(openedAt.getTime()) ? new Date() : openedAt,
      );
      let changed = false;
      for (const summary of op.summaries ?? [])
        changed = (await conversations.mergeSummary(id, summary)) || changed;
      if (op.fix) changed = (await conversations.mergeFix(id, op.fix)) || changed;
      if (op.requestedBy?.length)
        changed = (await conversations.addRequesters(id, op.requestedBy)) || changed;
      const conv = await conversations.get(id);
      if (conv.error) return 'skipped';
      if (!conv.parentTs && conv.opening && !op.opens && !waitedTooLong(job))
        throw new Deferral(RETRY_SOON_MS, 'waiting for the thread to open');
      // A late "Diagnosing…" after the answer changes nothing: no update needed.
      const carried = Boolean(op.summaries?.length || op.requestedBy?.length || op.fix);
      if (conv.parentTs && carried && !changed) return 'skipped';
      const message = renderParent(conv, id);
      const channel = conv.channel ?? data.channel;
      if (!conv.parentTs) {
        const found = await findPostedThread(deps, id, channel);
        if (found) Object.assign(conv, { parentTs: found.ts, channelId: found.channel });
      }
      if (conv.parentTs && conv.channelId) {
        const channelId = conv.channelId;
        const parentTs = conv.parentTs;
        return done(
          await slackCall(deps, data, op, 'chat.update', channelId, () =>
            poster.update({ channel: channelId, ts: parentTs, ...message }),
          ),
        );
      }
      await markPosting(deps, id);
      const posted = await slackCall(deps, data, op, 'chat.postMessage', channel, () =>
        poster.postMessage({ channel, ...message, thread: { conversation: id } }),
      );
      if (posted === 'skipped') {
        await conversations.setError(id, 'the parent message could not be posted');
        return 'skipped';
      }
      await conversations.setParent(id, posted.channel, posted.ts);
      return 'done';
    }
    case 'reply':
    case 'card': {
      const thread = await threadOf(data, op.op === 'reply' ? op.threadTs : undefined, job, deps);
      if (thread === 'skipped') return 'skipped';
      if (op.op === 'reply') {
        const posted = await slackCall(deps, data, op, 'chat.postMessage', thread.channel, () =>
          poster.postMessage({
            channel: thread.channel,
            threadTs: thread.ts,
            text: op.text,
            blocks: op.blocks,
          }),
        );
        return done(posted);
      }
      // The plan is saved once: a retried job finds its id and posts the same card.
      const planField = `plan:${job.id}:${index}`;
      let planId = await conversations.field(id, planField);
      if (!planId) {
        const saved = await deps.plans.save({
          plan: op.plan,
          target: op.target,
          requesters: requestersOf(op),
          channel: thread.channel,
          threadTs: thread.ts,
        });
        planId = saved.id;
        await conversations.setField(id, planField, planId);
      }
      const record = await deps.plans.get(planId);
      if (!record) return 'skipped';
      const card = renderPlanCard(record);
      const posted = await slackCall(deps, data, op, 'chat.postMessage', thread.channel, () =>
        poster.postMessage({ channel: thread.channel, threadTs: thread.ts, ...card }),
      );
      if (posted === 'skipped') return 'skipped';
      await deps.plans.setCard(planId, posted.channel, posted.ts);
      return 'done';
    }
    case 'summary': {
      const thread = await threadOf(data, undefined, job, deps);
      if (thread === 'skipped') return 'skipped';
      const conv = await conversations.get(id);
      const audit = await new AuditLog(deps.plans.redis, deps.plans.prefix).recent(AUDIT_READ);
      const summary = renderIncidentSummary(incidentSummary(conv, audit), thread.ts);
      return done(
        await slackCall(deps, data, op, 'chat.postMessage', thread.channel, () =>
          poster.postMessage({ channel: thread.channel, threadTs: thread.ts, ...summary }),
        ),
      );
    }
    case 'update':
      return done(
        await slackCall(deps, data, op, 'chat.update', data.channel, () =>
          poster.update({ channel: data.channel, ts: op.ts, text: op.text, blocks: op.blocks }),
        ),
      );
    case 'picture':
      return postPictures(data, op, job, deps);
    case 'ephemeral':
      return done(
        await slackCall(deps, data, op, 'chat.postEphemeral', data.channel, () =>
          poster.postEphemeral({
            channel: data.channel,
            user: op.user,
            text: op.text,
            blocks: op.blocks,
            threadTs: op.threadTs,
          }),
        ),
      );
  }
}

/**
 * Before a thread's parent is posted, the attempt is recorded and (with replica acks) held by a
 * replica: were the primary lost before the parent's ts is, the next try knows to look in Slack
 * (findPostedThread) rather than open a second thread. Replication is one ordered stream, so this
 * also makes the job and the alert claim it came from durable.
 */
async function markPosting(deps: SlackPostDeps, id: string): Promise<void> {
  if (!(await deps.conversations.field(id, 'parentPosting')))
    await deps.conversations.setField(id, 'parentPosting', new Date().toISOString());
  try {
    await deps.replicated?.();
  } catch (err) {
    throw new Deferral(
      1000,
      `not posting until a Redis replica holds the thread: ${reasonOf(err)}`,
    );
  }
}

/** The parent an earlier attempt posted (its record lost with a failed-over primary), if any. */
async function findPostedThread(
  deps: SlackPostDeps,
  id: string,
  channel: string,
): Promise<{ channel: string; ts: string } | undefined> {
  const attempted = await deps.conversations.field(id, 'parentPosting');
  if (!attempted || !deps.poster.findThread) return undefined;
  try {
    const found = await deps.poster.findThread(channel, id);
    if (!found) return undefined;
    await deps.conversations.setParent(id, found.channel, found.ts);
    log.info({ conversation: id, ts: found.ts }, 'found the thread an earlier attempt opened');
    return found;
  } catch (err) {
    // Without channels:history (or in a #name channel) it cannot look: it posts, as before.
    log.warn(
      { conversation: id, channel, err: reasonOf(err) },
      'could not look for a thread opened before a Redis failover; posting it',
    );
    return undefined;
  }
}

const PICTURES_FIELD = 'pictures';

/**
 * Draws the incident picture (a new one, or the thread's kept one with a fix or the alert's end
 * added), keeps it for the next redraw and uploads it into the thread.
 */
async function postPictures(
  data: SlackPostJob,
  op: Extract<SlackOp, { op: 'picture' }>,
  job: Job,
  deps: SlackPostDeps,
): Promise<Outcome> {
  const { conversations } = deps;
  const id = data.conversation;
  const kept = JSON.parse((await conversations.field(id, PICTURES_FIELD)) ?? '[]') as string[];
  const keys = op.key ? [op.key] : kept;
  const pictures: { key: string; picture: IncidentPicture }[] = [];
  for (const key of keys) {
    const stored = op.picture ? undefined : await conversations.field(id, `picture:${key}`);
    const picture =
      op.picture ?? (stored ? IncidentPictureSchema.safeParse(JSON.parse(stored)).data : undefined);
    if (picture) pictures.push({ key, picture });
  }
  // Nothing drawn before (an old thread, a healthy diagnosis): nothing to redraw.
  if (!pictures.length) return 'skipped';
  const thread = await threadOf(data, undefined, job, deps);
  if (thread === 'skipped') return 'skipped';
  const conv = await conversations.get(id);
  let outcome: Outcome = 'skipped';
  for (const { key, picture: given } of pictures) {
    let picture = withAlert(given, conv.alert);
    if (op.fix) picture = withFix(picture, op.fix);
    await conversations.setField(id, `picture:${key}`, JSON.stringify(picture));
    if (!kept.includes(key)) {
      kept.push(key);
      await conversations.setField(id, PICTURES_FIELD, JSON.stringify(kept));
    }
    const drawn = drawIncident(picture);
    const name = picture.subject.split(' ')[0]?.replace(/[^A-Za-z0-9.-]/g, '') || 'incident';
    const posted = await slackCall(
      deps,
      data,
      op,
      'files.getUploadURLExternal',
      thread.channel,
      () =>
        deps.poster.uploadFile({
          channel: thread.channel,
          threadTs: thread.ts,
          filename: `incident-${name}.png`,
          title: `Incident picture: ${picture.subject}${op.reason && !picture.subject.endsWith(op.reason) ? ` (${op.reason})` : ''}`,
          altText: describePicture(picture),
          bytes: drawn.png,
        }),
    );
    if (posted !== 'skipped') outcome = 'done';
  }
  return outcome;
}

function waitedTooLong(job: Job): boolean {
  return Date.now() - job.timestamp > PARENT_WAIT_MAX_MS;
}

function done(result: unknown): Outcome {
  return result === 'skipped' ? 'skipped' : 'done';
}

/** The thread a reply goes to: given, or the conversation's parent (waiting for it if need be). */
async function threadOf(
  data: SlackPostJob,
  threadTs: string | undefined,
  job: Job,
  deps: SlackPostDeps,
): Promise<{ channel: string; ts: string } | 'skipped'> {
  if (threadTs) return { channel: data.channel, ts: threadTs };
  const conv = await deps.conversations.get(data.conversation);
  if (conv.parentTs) return { channel: conv.channelId ?? data.channel, ts: conv.parentTs };
  if (conv.error) {
    log.warn(
      { conversation: data.conversation },
      'thread reply dropped: its parent could not be posted',
    );
    return 'skipped';
  }
  if (waitedTooLong(job)) {
    log.error(
      { conversation: data.conversation },
      'thread reply dropped: no parent message appeared',
    );
    return 'skipped';
  }
  throw new Deferral(RETRY_SOON_MS, 'waiting for the thread parent');
}

/**
 * One paced Slack call. Rate limits wait (in-process when short, in the queue when long);
 * permanent errors are logged and the op skipped; transient errors fail the attempt so BullMQ
 * retries it with backoff.
 */
async function slackCall<T>(
  deps: SlackPostDeps,
  data: SlackPostJob,
  op: SlackOp,
  method: string,
  channel: string,
  call: () => Promise<T>,
): Promise<T | 'skipped'> {
  for (let attempt = 1; ; attempt++) {
    const wait = await deps.pacer.reserve(method, channel, SLEEP_MAX_MS);
    if (wait > SLEEP_MAX_MS) throw new Deferral(wait, `pacing ${method} in ${channel}`);
    if (wait > 0) await sleep(wait);
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof SlackCallError)) throw err;
      if (err.failure === 'rate-limited') {
        await deps.pacer.rateLimited(method, channel, err.retryAfterMs);
        log.info({ method, channel, retryAfterMs: err.retryAfterMs }, 'Slack rate limit: waiting');
        // The next reserve() waits out Retry-After: in-process if short, in the queue if not.
        if (attempt >= MAX_RATE_LIMITED_TRIES) throw new Deferral(err.retryAfterMs, 'rate limited');
        continue;
      }
      if (err.failure === 'permanent') {
        log.error(
          { method, channel, error: err.error, conversation: data.conversation, op: op.op },
          'Slack refused the message; skipped',
        );
        return 'skipped';
      }
      throw err;
    }
  }
}
