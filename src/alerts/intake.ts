// What an Alertmanager notification becomes: one thread per alert group (groupKey) in the
// mapped channel. The first notification opens the thread and queues a diagnosis of each target
// its alerts name; repeats reply in the same thread (diagnosing only targets not seen before);
// `resolved` updates the parent and says so in the thread. The groupKey -> thread map lives in
// Redis, so a restarted bot finds its threads again. A firing after a resolve opens a new thread.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Conversations } from '../slack/delivery/conversations.js';
import { diagnosing } from '../queue/diagnose.js';
import { type SlackOp, jobId } from '../queue/jobs.js';
import type { WorkQueues } from '../queue/queues.js';
import { describeTarget } from '../diagnosis/target.js';
import { plainMessage } from '../slack/blocks/text.js';
import { type AlertState, type TargetRef, targetKey } from '../slack/thread-state.js';
import type { AlertmanagerPayload } from './schema.js';
import { DEFAULT_LOG_ALERTS, asksForLogs } from './log-alerts.js';
import { targetOfAlert, targetsOfAlerts } from './targets.js';

/** Targets diagnosed per notification at most; the rest are named in the parent. */
const MAX_TARGETS = 5;
const GROUP_TTL_SECONDS = 30 * 86_400;

interface GroupRecord {
  conversation: string;
  status: 'firing' | 'resolved';
  notifications: number;
}

export interface IntakeDeps {
  redis: Redis;
  prefix: string;
  queues: WorkQueues;
  conversations: Conversations;
  clusterName: string;
  /** Alerts that ask for the app layer (log-alerts.ts); the defaults when absent. */
  logAlerts?: readonly RegExp[];
}

export interface IntakeResult {
  conversation: string;
  opened: boolean;
  diagnosing: number;
}

function earliest(values: (string | undefined)[]): string | undefined {
  return values.filter((v): v is string => Boolean(v) && !v?.startsWith('0001')).sort()[0];
}

function latest(values: (string | undefined)[]): string | undefined {
  return values
    .filter((v): v is string => Boolean(v) && !v?.startsWith('0001'))
    .sort()
    .at(-1);
}

function describe(t: TargetRef): string {
  return `${describeTarget(t)}${t.namespace ? ` (${t.namespace})` : ''}`;
}

export async function acceptNotification(
  p: AlertmanagerPayload,
  channel: string,
  deps: IntakeDeps,
  now = new Date(),
): Promise<IntakeResult> {
  const groupHash = createHash('sha1').update(`${p.receiver}\n${p.groupKey}`).digest('hex');
  const groupKey = `${deps.prefix}:alertgroup:${groupHash}`;
  const raw = await deps.redis.get(groupKey);
  const previous = raw ? (JSON.parse(raw) as GroupRecord) : undefined;
  const opened = !previous || (previous.status === 'resolved' && p.status === 'firing');
  const conversation = opened
    ? jobId('a', groupHash.slice(0, 20), now.getTime().toString(36))
    : previous.conversation;
  const notifications = opened ? 1 : previous.notifications + 1;

  const targets = targetsOfAlerts(p.alerts, deps.clusterName);
  const seenKey = `${deps.prefix}:conv:${conversation}:targets`;
  const fresh: TargetRef[] = [];
  for (const t of targets) if (!(await deps.redis.sismember(seenKey, targetKey(t)))) fresh.push(t);
  const diagnosed = fresh.slice(0, MAX_TARGETS);
  const firing = p.alerts.filter((a) => a.status === 'firing');
  const alert: AlertState = {
    alertname: p.commonLabels.alertname ?? p.groupLabels.alertname ?? 'Alert',
    status: p.status,
    firing: firing.length + (p.truncatedAlerts ?? 0),
    groupKey: p.groupKey,
    summary: p.commonAnnotations.summary ?? p.commonAnnotations.description,
    startsAt: earliest(p.alerts.map((a) => a.startsAt)),
    endsAt:
      p.status === 'resolved'
        ? (latest(p.alerts.map((a) => a.endsAt)) ?? now.toISOString())
        : undefined,
    notifications,
    externalURL: p.externalURL,
    undiagnosed: fresh.length > MAX_TARGETS ? fresh.slice(MAX_TARGETS).map(describe) : undefined,
  };
  await deps.conversations.init(conversation, channel, 'alert');
  await deps.conversations.setAlert(conversation, alert);

  // Diagnoses first: if queueing fails half-way, Alertmanager's retry finds nothing posted.
  for (const target of diagnosed) {
    // A 5xx-rate alert about this target: its backends' logs since the alert started.
    const asking = firing.filter((a) => {
      if (!asksForLogs(a, deps.logAlerts ?? DEFAULT_LOG_ALERTS)) return false;
      const t = targetOfAlert(a.labels, deps.clusterName);
      return t !== undefined && targetKey(t) === targetKey(target);
    });
    const logs = asking[0]
      ? {
          alertname: asking[0].labels.alertname ?? alert.alertname,
          since: earliest(asking.map((a) => a.startsAt)),
        }
      : undefined;
    // The alert's expression, graphed in the incident picture when Prometheus is configured.
    const graphed = firing.find((a) => {
      const t = a.generatorURL ? targetOfAlert(a.labels, deps.clusterName) : undefined;
      return t !== undefined && targetKey(t) === targetKey(target);
    });
    await deps.queues.requestDiagnosis(target, {
      kind: 'alert',
      channel,
      conversation,
      ...(logs ? { logs } : {}),
      ...(graphed?.generatorURL
        ? { graph: { generatorURL: graphed.generatorURL, startsAt: graphed.startsAt } }
        : {}),
    });
  }

  const ops: SlackOp[] = [{ op: 'parent', kind: 'alert', summaries: diagnosed.map(diagnosing) }];
  if (!opened && p.status === 'firing') {
    const also = diagnosed.length
      ? ` New targets, diagnosing: ${diagnosed.map(describe).join(', ')}.`
      : '';
    ops.push({
      op: 'reply',
      ...plainMessage(
        `:repeat: Still firing: ${alert.firing} alert${alert.firing === 1 ? '' : 's'} (notification #${notifications}).${also}`,
      ),
    });
  }
  if (!opened && p.status === 'resolved' && previous.status !== 'resolved')
    ops.push({
      op: 'reply',
      ...plainMessage(
        `:large_green_circle: Resolved: every alert of this group has resolved${alert.endsAt ? ` (${alert.endsAt})` : ''}.`,
      ),
    });
  // The thread's incident pictures, drawn again with the alert's end (none drawn: nothing posted).
  if (!opened && p.status === 'resolved' && previous.status !== 'resolved')
    ops.push({ op: 'picture', reason: 'alert resolved' });
  await deps.queues.postToSlack({ conversation, channel, ops });

  if (diagnosed.length) await deps.redis.sadd(seenKey, ...diagnosed.map(targetKey));
  await deps.redis
    .multi()
    .expire(seenKey, GROUP_TTL_SECONDS)
    .set(
      groupKey,
      JSON.stringify({ conversation, status: p.status, notifications } satisfies GroupRecord),
      'EX',
      GROUP_TTL_SECONDS,
    )
    .exec();
  return { conversation, opened, diagnosing: diagnosed.length };
}
