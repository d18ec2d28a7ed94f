// The diagnose worker: opens the requesters' threads at once ("Diagnosing…"), gathers and
// analyses the target, then closes the job to newcomers and queues the answer for everyone who
// asked: a parent update, one reply per layer, a card per fix, and a final parent update.
import type { Job } from 'bullmq';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApi } from '../cluster/client.js';
import { TargetError, describeTarget } from '../diagnosis/target.js';
import type { Report } from '../diagnosis/types.js';
import { type LiveOptions, diagnoseLive } from '../engine.js';
import { log, reasonOf } from '../log.js';
import { diagnosesTotal, diagnosisDuration } from '../metrics.js';
import { type PrometheusClient, exprOfGeneratorURL } from '../alerts/prometheus.js';
import { pictureOf } from '../picture/from-report.js';
import { type IncidentPicture, IncidentPictureSchema } from '../picture/model.js';
import { renderReportThread } from '../slack/blocks/report.js';
import { plainMessage } from '../slack/blocks/text.js';
import { type TargetRef, type TargetSummary, targetKey } from '../slack/thread-state.js';
import { DiagnoseJobSchema, type Requester, type SlackOp, jobId } from './jobs.js';
import type { Conversations } from '../slack/delivery/conversations.js';
import type { WorkQueues } from './queues.js';

/** Gathers and analyses one target; throws TargetError or ClusterUnreachableError. */
export type DiagnoseTarget = (target: TargetRef, opts?: LiveOptions) => Promise<Report>;

export interface DiagnoseDeps {
  queues: WorkQueues;
  /** Absent on an agent, which cannot write the hub's thread state (the hub marks it). */
  conversations?: Conversations;
  diagnoseTarget: DiagnoseTarget;
  /** PROMETHEUS_URL's client: alert threads' pictures graph the alert's expression. */
  prometheus?: PrometheusClient;
}

/** A live diagnosis through the read-only identity; one client per diagnosis, so its request count is its own. */
export function liveDiagnosis(kubeConfig: KubeConfig, timeoutMs: number): DiagnoseTarget {
  return async (target, opts) => {
    const api = new KubeApi(kubeConfig, { timeoutMs });
    try {
      return await diagnoseLive(api, target, Date.now(), opts);
    } finally {
      api.close();
    }
  };
}

interface Destination {
  conversation: string;
  channel: string;
  kind: 'command' | 'alert';
  users: string[];
}

/** Requesters grouped by thread: one thread per channel for commands, the group's for alerts. */
function destinations(diagnosisId: string, requesters: Requester[]): Destination[] {
  // A burst of a thousand people asking: sets, not a list searched for each.
  const byConversation = new Map<string, Destination & { seen: Set<string> }>();
  for (const r of requesters) {
    const conversation = r.kind === 'alert' ? r.conversation : jobId('c', diagnosisId, r.channel);
    let d = byConversation.get(conversation);
    if (!d) {
      d = { conversation, channel: r.channel, kind: r.kind, users: [], seen: new Set() };
      byConversation.set(conversation, d);
    }
    if (r.kind === 'command' && !d.seen.has(r.user)) {
      d.seen.add(r.user);
      d.users.push(r.user);
    }
  }
  return [...byConversation.values()].map(({ seen: _seen, ...d }) => d);
}

type Outcome =
  | { kind: 'report'; report: Report }
  | { kind: 'not-found'; reason: string }
  | { kind: 'failed'; reason: string };

function summaryOf(
  target: TargetRef,
  outcome: Outcome,
  stage: TargetSummary['stage'],
  diagnosedAt: string,
  plans = 0,
): TargetSummary {
  const key = targetKey(target);
  if (outcome.kind === 'not-found')
    return { key, target, stage: 'not-found', error: outcome.reason, diagnosedAt };
  if (outcome.kind === 'failed')
    return { key, target, stage: 'failed', error: outcome.reason, diagnosedAt };
  const r = outcome.report;
  const root = r.findings.find((f) => f.check === r.rootCause);
  return {
    diagnosedAt,
    key,
    target: { ...target, namespace: r.target.namespace },
    stage,
    verdict: r.verdict,
    rootCause: r.rootCause,
    headline: root?.title ?? r.summary,
    findings: r.findings.length,
    plans,
    durationMs: r.durationMs,
    apiRequests: r.apiRequests,
  };
}

/** A missing Service is a report with one finding; for a person who typed it, it is a typo. */
function asNotFound(report: Report): string | undefined {
  if (report.rootCause !== 'service.not-found') return undefined;
  const f = report.findings.find((x) => x.check === 'service.not-found');
  return f
    ? `${f.title}. ${f.detail.replace(/^No Service named \S+ in \S+\. /, '')}`
    : report.summary;
}

/**
 * `requesters`: every person who asked for this run, in any channel. Each asked for the fixes it
 * proposes, so the plan records them all (the policy may forbid each to approve their own fix).
 */
function answerOps(
  d: Destination,
  target: TargetRef,
  outcome: Outcome,
  requesters: string[],
  diagnosedAt: string,
  metric?: IncidentPicture['metric'],
): SlackOp[] {
  const users = d.users;
  if (outcome.kind === 'report') {
    const notFound = d.kind === 'command' ? asNotFound(outcome.report) : undefined;
    if (notFound)
      return answerOps(d, target, { kind: 'not-found', reason: notFound }, requesters, diagnosedAt);
    const report = outcome.report;
    const thread: SlackOp[] = renderReportThread(report).map((item) =>
      item.kind === 'message'
        ? { op: 'reply', ...item.message }
        : { op: 'card', plan: item.plan, target: report.target, requesters },
    );
    const plans = thread.filter((op) => op.op === 'card').length;
    return [
      {
        op: 'parent',
        kind: d.kind,
        summaries: [summaryOf(target, outcome, 'ready', diagnosedAt, plans)],
        requestedBy: users,
      },
      ...thread,
      { op: 'parent', summaries: [summaryOf(target, outcome, 'posted', diagnosedAt, plans)] },
      ...pictureOps(d, report, metric),
    ];
  }
  // A name that does not exist is a typo: only its author hears of it, the channel sees nothing.
  const ops: SlackOp[] =
    d.kind === 'command' && outcome.kind === 'not-found'
      ? []
      : [
          {
            op: 'parent',
            kind: d.kind,
            summaries: [summaryOf(target, outcome, outcome.kind, diagnosedAt)],
            requestedBy: users,
          },
        ];
  const what = describeTarget(target);
  const text =
    outcome.kind === 'not-found'
      ? `${outcome.reason}\nCheck the name and namespace: /diagnose ${what} -n NAMESPACE`
      : `Could not diagnose ${what}: ${outcome.reason}. Ask again once the cluster answers.`;
  // The person who typed it hears why; an alert thread keeps the reason for everyone.
  if (d.kind === 'command')
    for (const user of users) ops.push({ op: 'ephemeral', user, ...plainMessage(text) });
  else ops.push({ op: 'reply', ...plainMessage(text) });
  return ops;
}

/**
 * The incident picture, after the answer: for a problem, and for every alert thread (the graph of
 * the alert's expression is there even when the service looks healthy now).
 */
function pictureOps(d: Destination, report: Report, metric: IncidentPicture['metric']): SlackOp[] {
  if (report.verdict === 'healthy' && d.kind !== 'alert') return [];
  const drawn = pictureOf(report, d.kind === 'alert' && metric ? { metric } : {});
  if (!drawn) return [];
  // The answer must not be lost to a picture the job schema refuses: the picture goes instead.
  const picture = IncidentPictureSchema.safeParse(drawn);
  if (!picture.success) {
    log.error(
      { target: targetKey(report.target), err: picture.error.message },
      'incident picture dropped',
    );
    return [];
  }
  return [{ op: 'picture', key: targetKey(report.target), picture: picture.data }];
}

const MINUTE = 60_000;

/**
 * The alert's expression over the incident window (from a while before the alert started, at
 * most six hours, to the diagnosis), when Prometheus is configured and an alert asked.
 */
async function alertGraph(
  deps: DiagnoseDeps,
  asked: Requester[],
  to: number,
): Promise<IncidentPicture['metric']> {
  if (!deps.prometheus) return undefined;
  const graph = asked.flatMap((r) => (r.kind === 'alert' && r.graph ? [r.graph] : []))[0];
  const expr = exprOfGeneratorURL(graph?.generatorURL);
  if (!expr) return undefined;
  const started = Date.parse(graph?.startsAt ?? '');
  const from = Math.max(
    to - 360 * MINUTE,
    Math.min(to - 15 * MINUTE, Number.isNaN(started) ? to : started - 10 * MINUTE),
  );
  return deps.prometheus.graph(expr, { from: new Date(from), to: new Date(to) });
}

export function diagnosing(target: TargetRef): TargetSummary {
  return { key: targetKey(target), target, stage: 'diagnosing' };
}

/** The app layer is read when someone asked for it: `--logs`, or a 5xx-rate alert (since its start). */
export function liveOptions(requesters: Requester[]): LiveOptions {
  const alerts = requesters.flatMap((r) => (r.kind === 'alert' && r.logs ? [r.logs] : []));
  const command = requesters.some((r) => r.kind === 'command' && r.logs);
  if (!command && alerts.length === 0) return {};
  // A person asking reads the last lines whatever the alert's start; several alerts: the earliest.
  const since = command
    ? undefined
    : alerts
        .map((a) => a.since)
        .filter((s): s is string => Boolean(s))
        .sort()[0];
  return { logs: since ? { since } : {} };
}

function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

export async function processDiagnosis(job: Job, deps: DiagnoseDeps): Promise<{ outcome: string }> {
  const { target, requestedAt } = DiagnoseJobSchema.parse(job.data);
  const id = job.id ?? jobId('d', targetKey(target));
  const { queues } = deps;

  // Command threads open as soon as the target is known to exist, before the (slower) checks:
  // a typo is answered only to the person who typed it, never in the channel. Alert threads were
  // opened by the webhook. Ids make a retried job open them once.
  const asked = await queues.requestersOf(id);
  const early = destinations(id, asked).filter((d) => d.kind === 'command');
  const open = async (d: Destination) => {
    await deps.conversations?.setField(d.conversation, 'opening', '1');
    await queues.postToSlack(
      {
        conversation: d.conversation,
        channel: d.channel,
        ops: [
          {
            op: 'parent',
            kind: d.kind,
            opens: true,
            openedAt: requestedAt,
            summaries: [diagnosing(target)],
            requestedBy: d.users,
          },
        ],
      },
      jobId(d.conversation, 'open', id),
    );
  };
  const onGathered = async (found: boolean) => {
    if (found) for (const d of early) await open(d);
  };

  const started = performance.now();
  // Asked side by side with the diagnosis, so a slow Prometheus does not hold the answer back.
  const graphing = alertGraph(deps, asked, Date.now());
  let outcome: Outcome;
  try {
    outcome = {
      kind: 'report',
      report: await deps.diagnoseTarget(target, { ...liveOptions(asked), onGathered }),
    };
  } catch (err) {
    if (err instanceof TargetError) outcome = { kind: 'not-found', reason: err.message };
    else if (isLastAttempt(job)) outcome = { kind: 'failed', reason: reasonOf(err) };
    else {
      log.warn(
        { job: id, target: targetKey(target), err: reasonOf(err) },
        'diagnosis failed; will retry',
      );
      throw err;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const diagnosedAt = new Date().toISOString();
  diagnosisDuration.observe({ outcome: outcome.kind }, seconds);
  diagnosesTotal.inc(
    outcome.kind === 'report'
      ? { verdict: outcome.report.verdict, root_cause: outcome.report.rootCause ?? 'none' }
      : { verdict: 'unknown', root_cause: outcome.kind === 'not-found' ? 'not-found' : 'error' },
  );

  const metric = outcome.kind === 'report' ? await graphing : undefined;
  const answered = destinations(id, await queues.closeDiagnosis(id, target));
  const requesters = [...new Set(answered.flatMap((d) => d.users))];
  for (const d of answered)
    await queues.postToSlack(
      {
        conversation: d.conversation,
        channel: d.channel,
        ops: answerOps(d, target, outcome, requesters, diagnosedAt, metric),
      },
      jobId(d.conversation, 'answer', id),
    );
  log.info(
    {
      job: id,
      target: targetKey(target),
      outcome: outcome.kind,
      rootCause: outcome.kind === 'report' ? outcome.report.rootCause : undefined,
      ms: Math.round(seconds * 1000),
    },
    'diagnosis done',
  );
  return {
    outcome: outcome.kind === 'report' ? (outcome.report.rootCause ?? 'healthy') : outcome.kind,
  };
}
