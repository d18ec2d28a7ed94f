// The hub's side of cluster jobs. A click is authorised here (the approval policy and Slack's user
// groups live with the hub) and only then handed to the plan's cluster; and a job that no agent
// took within the TTL is removed and its requesters are told, so nothing waits forever.
import type { Job } from 'bullmq';
import { log } from '../log.js';
import {
  type RemediationDeps,
  RemediationActionSchema,
  authoriseRemediation,
} from '../remediation/flow.js';
import type { PlanStore } from '../remediation/plan-store.js';
import { plainMessage } from '../slack/blocks/text.js';
import { describeTarget } from '../diagnosis/target.js';
import { targetKey } from '../slack/thread-state.js';
import { type ClusterHub, noAgentText } from './clusters.js';
import { DiagnoseJobSchema, type SlackOp, jobId } from './jobs.js';
import type { WorkQueues } from './queues.js';

export interface GateDeps extends Pick<
  RemediationDeps,
  'report' | 'policy' | 'usergroups' | 'logger'
> {
  hub: ClusterHub;
  /** Where a click on a plan no cluster holds is audited (the hub's own store). */
  hubPlans: PlanStore;
  /** The hub's own queues: what it tells people directly. */
  slack: WorkQueues;
}

/** The hub's remediate worker: authorise, then queue the click in the plan's cluster. */
export async function gateClick(job: Job, deps: GateDeps): Promise<{ outcome: string }> {
  const action = RemediationActionSchema.parse(job.data);
  const found = await deps.hub.findPlan(action.planId);
  const store = found ? deps.hub.plansOf(found.cluster) : deps.hubPlans;
  // The flow's admission reads the plan and the policy only: no cluster identity is needed.
  const decided = await authoriseRemediation(action, {
    ...deps,
    store,
  } as unknown as RemediationDeps);
  if (!decided.ok) return { outcome: decided.outcome.kind };
  const cluster = (found as { cluster: string }).cluster;
  const agent = await deps.hub.status(cluster);
  if (!agent.online) {
    await deps.slack.postToSlack({
      conversation: jobId('e', job.id ?? action.planId),
      channel: action.channel,
      ops: [
        {
          op: 'ephemeral',
          user: action.userId,
          ...plainMessage(`:warning: Nothing was done: ${noAgentText(cluster, agent.lastSeen)}`),
        },
      ],
    });
    return { outcome: 'no-agent' };
  }
  await deps.hub.queuesOf(cluster).remediate(decided.action, job.id ?? jobId('r', action.planId));
  return { outcome: 'queued' };
}

/**
 * Jobs of clusters with no agent online that have waited longer than `ttlMs` are removed, and
 * whoever asked hears why (an ephemeral for a person, a reply in an alert's thread).
 */
export async function sweepAbandoned(
  hub: ClusterHub,
  slack: WorkQueues,
  ttlMs: number,
  now = Date.now(),
): Promise<number> {
  let removed = 0;
  // list() reads each cluster's status already.
  for (const agent of await hub.list()) {
    if (agent.online) continue;
    const cluster = agent.cluster;
    const queues = hub.queuesOf(cluster);
    const why = noAgentText(cluster, agent.lastSeen).replace('nothing was queued', 'gave up');
    for (const job of await queues.queues.diagnose.getJobs(['waiting', 'active', 'delayed'])) {
      if (!job?.id || now - job.timestamp < ttlMs) continue;
      const parsed = DiagnoseJobSchema.safeParse(job.data);
      await job.remove();
      removed++;
      if (!parsed.success) continue;
      const target = parsed.data.target;
      const text = `:warning: Could not diagnose ${describeTarget(target)}: ${why}`;
      for (const r of await queues.closeDiagnosis(job.id, target)) {
        const ops: SlackOp[] =
          r.kind === 'command'
            ? [{ op: 'ephemeral', user: r.user, ...plainMessage(text) }]
            : [
                {
                  op: 'parent',
                  summaries: [{ key: targetKey(target), target, stage: 'failed', error: why }],
                },
                { op: 'reply', ...plainMessage(text) },
              ];
        await slack.postToSlack(
          {
            conversation: r.kind === 'alert' ? r.conversation : jobId('e', job.id, r.user),
            channel: r.channel,
            ops,
          },
          jobId('gone', job.id, r.kind === 'alert' ? r.conversation : r.user),
        );
      }
    }
    for (const job of await queues.queues.remediate.getJobs(['waiting', 'active', 'delayed'])) {
      if (!job?.id || now - job.timestamp < ttlMs) continue;
      const action = RemediationActionSchema.safeParse(job.data);
      await job.remove();
      removed++;
      if (!action.success) continue;
      await slack.postToSlack(
        {
          conversation: jobId('e', job.id),
          channel: action.data.channel,
          ops: [
            {
              op: 'ephemeral',
              user: action.data.userId,
              ...plainMessage(`:warning: Nothing was done: ${why}`),
            },
          ],
        },
        jobId('gone', job.id),
      );
    }
  }
  if (removed) log.warn({ removed }, 'removed cluster jobs no agent took in time');
  return removed;
}
