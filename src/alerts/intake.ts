// What an Alertmanager notification becomes: one thread per alert group (groupKey) in the
// mapped channel. The first notification opens the thread and queues a diagnosis of each target
// its alerts name; repeats reply in the same thread (diagnosing only targets not seen before);
// `resolved` updates the parent and says so in the thread. The groupKey -> thread map lives in
// Redis, so a restarted bot finds its threads again. A firing after a resolve opens a new thread.
// Each notification is claimed once, atomically (CLAIM): Alertmanager's retry of it, or the same
// notification reaching another replica, takes the same thread and re-queues the same jobs (their
// ids are fixed), so replicas and retries never open a second thread or post twice.
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
import { alertContext } from './context.js';
import { DEFAULT_LOG_ALERTS, asksForLogs } from './log-alerts.js';
import { type AlertCluster, targetOfAlert, targetsOfAlerts } from './targets.js';
import { type ClusterHub, NoAgentError } from '../queue/clusters.js';

/** Targets diagnosed per notification at most; the rest are named in the parent. */
const MAX_TARGETS = 5;
const GROUP_TTL_SECONDS = 30 * 86_400;
/**
 * A notification identical to one accepted this recently is that one again: Alertmanager's retry
 * after a 5xx, or its HA peer's copy (within peer_timeout, 15 s). Repeats of an unchanged group
 * come a group_interval (5 min by default) or more apart, so they still reply.
 */
const NOTIFICATION_TTL_SECONDS = 60;

// KEYS[1] the group's record, KEYS[2] the notification's claim. ARGV: candidate conversation,
// status, group ttl s, notification ttl s. A claimed notification returns its first claim; else
// the group's next notification is numbered (opening a thread when none is open) and recorded.
const CLAIM = `
local claimed = redis.call('GET', KEYS[2])
if claimed then return claimed end
local raw = redis.call('GET', KEYS[1])
local prev = raw and cjson.decode(raw)
local out
if (not prev) or (prev.status == 'resolved' and ARGV[2] == 'firing') then
  out = {conversation = ARGV[1], opened = true, notifications = 1}
else
  out = {conversation = prev.conversation, opened = false,
         notifications = prev.notifications + 1, previousStatus = prev.status}
end
redis.call('SET', KEYS[1], cjson.encode({conversation = out.conversation, status = ARGV[2],
  notifications = out.notifications}), 'EX', ARGV[3])
local encoded = cjson.encode(out)
redis.call('SET', KEYS[2], encoded, 'EX', ARGV[4])
return encoded
`;

interface Claim {
  conversation: string;
  opened: boolean;
  notifications: number;
  previousStatus?: 'firing' | 'resolved';
}

/** What makes a notification itself: its group, status and alerts (not which Alertmanager sent it). */
function notificationHash(p: AlertmanagerPayload): string {
  const alerts = p.alerts
    .map((a) =>
      JSON.stringify([
        a.fingerprint ?? Object.entries(a.labels).sort(),
        a.status,
        a.startsAt,
        a.endsAt,
      ]),
    )
    .sort();
  return createHash('sha1')
    .update(JSON.stringify([p.receiver, p.groupKey, p.status, p.truncatedAlerts ?? 0, alerts]))
    .digest('hex');
}

export interface IntakeDeps {
  redis: Redis;
  prefix: string;
  queues: WorkQueues;
  conversations: Conversations;
  clusterName: string;
  /** Alerts that ask for the app layer (log-alerts.ts); the defaults when absent. */
  logAlerts?: readonly RegExp[];
  /**
   * A hub: each alert goes to the cluster its `label` names (else the channel's default cluster,
   * else the only cluster there is), and is diagnosed by that cluster's agent.
   */
  routing?: {
    label: string;
    channelDefaults: Record<string, string>;
    hub: Pick<ClusterHub, 'list' | 'requestDiagnosis'>;
  };
}

const CLUSTER_NAME = /^[a-z0-9][-a-z0-9.]{0,62}$/i;

/** How this notification's alerts name their cluster. */
async function alertCluster(channel: string, deps: IntakeDeps): Promise<AlertCluster> {
  const routing = deps.routing;
  if (!routing) return deps.clusterName;
  let fallback = routing.channelDefaults[channel];
  if (!fallback) {
    const all = await routing.hub.list();
    if (all.length === 1) fallback = all[0]?.cluster;
  }
  return (labels) => {
    const named = labels[routing.label];
    return named !== undefined && CLUSTER_NAME.test(named) ? named : fallback;
  };
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
  const noteHash = notificationHash(p);
  const claim = JSON.parse(
    (await deps.redis.eval(
      CLAIM,
      2,
      groupKey,
      `${deps.prefix}:alertnote:${noteHash}`,
      jobId('a', groupHash.slice(0, 20), now.getTime().toString(36)),
      p.status,
      String(GROUP_TTL_SECONDS),
      String(NOTIFICATION_TTL_SECONDS),
    )) as string,
  ) as Claim;
  const { conversation, opened, notifications, previousStatus } = claim;

  const clusterOf = await alertCluster(channel, deps);
  const targets = targetsOfAlerts(p.alerts, clusterOf);
  const unrouted = p.alerts.filter(
    (a) =>
      a.status === 'firing' &&
      typeof clusterOf !== 'string' &&
      clusterOf(a.labels) === undefined &&
      targetOfAlert(a.labels, 'any') !== undefined,
  ).length;
  const seenKey = `${deps.prefix}:conv:${conversation}:targets`;
  const fresh: TargetRef[] = [];
  for (const t of targets) if (!(await deps.redis.sismember(seenKey, targetKey(t)))) fresh.push(t);
  const diagnosed = fresh.slice(0, MAX_TARGETS);
  const firing = p.alerts.filter((a) => a.status === 'firing');
  const alert: AlertState = {
    ...alertContext(p),
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
  const noAgent: { target: TargetRef; reason: string }[] = [];
  for (const target of diagnosed) {
    // A 5xx-rate alert about this target: its backends' logs since the alert started.
    const asking = firing.filter((a) => {
      if (!asksForLogs(a, deps.logAlerts ?? DEFAULT_LOG_ALERTS)) return false;
      const t = targetOfAlert(a.labels, clusterOf);
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
      const t = a.generatorURL ? targetOfAlert(a.labels, clusterOf) : undefined;
      return t !== undefined && targetKey(t) === targetKey(target);
    });
    const requester = {
      kind: 'alert' as const,
      channel,
      conversation,
      ...(logs ? { logs } : {}),
      ...(graphed?.generatorURL
        ? { graph: { generatorURL: graphed.generatorURL, startsAt: graphed.startsAt } }
        : {}),
    };
    try {
      await (deps.routing?.hub ?? deps.queues).requestDiagnosis(target, requester);
    } catch (err) {
      // No agent for that cluster: the thread says so now rather than wait for nobody.
      if (!(err instanceof NoAgentError)) throw err;
      noAgent.push({ target, reason: err.message });
    }
  }

  const ops: SlackOp[] = [
    {
      op: 'parent',
      kind: 'alert',
      summaries: diagnosed.map((t) => {
        const missing = noAgent.find((n) => n.target === t);
        return missing
          ? { key: targetKey(t), target: t, stage: 'failed' as const, error: missing.reason }
          : diagnosing(t);
      }),
    },
  ];
  for (const { target, reason } of noAgent)
    ops.push({
      op: 'reply',
      ...plainMessage(`:warning: Cannot diagnose ${describe(target)}: ${reason}`),
    });
  if (unrouted > 0 && deps.routing)
    ops.push({
      op: 'reply',
      ...plainMessage(
        `:warning: ${unrouted} alert${unrouted === 1 ? '' : 's'} name no cluster (label "${deps.routing.label}") and this channel has no default cluster, so ${unrouted === 1 ? 'it was' : 'they were'} not diagnosed.`,
      ),
    });
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
  // Resolved: the parent says so, the thread gets the incident's summary (damage report), and
  // its incident pictures are drawn again with the alert's end (none drawn: nothing posted).
  if (!opened && p.status === 'resolved' && previousStatus !== 'resolved')
    ops.push({ op: 'summary' }, { op: 'picture', reason: 'alert resolved' });
  await deps.queues.postToSlack(
    { conversation, channel, ops },
    jobId(conversation, 'notification', String(notifications)),
  );

  // A target with no agent is tried again on the next notification.
  const queued = diagnosed.filter((t) => !noAgent.some((n) => n.target === t));
  if (queued.length)
    await deps.redis
      .multi()
      .sadd(seenKey, ...queued.map(targetKey))
      .expire(seenKey, GROUP_TTL_SECONDS)
      .exec();
  return { conversation, opened, diagnosing: diagnosed.length };
}
