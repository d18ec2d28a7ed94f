// POST /alertmanager end to end: the seed's ServiceZeroEndpoints alert opens one thread in the
// default channel, repeats reply in it, `resolved` updates it, across a restart of the bot.
import { describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  ALERT_TOKEN,
  messageText,
  postAlert,
  useBotSuite,
  zeroEndpointsAlert,
} from '../support/app.js';
import { waitFor } from '../support/cluster.js';

const suite = useBotSuite('alert', {
  mode: 'http',
  start: false,
  env: { ALERTMANAGER_USERNAME: 'alertmanager', ALERTMANAGER_PASSWORD: 'basic-auth-password' },
});

const basic = (credentials: string) => ({
  authorization: `Basic ${Buffer.from(credentials).toString('base64')}`,
});

describe('Alertmanager webhook', () => {
  it('opens one thread per alert group with the root cause, replies to repeats, and marks it resolved after a restart', async () => {
    const { fake } = suite;
    let app = await suite.start();
    const firing = zeroEndpointsAlert(suite.ns);

    const res = await postAlert(app.url, firing);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'queued', opened: true, diagnosing: 1 });

    const thread = await waitFor(
      'the alert thread with the root cause',
      async () => {
        const [parent] = fake.messages(ALERT_CHANNEL);
        if (!parent || !messageText(parent).includes('· details in the thread')) return undefined;
        const t = fake.thread(ALERT_CHANNEL, parent.ts);
        return t.some((m) => messageText(m).includes('patch-service-selector')) ? t : undefined;
      },
      30_000,
    );
    const parent = thread[0];
    expect(messageText(parent ?? {})).toContain('ServiceZeroEndpoints');
    expect(messageText(parent ?? {})).toMatch(
      /Root cause\* `service\.selector-mismatch`: .*app: api-svc vs api-service/,
    );
    expect(thread.some((m) => messageText(m).includes('app: api-svc vs api-service'))).toBe(true);

    // The same notification again (Alertmanager's retry, or its HA peer's copy) is that one
    // notification: nothing new is posted.
    const again = await postAlert(app.url, firing);
    expect(await again.json()).toMatchObject({ opened: true, diagnosing: 0 });
    // The group's next notification (one more alert firing) replies in the same thread.
    const [first] = (firing as { alerts: Record<string, unknown>[] }).alerts;
    const repeat = await postAlert(app.url, {
      ...firing,
      alerts: [first, { ...first, fingerprint: 'a1b2c3d4e5f60709' }],
    });
    expect(await repeat.json()).toMatchObject({ opened: false, diagnosing: 0 });
    await waitFor('the repeat reply', async () =>
      fake
        .thread(ALERT_CHANNEL, parent?.ts ?? '')
        .some((m) => messageText(m).includes('Still firing')),
    );

    // The bot restarts between firing and resolved: the thread is found again in Redis.
    await app.stop();
    app = await suite.start();
    const resolved = await postAlert(app.url, zeroEndpointsAlert(suite.ns, 'resolved'));
    expect(resolved.status).toBe(200);
    await waitFor('the resolved reply and parent', async () => {
      const t = fake.thread(ALERT_CHANNEL, parent?.ts ?? '');
      return (
        t.some((m) => messageText(m).includes('*Incident summary: ServiceZeroEndpoints*')) &&
        messageText(t[0] ?? {}).includes('ServiceZeroEndpoints* resolved')
      );
    });
    expect(fake.messages(ALERT_CHANNEL)).toHaveLength(1);
    const replies = fake.thread(ALERT_CHANNEL, parent?.ts ?? '').map(messageText);
    expect(replies.filter((t) => t.includes('Still firing'))).toHaveLength(1);
  });

  it('refuses a notification without valid credentials with 401, and takes bearer or basic auth', async () => {
    const app = await suite.start();
    const alert = zeroEndpointsAlert(suite.ns, 'firing', 'auth-test-group');
    const none = await postAlert(app.url, alert, {});
    const wrong = await postAlert(app.url, alert, { authorization: 'Bearer not-the-token-at-all' });
    const wrongBasic = await postAlert(app.url, alert, basic('alertmanager:nope'));
    expect([none.status, wrong.status, wrongBasic.status]).toEqual([401, 401, 401]);

    const viaBasic = await postAlert(app.url, alert, basic('alertmanager:basic-auth-password'));
    expect(viaBasic.status).toBe(200);
    const bearer = await postAlert(app.url, alert, { authorization: `Bearer ${ALERT_TOKEN}` });
    expect(bearer.status).toBe(200);
  });

  it('answers malformed JSON and invalid payloads with 400 and the reason', async () => {
    const app = await suite.start();
    const malformed = await postAlert(app.url, '{"version": "4", "alerts": [');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^malformed JSON/);

    const wrongVersion = await postAlert(app.url, {
      ...zeroEndpointsAlert(suite.ns),
      version: '3',
    });
    expect(wrongVersion.status).toBe(400);
    expect(((await wrongVersion.json()) as { error: string }).error).toContain(
      'version: only webhook payload version "4" is supported',
    );

    const noAlerts = await postAlert(app.url, { ...zeroEndpointsAlert(suite.ns), alerts: 'none' });
    expect(((await noAlerts.json()) as { error: string }).error).toContain('alerts:');
  });

  it('posts in the channel a KUBEMEDIC_ALERT_CHANNELS rule maps the alert to', async () => {
    const app = await suite.start({
      KUBEMEDIC_ALERT_CHANNELS: `team=payments:C0PAYMENTS,namespace=${suite.ns}:C0MAPPED`,
    });
    const res = await postAlert(app.url, zeroEndpointsAlert(suite.ns, 'firing', 'mapped-group'));
    expect(res.status).toBe(200);
    const parent = await suite.fake.waitForMessage(
      'C0MAPPED',
      (m) => messageText(m).includes('ServiceZeroEndpoints'),
      30_000,
    );
    expect(parent.thread_ts === undefined || parent.thread_ts === parent.ts).toBe(true);
  });
});
