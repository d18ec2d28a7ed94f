// /diagnose over HTTP: real signed requests to the running app, real Redis and cluster, the
// fake Slack Web API receiving the answer.
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { PlanStore } from '../../src/remediation/plan-store.js';
import { SIGNING_SECRET, messageText, postCommand, useBotSuite } from '../support/app.js';
import { waitFor } from '../support/cluster.js';
import type { StoredMessage } from '../support/fake-slack.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  nowSeconds,
  postSigned,
  slashCommandBody,
} from '../support/slack-signing.js';

const CHANNEL = 'C0INCIDENT';
const suite = useBotSuite('cmd', { mode: 'http' });

function command(text: string, extra: Record<string, string> = {}): Promise<Response> {
  return postCommand(suite.app.url, text, { channel_id: CHANNEL, ...extra });
}

/** The thread once its parent shows the finished report. */
async function finishedThread(channel: string, match: (parent: StoredMessage) => boolean) {
  return waitFor(
    'the diagnosis thread to be complete',
    async () => {
      const parent = suite.fake.messages(channel).find(match);
      if (!parent || !messageText(parent).includes('· details in the thread')) return undefined;
      return suite.fake.thread(channel, parent.ts);
    },
    30_000,
  );
}

describe('/diagnose over HTTP', () => {
  it('acks at once with an ephemeral "Diagnosing" and answers in a thread naming the selector mismatch and the nearest label', async () => {
    const { fake } = suite;
    const res = await command(`api-service -n ${suite.ns}`);

    expect(res.status).toBe(200);
    const ack = (await res.json()) as { response_type: string; text: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toMatch(/Diagnosing \*api-service\* in namespace \*cmd-/);
    // Queued before the ack was sent: by the time the requester reads "Diagnosing", Redis holds
    // the request (a crash after the ack loses nothing).
    const requesters = await Promise.all(
      (await suite.redis.keys(`${suite.prefix}:diag:*:requesters`)).map((k) =>
        suite.redis.lrange(k, 0, -1),
      ),
    );
    expect(requesters.flat().some((r) => r.includes(CHANNEL))).toBe(true);

    const thread = await finishedThread(CHANNEL, (m) => messageText(m).includes(suite.ns));
    const [parent, ...replies] = thread;
    // The parent went out first as "Diagnosing…", then was updated in place.
    const first = fake.callsTo('chat.postMessage').find((c) => c.response.ts === parent?.ts);
    expect(messageText(first?.args ?? {})).toContain('Diagnosing');
    expect(first?.args.thread_ts).toBeUndefined();
    expect(
      fake.callsTo('chat.update').filter((c) => c.args.ts === parent?.ts).length,
    ).toBeGreaterThanOrEqual(2);
    expect(messageText(parent ?? {})).toMatch(
      /UNHEALTHY.*\n\*Root cause\* `service\.selector-mismatch`/,
    );
    expect(messageText(parent ?? {})).toContain('<@U0ONCALL1>');

    const serviceLayer = replies.find((m) => messageText(m).includes('*Service* · 1 finding'));
    expect(messageText(serviceLayer ?? {})).toContain('app: api-svc vs api-service');
    expect(messageText(serviceLayer ?? {})).toMatch(
      /```\$ kubectl get pods -n cmd-\w+ -o '?custom-columns=NAME:\.metadata\.name,LABELS:\.metadata\.labels'?\nNAME +LABELS\n.*map\[app:api-service /,
    );

    // One card with Approve / Reject; the button carries the opaque id of a plan kept in Redis.
    const card = replies.find((m) => messageText(m).includes('patch-service-selector'));
    const actions = (card?.blocks ?? []).find(
      (b): b is { type: 'actions'; elements: { action_id: string; value: string }[] } =>
        (b as { type?: string }).type === 'actions',
    );
    expect(actions?.elements.map((e) => e.action_id)).toEqual([
      'kubemedic_approve',
      'kubemedic_reject',
    ]);
    const planId = actions?.elements[0]?.value ?? '';
    expect(planId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const record = await new PlanStore(suite.redis, suite.prefix).get(planId);
    expect(record).toMatchObject({
      state: 'pending',
      plan: { id: 'patch-service-selector' },
      channel: CHANNEL,
      threadTs: parent?.ts,
      cardTs: card?.ts,
      requesters: ['U0ONCALL1'],
    });
  });

  it('counts the diagnosis in /metrics, with durations, queue depths and Slack API errors', async () => {
    const metrics = await (await fetch(`${suite.app.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^kubemedic_diagnoses_total\{verdict="unhealthy",root_cause="service\.selector-mismatch"\} [1-9]/m,
    );
    expect(metrics).toMatch(
      /^kubemedic_diagnosis_duration_seconds_count\{outcome="report"\} [1-9]/m,
    );
    expect(metrics).toMatch(/^kubemedic_queue_depth\{queue="slack-post",state="waiting"\} \d+/m);
    expect(metrics).toContain('# TYPE kubemedic_slack_api_errors_total counter');
    expect(metrics).toContain('# TYPE kubemedic_remediations_total counter');
  });

  it('refuses unsigned, badly signed and replayed (10-minute-old) requests with 401', async () => {
    const url = `${suite.app.url}/slack/events`;
    const body = slashCommandBody({ command: '/diagnose', text: `api-service -n ${suite.ns}` });
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': FORM_CONTENT_TYPE },
      body,
    });
    const forged = await postSigned(url, body, FORM_CONTENT_TYPE, SIGNING_SECRET, {
      signature: 'v0=' + 'ab'.repeat(32),
    });
    const otherSecret = await postSigned(url, body, FORM_CONTENT_TYPE, 'not-the-secret');
    const replayed = await postSigned(url, body, FORM_CONTENT_TYPE, SIGNING_SECRET, {
      timestamp: nowSeconds() - 600,
    });

    expect([unsigned.status, forged.status, otherSecret.status, replayed.status]).toEqual([
      401, 401, 401, 401,
    ]);
  });

  it('answers usage errors and unknown targets with a helpful ephemeral reply', async () => {
    const empty = (await (await command('')).json()) as { text: string };
    expect(empty.text).toContain('no target given');
    expect(empty.text).toContain('Usage:');

    const invalid = (await (await command('API_Service!')).json()) as { text: string };
    expect(invalid.text).toContain('is not a valid Service name');

    const typo = await command(`api-servic -n ${suite.ns}`, { user_id: 'U0TYPO' });
    expect(((await typo.json()) as { text: string }).text).toContain('Diagnosing');
    const reply = await suite.fake.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === 'U0TYPO',
      30_000,
    );
    expect(messageText(reply.args)).toMatch(
      /Service api-servic does not exist in namespace cmd-\w+.*Nearest names: api-service/s,
    );
  });

  it('acks a button click at once and queues only the plan id and the clicker for the remediate worker', async () => {
    const queue = new Queue('remediate', { connection: suite.redis, prefix: suite.prefix });
    const click = (payload: Record<string, unknown>) =>
      postSigned(
        `${suite.app.url}/slack/events`,
        blockActionsBody(payload),
        FORM_CONTENT_TYPE,
        SIGNING_SECRET,
      );
    try {
      const res = await click(
        blockActionsPayload({
          actionId: 'kubemedic_reject',
          value: 'PlanIdFromTheCard01',
          messageTs: '1700000000.000100',
          channelId: CHANNEL,
          userId: 'U0ONCALL2',
          userName: 'bob',
        }),
      );
      expect(res.status).toBe(200);

      const job = await waitFor('the remediate job', async () => {
        const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'failed', 'completed']);
        return jobs.find((j) => j.data.planId === 'PlanIdFromTheCard01');
      });
      expect(job.data).toEqual({
        action: 'reject',
        planId: 'PlanIdFromTheCard01',
        userId: 'U0ONCALL2',
        userName: 'bob',
        channel: CHANNEL,
        messageTs: '1700000000.000100',
      });

      // A click without a plan id is acked, queued nowhere, and the clicker is told why.
      const bad = await click(
        blockActionsPayload({
          actionId: 'kubemedic_approve',
          messageTs: '1700000000.000100',
          channelId: CHANNEL,
          userId: 'U0NOPLAN',
        }),
      );
      expect(bad.status).toBe(200);
      const told = await suite.fake.waitForCall(
        'chat.postEphemeral',
        (c) => c.args.user === 'U0NOPLAN',
        30_000,
      );
      expect(messageText(told.args)).toContain('no valid plan id');
      const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'failed', 'completed']);
      expect(jobs.filter((j) => j.data.userId === 'U0NOPLAN')).toEqual([]);
    } finally {
      await queue.close();
    }
  });
});
