// With Redis down the webhook answers 503 (so Alertmanager retries) and accepts nothing it
// cannot keep, and a /diagnose is told at once that it was not queued; once Redis is back, the retried
// notification is processed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  messageText,
  postAlert,
  postCommand,
  useBotSuite,
  zeroEndpointsAlert,
} from '../support/app.js';
import { waitFor } from '../support/cluster.js';
import { TestRedisServer } from '../support/redis-server.js';

// A Redis of its own, registered first so it starts before the bot and stops after it.
let redisServer: TestRedisServer;
beforeAll(async () => {
  redisServer = await TestRedisServer.start();
});
afterAll(async () => {
  await redisServer?.stop();
});
const suite = useBotSuite('outage', { mode: 'http', redisUrl: () => redisServer.url });

async function readyStatus(): Promise<number> {
  return (await fetch(`${suite.app.url}/readyz`)).status;
}

describe('Redis outage', () => {
  it('answers 503 while Redis is stopped, then processes the retried alert once Redis is back', async () => {
    const { app, fake } = suite;
    expect(await readyStatus()).toBe(200);
    await redisServer.stop();
    await waitFor('/readyz to report Redis down', async () => (await readyStatus()) === 503);
    const readyz = (await (await fetch(`${app.url}/readyz`)).json()) as {
      problems: Record<string, string>;
    };
    expect(Object.keys(readyz.problems)).toContain('redis');

    const alert = zeroEndpointsAlert(suite.ns);
    const refused = await postAlert(app.url, alert);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: string }).error).toContain('Redis unavailable');

    // A /diagnose meanwhile is answered, in the ack itself, that it could not be queued: the
    // ack is sent only after the queue has answered.
    const command = await postCommand(app.url, `api-service -n ${suite.ns}`, {
      user_id: 'U0DOWN',
    });
    expect(command.status).toBe(200);
    const ack = (await command.json()) as { response_type?: string; text?: string };
    expect(ack.response_type).toBe('ephemeral');
    expect(ack.text).toContain('could not queue that diagnosis: its Redis is unreachable');
    expect(ack.text).not.toContain('Diagnosing');

    await redisServer.restart();
    await waitFor('/readyz to recover', async () => (await readyStatus()) === 200, 30_000);
    const accepted = await postAlert(app.url, alert);
    expect(accepted.status).toBe(200);

    await waitFor(
      'the alert thread with the root cause',
      async () =>
        fake
          .messages(ALERT_CHANNEL)
          .some((m) => messageText(m).includes('service.selector-mismatch')),
      30_000,
    );
  });
});
