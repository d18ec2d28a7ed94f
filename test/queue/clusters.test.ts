// Many clusters on one Redis, on the real Redis: each agent's Redis user (the ACL rule the chart
// and the README give) works its own cluster's queues, plans and heartbeat, and Redis itself
// refuses it everything of another cluster and of the hub; the hub answers "no agent" at once
// for a cluster whose agent is gone, and removes jobs nobody took within the TTL.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentInfo,
  ClusterHub,
  NoAgentError,
  agentAclRules,
  clusterPrefix,
  writeHeartbeat,
} from '../../src/queue/clusters.js';
import { sweepAbandoned } from '../../src/queue/hub-jobs.js';
import { handleDiagnoseCommand } from '../../src/slack/commands/diagnose.js';
import { ConsolePoster } from '../../src/slack/poster.js';
import { QUEUES, type SlackPostJob } from '../../src/queue/jobs.js';
import { WorkQueues } from '../../src/queue/queues.js';
import { PlanStore } from '../../src/remediation/plan-store.js';
import { Conversations } from '../../src/slack/delivery/conversations.js';
import type { TargetRef } from '../../src/slack/thread-state.js';
import { DEFAULT_REDIS_URL, deletePrefix, uniquePrefix } from '../support/app.js';
import { waitFor } from '../support/cluster.js';

const base = uniquePrefix('clusters');
const user = `${base}-agent-eu`;
const password = 'agent-eu-password-0123456789';
const agentUrl = `redis://${encodeURIComponent(user)}:${password}@127.0.0.1:6379`;
let admin: Redis;

function target(cluster: string, name = 'api-service'): TargetRef {
  return { kind: 'Service', name, namespace: 'shop', cluster };
}

function info(cluster: string, at = new Date()): AgentInfo {
  return {
    cluster,
    version: '0.1.0',
    kubernetesVersion: 'v1.36.3',
    capabilities: { checks: ['service.selector-mismatch'], skippedChecks: [], fixes: [] },
    startedAt: at.toISOString(),
    at: at.toISOString(),
  };
}

/** 'NOPERM' when Redis refused for lack of permission (a MULTI says so in its EXECABORT), else 'ok' or the error. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    const e = err as Error & { previousErrors?: Error[] };
    const message = [e.message, ...(e.previousErrors ?? []).map((x) => x.message)].join('; ');
    return /\bNOPERM\b|no permissions/.test(message) ? 'NOPERM' : message;
  }
}

beforeAll(async () => {
  admin = new Redis(DEFAULT_REDIS_URL);
  await admin.call('ACL', 'SETUSER', user, ...agentAclRules(base, 'prod-eu', password));
});

afterAll(async () => {
  await admin.call('ACL', 'DELUSER', user);
  for (const c of ['prod-eu', 'prod-us', 'gone'])
    await deletePrefix(clusterPrefix(base, c).replace(/[{}]/g, '\\$&'));
  await deletePrefix(base);
  admin.disconnect();
});

describe('an agent’s Redis user', () => {
  it('works its own cluster’s queue, plans and heartbeat, and gets NOPERM from Redis for any other key', async () => {
    const agent = new Redis(agentUrl, { maxRetriesPerRequest: null });
    const workerConnection = new Redis(agentUrl, { maxRetriesPerRequest: null });
    const own = clusterPrefix(base, 'prod-eu');
    const other = clusterPrefix(base, 'prod-us');
    const queues = new WorkQueues(agent, own);
    const otherQueues = new WorkQueues(agent, other);
    try {
      // Its own keys: the attach script, BullMQ's scripts, a worker, plans, the heartbeat.
      const asked = await queues.requestDiagnosis(target('prod-eu'), {
        kind: 'command',
        channel: 'C0EU',
        user: 'U0ALICE',
      });
      const worker = new Worker(QUEUES.diagnose, async (job) => job.data as unknown, {
        connection: workerConnection,
        prefix: own,
      });
      const done = new Promise((resolve) => worker.on('completed', resolve));
      await done;
      await worker.close();
      expect(await queues.closeDiagnosis(asked.jobId, target('prod-eu'))).toHaveLength(1);
      const plans = new PlanStore(agent, own);
      const saved = await plans.save({
        plan: { id: 'rollout-restart' } as never,
        target: { ...target('prod-eu'), namespace: 'shop' },
        channel: 'C0EU',
      });
      expect((await plans.get(saved.id))?.state).toBe('pending');
      expect(await outcome(writeHeartbeat(agent, base, info('prod-eu'), 5000))).toBe('ok');

      // Another cluster's keys and the hub's: refused by Redis, whatever the command.
      expect(
        await outcome(
          otherQueues.requestDiagnosis(target('prod-us'), {
            kind: 'command',
            channel: 'C0US',
            user: 'U0ALICE',
          }),
        ),
      ).toBe('NOPERM');
      expect(await outcome(otherQueues.queues.remediate.add('x', {}))).toBe('NOPERM');
      expect(await outcome(new PlanStore(agent, other).get(saved.id))).toBe('NOPERM');
      expect(await outcome(writeHeartbeat(agent, base, info('prod-us'), 5000))).toBe('NOPERM');
      expect(await outcome(agent.get(`${base}:conv:any`))).toBe('NOPERM');
      expect(await outcome(agent.publish(`${other}:events`, 'x'))).toBe('NOPERM');
      // Nor can it look around or wipe the server.
      expect(await outcome(agent.call('KEYS', '*'))).toBe('NOPERM');
      expect(await outcome(agent.call('FLUSHALL'))).toBe('NOPERM');
      expect(await outcome(agent.call('ACL', 'SETUSER', user, '~*'))).toBe('NOPERM');
      // What was refused left nothing behind.
      expect(await admin.exists(`${other}:diagnose:meta`, `${other}:agent`)).toBe(0);
    } finally {
      await queues.close();
      await otherQueues.close();
      agent.disconnect();
      workerConnection.disconnect();
    }
  });
});

describe('the hub’s registry of clusters', () => {
  let redis: Redis;
  let hub: ClusterHub;
  let slack: WorkQueues;
  const hubBase = `${base}-hub`;

  beforeAll(() => {
    redis = new Redis(DEFAULT_REDIS_URL);
    slack = new WorkQueues(redis, hubBase);
    hub = new ClusterHub(redis, hubBase, new Conversations(redis, hubBase));
  });
  afterAll(async () => {
    await hub.close();
    await slack.close();
    for (const c of ['prod-eu', 'gone'])
      await deletePrefix(clusterPrefix(hubBase, c).replace(/[{}]/g, '\\$&'));
    await deletePrefix(hubBase);
    redis.disconnect();
  });

  it('lists agents with their last heartbeat, and answers at once, queueing nothing, for a cluster whose agent is gone', async () => {
    const lastSeen = new Date(Date.now() - 60_000);
    await writeHeartbeat(redis, hubBase, info('prod-eu'), 60_000);
    await writeHeartbeat(redis, hubBase, info('gone', lastSeen), 200);
    await waitFor('the gone agent’s heartbeat to lapse', async () => {
      const s = await hub.status('gone');
      return !s.online || undefined;
    });
    const listed = await hub.list();
    expect(listed.map((s) => [s.cluster, s.online])).toEqual([
      ['gone', false],
      ['prod-eu', true],
    ]);
    expect(listed[1]?.info?.kubernetesVersion).toBe('v1.36.3');

    const hhmm = lastSeen.toISOString().slice(11, 16);
    const refused = hub.requestDiagnosis(target('gone'), {
      kind: 'command',
      channel: 'C0X',
      user: 'U0ALICE',
    });
    await expect(refused).rejects.toBeInstanceOf(NoAgentError);
    await expect(refused).rejects.toThrow(
      `no agent for gone since ${hhmm} UTC: nothing was queued`,
    );
    await expect(
      hub.requestDiagnosis(target('never-seen'), { kind: 'command', channel: 'C0X', user: 'U0A' }),
    ).rejects.toThrow('no agent has ever reported for never-seen');
    expect(await hub.queuesOf('gone').queues.diagnose.count()).toBe(0);
    // An online cluster's job is queued in that cluster's own queue.
    await hub.requestDiagnosis(target('prod-eu'), { kind: 'command', channel: 'C0X', user: 'U0A' });
    expect(await hub.queuesOf('prod-eu').queues.diagnose.count()).toBe(1);
  });

  it('routes /diagnose by --cluster, else the channel’s cluster, else asks which, listing them', async () => {
    const deps = {
      queues: slack,
      poster: new ConsolePoster(() => undefined),
      clusterName: 'hub',
      routing: { channelDefaults: { C0EUROPE: 'prod-eu' }, hub },
    };
    const say = async (text: string, channel: string) => {
      const reply = handleDiagnoseCommand({ text, channel, user: 'U0ALICE' }, deps);
      return (await reply.enqueue?.()) || reply.ack;
    };
    const queued = () => hub.queuesOf('prod-eu').queues.diagnose.count();
    const before = await queued();
    expect(await say('checkout -n shop', 'C0EUROPE')).toBe(
      ':mag: Diagnosing *checkout* in namespace *shop* of cluster *prod-eu*… The answer will appear in this channel, in a thread.',
    );
    expect(await queued()).toBe(before + 1);
    expect(await say('checkout -n shop --cluster gone', 'C0EUROPE')).toMatch(
      /^:warning: no agent for gone since \d\d:\d\d UTC: nothing was queued/,
    );
    const which = await say('checkout -n shop', 'C0ELSEWHERE');
    expect(which).toContain(
      'Which cluster? Add `--cluster NAME`, e.g. `/diagnose checkout -n shop --cluster gone`.',
    );
    expect(which).toMatch(/• `gone`: \*no agent\* \(last seen \d\d:\d\d UTC\)/);
    expect(which).toMatch(
      /• `prod-eu`: online, kubemedic 0\.1\.0, Kubernetes v1\.36\.3; 1 checks, 0 fixes it may apply; last seen/,
    );
    expect(await say('clusters', 'C0ELSEWHERE')).toContain('*Clusters* (2):');
    expect(await say('checkout --cluster "*"', 'C0EUROPE')).toContain(
      'is not a cluster name (letters, digits, - and .)',
    );
    expect(await queued()).toBe(before + 1);
  });

  it('removes a job whose agent went away and never came back within the TTL, and tells who asked', async () => {
    // Queued while its agent was online; the agent then stopped for good.
    const gone = new WorkQueues(redis, hub.prefixOf('gone'));
    await gone.requestDiagnosis(target('gone', 'checkout'), {
      kind: 'alert',
      channel: 'C0ALERTS',
      conversation: 'a.group1',
    });
    await gone.requestDiagnosis(target('gone', 'cart'), {
      kind: 'command',
      channel: 'C0X',
      user: 'U0BOB',
    });
    await gone.close();
    const waitingOnline = await hub.queuesOf('prod-eu').queues.diagnose.count();
    // Within the TTL nothing is removed: a restarting agent still finds its jobs.
    expect(await sweepAbandoned(hub, slack, 60_000)).toBe(0);
    expect(await sweepAbandoned(hub, slack, 60_000, Date.now() + 61_000)).toBe(2);
    expect(await hub.queuesOf('gone').queues.diagnose.count()).toBe(0);
    // The online cluster's job stays: its agent is only busy.
    expect(await hub.queuesOf('prod-eu').queues.diagnose.count()).toBe(waitingOnline);

    const told = (await slack.queues['slack-post'].getJobs(['waiting'])).map(
      (j) => j.data as SlackPostJob,
    );
    const alert = told.find((j) => j.conversation === 'a.group1');
    expect(alert?.ops[0]).toMatchObject({ op: 'parent', summaries: [{ stage: 'failed' }] });
    expect(alert?.ops[1]).toMatchObject({
      op: 'reply',
      text: expect.stringContaining('Could not diagnose checkout: no agent for gone since'),
    });
    const person = told.find((j) => j.ops[0]?.op === 'ephemeral');
    expect(person?.ops[0]).toMatchObject({
      user: 'U0BOB',
      text: expect.stringContaining('Could not diagnose cart: no agent for gone since'),
    });
  });
});
