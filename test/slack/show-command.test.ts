// A fix card whose kubectl command is too long to read shows the change; its *Show full command*
// button, clicked in Slack (a signed block_actions request to the running bot), sends the whole
// command to the clicker alone, in the card's thread.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import { snapshotFromFiles } from '../../src/cluster/from-file.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { UNKNOWN_PLAN_REASON } from '../../src/remediation/flow.js';
import { type PlanRecord, PlanStore } from '../../src/remediation/plan-store.js';
import {
  DEFAULT_REDIS_URL,
  SIGNING_SECRET,
  deletePrefix,
  messageText,
  startTestApp,
  testConfig,
  uniquePrefix,
} from '../support/app.js';
import { FAKE_SLACK_DEFAULTS, FakeSlack } from '../support/fake-slack.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';

const CHANNEL = 'C0SHOWCMD';
const prefix = uniquePrefix('show-command');
let fake: FakeSlack;
let app: RunningApp;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  fake = await FakeSlack.start();
  // The bot never reads the cluster here: a kubeconfig that names an unreachable server.
  dir = mkdtempSync(join(tmpdir(), 'kubemedic-show-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
    ].join('\n'),
  );
  app = await startTestApp(
    testConfig({ prefix, mode: 'http', slack: fake, env: { KUBECONFIG: kubeconfig } }),
  );
  redis = new Redis(DEFAULT_REDIS_URL);
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
  redis?.disconnect();
  await deletePrefix(prefix);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function click(planId: string, userId: string) {
  return postSigned(
    `${app.url}/slack/events`,
    blockActionsBody(
      blockActionsPayload({
        actionId: 'kubemedic_show_command',
        value: planId,
        messageTs: '1700000000.000100',
        channelId: CHANNEL,
        userId,
      }),
    ),
    FORM_CONTENT_TYPE,
    SIGNING_SECRET,
  );
}

/** A parent message in the fake Slack, for the plan's thread. */
async function parentMessage(): Promise<string> {
  const res = await fetch(`${fake.url}chat.postMessage`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${FAKE_SLACK_DEFAULTS.botToken}`,
      'content-type': 'application/json; charset=utf-8',
    },
    body: JSON.stringify({ channel: CHANNEL, text: 'search-api is unhealthy' }),
  });
  return ((await res.json()) as { ts: string }).ts;
}

describe('Show full command', () => {
  it('sends the whole kubectl command of the plan to the clicker alone, in its thread', async () => {
    const snapshot = await snapshotFromFiles([
      join(import.meta.dirname, '..', 'scenarios', 'hpa-maxed', 'dump.json'),
    ]);
    const report = diagnose(snapshot, { kind: 'Service', name: 'search-api', cluster: 'c' });
    const plan = report.findings
      .flatMap((f) => f.remediations)
      .find((p) => p.id === 'add-startup-probe');
    if (!plan) throw new Error('no add-startup-probe plan');
    const threadTs = await parentMessage();
    const store = new PlanStore(redis, prefix);
    const record: PlanRecord = await store.save({
      plan,
      target: { kind: 'Service', name: 'search-api', namespace: 'prod', cluster: 'c' },
      channel: CHANNEL,
      threadTs,
    });

    expect((await click(record.id, 'U0READER')).status).toBe(200);
    const call = await fake.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === 'U0READER',
      10_000,
    );
    expect(call.args.channel).toBe(CHANNEL);
    expect(call.args.thread_ts).toBe(threadTs);
    const shown = messageText(call.args)
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    expect(shown).toContain(plan.kubectl);
    // Nothing was decided: the plan still waits for approval.
    expect((await store.get(record.id))?.state).toBe('pending');
  });

  it('a plan that is no longer kept gets a reason, not a command', async () => {
    expect((await click('NoSuchPlan000000', 'U0LATE')).status).toBe(200);
    const call = await fake.waitForCall('chat.postEphemeral', (c) => c.args.user === 'U0LATE');
    expect(messageText(call.args)).toContain(UNKNOWN_PLAN_REASON);
  });
});
