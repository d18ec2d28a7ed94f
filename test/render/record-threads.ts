// npm run record-threads -- [out-dir]
// Plays the two threads an on-call engineer reads against the real test cluster and the fake
// Slack, records what Slack received and renders each to a PNG (render-thread.ts):
//   seed-incident: /diagnose on the seed incident, the fix approved, verified (and its picture);
//   alert: Alertmanager's ServiceZeroEndpoints notification for the same incident.
// Writes <name>.json (the recording), <name>.html and <name>.png into out-dir (default
// ./thread-renders). Needs the test cluster (npm run cluster:up) and Redis.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunningApp } from '../../src/app.js';
import {
  ALERT_CHANNEL,
  SIGNING_SECRET,
  deletePrefix,
  postAlert,
  postCommand,
  startTestApp,
  testConfig,
  uniquePrefix,
  waitForIdle,
  zeroEndpointsAlert,
} from '../support/app.js';
import { waitFor } from '../support/cluster.js';
import { FakeSlack, type StoredMessage } from '../support/fake-slack.js';
import { createSeedNamespace } from '../support/seed.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';
import { renderThread } from './render-thread.js';
import { recordingOf } from './thread-html.js';

const CHANNEL = 'C0INCIDENT';
const APPROVER = 'U0APPROVER';

type Actions = { type: 'actions'; elements: { action_id: string; value: string }[] };
const actionsOf = (m: { blocks?: unknown[] } | undefined) =>
  (m?.blocks ?? []).find((b): b is Actions => (b as { type?: string }).type === 'actions');

async function save(fake: FakeSlack, dir: string, name: string): Promise<void> {
  const recording = recordingOf(fake);
  await writeFile(join(dir, `${name}.json`), `${JSON.stringify(recording, null, 2)}\n`);
  const shot = await renderThread(recording, join(dir, `${name}.png`), join(dir, `${name}.html`));
  process.stdout.write(
    `${name}: ${shot.width}x${shot.height} PNG -> ${join(dir, `${name}.png`)}\n`,
  );
}

async function seedIncident(app: RunningApp, fake: FakeSlack, ns: string): Promise<void> {
  await postCommand(app.url, `api-service -n ${ns}`, { channel_id: CHANNEL });
  const card = await waitFor(
    'the fix card',
    async () =>
      fake
        .messages(CHANNEL)
        .flatMap((p) => fake.thread(CHANNEL, p.ts))
        .find((m: StoredMessage) => actionsOf(m)?.elements[0]?.action_id === 'kubemedic_approve'),
    60_000,
  );
  await waitFor('the incident picture', async () => fake.files[0], 60_000);
  // The requester approving their own fix is refused privately; the approver's click applies it.
  const click = (userId: string) =>
    postSigned(
      `${app.url}/slack/events`,
      blockActionsBody(
        blockActionsPayload({
          actionId: 'kubemedic_approve',
          value: actionsOf(card)?.elements[0]?.value ?? '',
          messageTs: card.ts,
          channelId: CHANNEL,
          userId,
        }),
      ),
      FORM_CONTENT_TYPE,
      SIGNING_SECRET,
    );
  await click('U0ONCALL1');
  await click(APPROVER);
  await waitFor('the picture with the fix', async () => fake.files[1], 120_000);
}

async function alertThread(app: RunningApp, fake: FakeSlack, ns: string): Promise<void> {
  const alert = zeroEndpointsAlert(ns) as { alerts: Record<string, unknown>[] };
  Object.assign(alert.alerts[0] as object, {
    startsAt: new Date(Date.now() - 3 * 60_000).toISOString(),
    generatorURL: `http://prometheus.example:9090/graph?g0.expr=${encodeURIComponent(`kube_endpoint_address_available{namespace="${ns}",endpoint="api-service"} == 0`)}&g0.tab=1`,
  });
  await postAlert(app.url, alert);
  await waitFor(
    'the alert picture',
    async () => fake.files.find((f) => f.channel === ALERT_CHANNEL),
    60_000,
  );
}

async function main(out: string): Promise<void> {
  const dir = resolve(out);
  await mkdir(dir, { recursive: true });
  const prefix = uniquePrefix('render');
  const fake = await FakeSlack.start({
    users: { U0ONCALL1: { name: 'alice' }, [APPROVER]: { name: 'bob' } },
  });
  const seed = await createSeedNamespace('render');
  const alertNs = await createSeedNamespace('render-alert');
  const app = await startTestApp(
    testConfig({ prefix, mode: 'http', slack: fake, env: { KUBEMEDIC_APPROVERS: APPROVER } }),
  );
  try {
    await seedIncident(app, fake, seed.name);
    await waitForIdle(prefix);
    await save(fake, dir, 'seed-incident');
    fake.reset();
    await alertThread(app, fake, alertNs.name);
    await waitForIdle(prefix);
    await save(fake, dir, 'alert');
  } finally {
    await app.stop();
    await fake.close();
    await seed.cleanup();
    await alertNs.cleanup();
    await deletePrefix(prefix);
  }
}

main(process.argv[2] ?? 'thread-renders').then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `record-threads: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
