import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySlackRequest } from '@slack/bolt';
import type { types } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '@slack/web-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SLACK_DEFAULTS, FakeSlack } from './fake-slack.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  postSigned,
  signSlackRequest,
  slashCommandBody,
} from './slack-signing.js';

const CHANNEL = 'C0INCIDENT';

/** The ack function SocketModeClient hands to listeners. */
type Ack = (response?: Record<string, unknown>) => Promise<void>;

// The SDKs log every platform error; the assertions below say what matters.
const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

function section(text: string): types.SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** The Slack error code a WebClient call was rejected with. */
async function slackError(call: Promise<unknown>): Promise<{ error: unknown; messages: unknown }> {
  try {
    await call;
  } catch (thrown: unknown) {
    const data = (thrown as { data?: { error?: unknown; response_metadata?: unknown } }).data;
    const metadata = data?.response_metadata as { messages?: unknown } | undefined;
    return { error: data?.error, messages: metadata?.messages };
  }
  throw new Error('expected the Slack call to fail');
}

let fake: FakeSlack;
let client: WebClient;

beforeAll(async () => {
  fake = await FakeSlack.start({
    users: { U0ONCALL1: { name: 'alice', realName: 'Alice Ops', email: 'alice@example.com' } },
    usergroups: {
      S0ONCALL: { handle: 'oncall', name: 'On-call', users: ['U0ONCALL1', 'U0ONCALL2'] },
    },
  });
  client = new WebClient(FAKE_SLACK_DEFAULTS.botToken, {
    slackApiUrl: fake.url,
    logger: quietLogger,
    retryConfig: { retries: 0 },
  });
});

afterAll(async () => {
  await fake.close();
});

afterEach(() => {
  fake.reset();
});

describe('fake Slack Web API, driven by a real WebClient', () => {
  it('posts a message, replies in its thread and updates it, storing them as Slack does', async () => {
    const parent = await client.chat.postMessage({
      channel: CHANNEL,
      text: 'checkout returns 503',
    });
    const blocks = [section('*Root cause:* Service selector matches no pods')];
    const reply = await client.chat.postMessage({
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: 'Root cause found',
      blocks,
    });
    const updated = await client.chat.update({
      channel: CHANNEL,
      ts: parent.ts ?? '',
      text: 'checkout returns 503 (diagnosed)',
    });

    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    expect(reply.message).toMatchObject({ thread_ts: parent.ts, blocks, bot_id: 'B0KUBEBOT' });
    expect(updated).toMatchObject({
      ok: true,
      ts: parent.ts,
      text: 'checkout returns 503 (diagnosed)',
    });

    expect(fake.messages(CHANNEL)).toEqual([
      expect.objectContaining({
        ts: parent.ts,
        text: 'checkout returns 503 (diagnosed)',
        thread_ts: parent.ts,
        reply_count: 1,
        latest_reply: reply.ts,
        edited: expect.objectContaining({ user: fake.botUserId }),
      }),
    ]);
    expect(fake.thread(CHANNEL, parent.ts ?? '').map((m) => m.text)).toEqual([
      'checkout returns 503 (diagnosed)',
      'Root cause found',
    ]);

    const [first, second] = fake.callsTo('chat.postMessage');
    expect(first).toMatchObject({ token: FAKE_SLACK_DEFAULTS.botToken, rateLimited: false });
    expect(second?.args).toMatchObject({ channel: CHANNEL, thread_ts: parent.ts, blocks });
  });

  it('parses JSON bodies and takes their token from the Authorization header', async () => {
    const response = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Bearer ${FAKE_SLACK_DEFAULTS.botToken}`,
      },
      body: JSON.stringify({ channel: CHANNEL, blocks: [section('from JSON')] }),
    });

    expect(await response.json()).toMatchObject({ ok: true, channel: CHANNEL });
    expect(fake.callsTo('chat.postMessage')[0]).toMatchObject({
      token: FAKE_SLACK_DEFAULTS.botToken,
      args: { channel: CHANNEL, blocks: [section('from JSON')] },
    });
  });

  it('rejects an update of a message that does not exist', async () => {
    const failure = await slackError(
      client.chat.update({ channel: CHANNEL, ts: '1700000000.999999', text: 'x' }),
    );
    expect(failure.error).toBe('message_not_found');
  });

  it('accepts 50 blocks and rejects 51 with invalid_blocks', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => section(`line ${i}`));
    await expect(
      client.chat.postMessage({ channel: CHANNEL, text: 'ok', blocks: fifty }),
    ).resolves.toMatchObject({ ok: true });

    const failure = await slackError(
      client.chat.postMessage({ channel: CHANNEL, text: 'x', blocks: [...fifty, section('51')] }),
    );
    expect(failure.error).toBe('invalid_blocks');
    expect(failure.messages).toEqual([expect.stringContaining('no more than 50 items allowed')]);
    expect(fake.messages(CHANNEL)).toHaveLength(1);
  });

  it('accepts a 3000-character section and rejects 3001 characters', async () => {
    await expect(
      client.chat.postMessage({
        channel: CHANNEL,
        text: 'ok',
        blocks: [section('a'.repeat(3000))],
      }),
    ).resolves.toMatchObject({ ok: true });

    const failure = await slackError(
      client.chat.postMessage({ channel: CHANNEL, text: 'x', blocks: [section('a'.repeat(3001))] }),
    );
    expect(failure.error).toBe('invalid_blocks');
    expect(failure.messages).toEqual([
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
  });

  it('limits header text to 150 characters', async () => {
    const header: types.HeaderBlock = {
      type: 'header',
      text: { type: 'plain_text', text: 'h'.repeat(151) },
    };
    const failure = await slackError(
      client.chat.postMessage({ channel: CHANNEL, text: 'x', blocks: [header] }),
    );
    expect(failure.messages).toEqual([expect.stringContaining('must be less than 151 characters')]);
  });

  it("enforces Block Kit's button and confirmation dialog limits", async () => {
    const button = (over: Record<string, unknown>) => ({
      type: 'button',
      text: { type: 'plain_text', text: 'Go' },
      action_id: 'go',
      ...over,
    });
    const actions = (...elements: Record<string, unknown>[]) =>
      [{ type: 'actions', elements }] as unknown as types.KnownBlock[];
    const confirm = (text: string) => ({
      title: { type: 'plain_text', text: 'Apply?' },
      text: { type: 'mrkdwn', text },
      confirm: { type: 'plain_text', text: 'Approve' },
      deny: { type: 'plain_text', text: 'Cancel' },
    });
    const ok = [
      button({ text: { type: 'plain_text', text: 'b'.repeat(75) }, value: 'v'.repeat(2000) }),
      button({ action_id: 'link', url: `https://example.com/${'u'.repeat(2970)}` }),
      button({ action_id: 'sure', style: 'danger', confirm: confirm('c'.repeat(300)) }),
    ];
    await expect(
      client.chat.postMessage({ channel: CHANNEL, text: 'ok', blocks: actions(...ok) }),
    ).resolves.toMatchObject({ ok: true });

    const refused = async (...elements: Record<string, unknown>[]) =>
      (await slackError(
        client.chat.postMessage({ channel: CHANNEL, text: 'x', blocks: actions(...elements) }),
      )) as { error?: string; messages?: string[] };
    const cases: [Record<string, unknown>[], string][] = [
      [[button({ text: { type: 'plain_text', text: 'b'.repeat(76) } })], '/elements/0/text/text'],
      [[button({ value: 'v'.repeat(2001) })], '/elements/0/value'],
      [[button({ url: 'not a url' })], '/elements/0/url'],
      [[button({ url: `https://example.com/${'u'.repeat(2981)}` })], '/elements/0/url'],
      [[button({ action_id: 'a'.repeat(256) })], '/elements/0/action_id'],
      [[button({ style: 'green' })], '/elements/0/style'],
      [[button({ confirm: confirm('c'.repeat(301)) })], '/elements/0/confirm/text/text'],
      [[button({}), button({})], '/elements/1/action_id'],
    ];
    for (const [elements, pointer] of cases) {
      const failure = await refused(...elements);
      expect(failure.error).toBe('invalid_blocks');
      expect(failure.messages).toEqual([expect.stringContaining(`/blocks/0${pointer}]`)]);
    }
  });

  it('rejects a thread_ts that names no message in the channel', async () => {
    const parent = await client.chat.postMessage({ channel: CHANNEL, text: 'parent' });
    const elsewhere = await slackError(
      client.chat.postMessage({ channel: 'C0OTHER', thread_ts: parent.ts, text: 'reply' }),
    );
    const unknown = await slackError(
      client.chat.postMessage({ channel: CHANNEL, thread_ts: '1600000000.000100', text: 'reply' }),
    );

    expect(elsewhere.error).toBe('thread_not_found');
    expect(unknown.error).toBe('thread_not_found');
    expect(fake.thread(CHANNEL, parent.ts ?? '')).toHaveLength(1);
  });

  it('requires text or blocks, and a channel', async () => {
    expect((await slackError(client.chat.postMessage({ channel: CHANNEL, text: '' }))).error).toBe(
      'no_text',
    );
    expect((await slackError(client.chat.postMessage({ channel: '', text: 'x' }))).error).toBe(
      'channel_not_found',
    );
  });

  it('answers 429 with Retry-After when asked, and WebClient retries until it succeeds', async () => {
    const patient = new WebClient(FAKE_SLACK_DEFAULTS.botToken, {
      slackApiUrl: fake.url,
      logger: quietLogger,
      retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 },
    });
    fake.rateLimitNext('chat.postMessage', 1, 1);

    const posted = await patient.chat.postMessage({ channel: CHANNEL, text: 'after the limit' });

    expect(posted.ok).toBe(true);
    expect(
      fake.callsTo('chat.postMessage').map((c) => [c.status, c.rateLimited, c.response.error]),
    ).toEqual([
      [429, true, 'ratelimited'],
      [200, false, undefined],
    ]);
    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(['after the limit']);
  });

  it('sends the Retry-After header with the 429', async () => {
    fake.rateLimitNext('auth.test', 1, 7);
    const response = await fetch(`${fake.url}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_SLACK_DEFAULTS.botToken}` },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('answers auth.test for the configured token and invalid_auth for any other', async () => {
    await expect(client.auth.test()).resolves.toMatchObject({
      ok: true,
      team_id: fake.teamId,
      user_id: fake.botUserId,
      bot_id: 'B0KUBEBOT',
    });
    const stranger = new WebClient('xoxb-not-the-token', {
      slackApiUrl: fake.url,
      logger: quietLogger,
      retryConfig: { retries: 0 },
    });
    expect((await slackError(stranger.auth.test())).error).toBe('invalid_auth');
    expect(
      (await slackError(stranger.chat.postMessage({ channel: CHANNEL, text: 'x' }))).error,
    ).toBe('invalid_auth');
    expect(fake.callsTo('auth.test').map((c) => c.token)).toEqual([
      FAKE_SLACK_DEFAULTS.botToken,
      'xoxb-not-the-token',
    ]);
    expect(fake.messages(CHANNEL)).toEqual([]);
  });

  it('resolves a usergroup handle and lists its members', async () => {
    const { usergroups } = await client.usergroups.list({});
    const oncall = usergroups?.find((group) => group.handle === 'oncall');
    expect(oncall).toMatchObject({ id: 'S0ONCALL', name: 'On-call' });

    const members = await client.usergroups.users.list({ usergroup: oncall?.id ?? '' });
    expect(members.users).toEqual(['U0ONCALL1', 'U0ONCALL2']);
    expect((await slackError(client.usergroups.users.list({ usergroup: 'S0NOPE' }))).error).toBe(
      'no_such_subteam',
    );
  });

  it('answers users.info for configured users only', async () => {
    const { user } = await client.users.info({ user: 'U0ONCALL1' });
    expect(user).toMatchObject({ id: 'U0ONCALL1', name: 'alice', real_name: 'Alice Ops' });
    expect((await slackError(client.users.info({ user: 'U0NOBODY' }))).error).toBe(
      'user_not_found',
    );
  });

  it('answers chat.postEphemeral with a message_ts and keeps it out of the channel', async () => {
    const result = await client.chat.postEphemeral({
      channel: CHANNEL,
      user: 'U0ONCALL1',
      text: 'only you can see this',
    });
    expect(result.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(fake.ephemerals(CHANNEL)).toMatchObject([
      { user: 'U0ONCALL1', text: 'only you can see this' },
    ]);
    expect(fake.messages(CHANNEL)).toEqual([]);
  });

  it('answers unknown_method and injected failures', async () => {
    expect((await slackError(client.apiCall('kubemedic.nothing'))).error).toBe('unknown_method');
    fake.failNext('chat.postMessage', 'channel_not_found');
    expect((await slackError(client.chat.postMessage({ channel: CHANNEL, text: 'x' }))).error).toBe(
      'channel_not_found',
    );
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'x' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('waits for a call still to come, and names the calls seen when none matches', async () => {
    const waiting = fake.waitForCall('chat.postMessage', (c) => c.args.text === 'later');
    await client.chat.postMessage({ channel: CHANNEL, text: 'sooner' });
    await client.chat.postMessage({ channel: CHANNEL, text: 'later' });
    await expect(waiting).resolves.toMatchObject({ args: { text: 'later' } });

    await expect(fake.waitForCall('chat.update', undefined, 50)).rejects.toThrow(
      /no chat\.update call matched within 50 ms[\s\S]*chat\.postMessage -> 200 ok .*sooner/,
    );
  });
});

describe('fake Slack Socket Mode, driven by a real SocketModeClient', () => {
  it('connects through apps.connections.open, delivers a slash command and receives its ack', async () => {
    const socketClient = new SocketModeClient({
      appToken: fake.appToken,
      logger: quietLogger,
      clientOptions: { slackApiUrl: fake.url },
    });
    socketClient.on('slash_commands', async ({ ack, body }: { ack: Ack; body: unknown }) => {
      const text = (body as { text?: string }).text;
      await ack({ text: `diagnosing ${text}` });
    });

    try {
      await socketClient.start();
      const ack = await fake.sendEnvelope('slash_commands', {
        command: '/kubemedic',
        text: 'checkout',
      });

      expect(ack).toEqual({
        envelope_id: expect.any(String),
        payload: { text: 'diagnosing checkout' },
      });
      expect(fake.callsTo('apps.connections.open')[0]?.token).toBe(fake.appToken);
    } finally {
      await socketClient.disconnect();
    }
  });

  it('rejects an envelope nobody acks, and a bot token on apps.connections.open', async () => {
    const socketClient = new SocketModeClient({
      appToken: fake.appToken,
      logger: quietLogger,
      clientOptions: { slackApiUrl: fake.url },
    });
    try {
      await socketClient.start();
      await expect(
        fake.sendEnvelope('interactive', { type: 'block_actions' }, { timeoutMs: 50 }),
      ).rejects.toThrow(/interactive envelope .* was not acked within 50 ms/);
    } finally {
      await socketClient.disconnect();
    }

    expect((await slackError(client.apps.connections.open({}))).error).toBe(
      'not_allowed_token_type',
    );
  });
});

describe('Slack request signing', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';

  it("matches Slack's documented example and an independent HMAC", () => {
    // The example from Slack's "Verifying requests from Slack" guide.
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
      '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const independent = createHmac('sha256', secret).update(`v0:1531420618:${body}`).digest('hex');

    expect(signSlackRequest(secret, body, 1531420618)).toEqual({
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
    expect(independent).toBe('a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  it("passes Bolt's verifier, which rejects a tampered body", () => {
    const body = slashCommandBody({ text: 'diagnose checkout' });
    const headers = signSlackRequest(secret, body);
    const boltHeaders = {
      'x-slack-signature': headers['x-slack-signature'],
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    };

    expect(() =>
      verifySlackRequest({ signingSecret: secret, body, headers: boltHeaders }),
    ).not.toThrow();
    expect(() =>
      verifySlackRequest({ signingSecret: secret, body: `${body}x`, headers: boltHeaders }),
    ).toThrow(/signature mismatch/);
  });

  it('builds slash command and block_actions bodies the way Slack encodes them', () => {
    const params = new URLSearchParams(
      slashCommandBody({ text: 'diagnose checkout -n shop', response_url: 'http://x/commands/1' }),
    );
    expect([...params.keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'response_url',
      'trigger_id',
    ]);
    expect(params.get('text')).toBe('diagnose checkout -n shop');
    expect(slashCommandBody({ command: '/kubemedic', text: 'a b' })).toContain(
      'command=%2Fkubemedic&text=a+b&',
    );

    const payload = { type: 'block_actions', actions: [{ action_id: 'approve' }] };
    const body = blockActionsBody(payload);
    expect(JSON.parse(new URLSearchParams(body).get('payload') ?? '')).toEqual(payload);
  });

  it('postSigned delivers the exact body with the form content type and a valid signature', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const app = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('');
      });
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/events`;

    try {
      const body = slashCommandBody({ text: 'status checkout' });
      await postSigned(url, body, FORM_CONTENT_TYPE, secret);
      await postSigned(url, body, FORM_CONTENT_TYPE, secret, { signature: 'v0=forged' });
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }

    const [genuine, forged] = received;
    expect(genuine?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const verify = (request: typeof genuine): void =>
      verifySlackRequest({
        signingSecret: secret,
        body: request?.body ?? '',
        headers: {
          'x-slack-signature': String(request?.headers['x-slack-signature']),
          'x-slack-request-timestamp': Number(request?.headers['x-slack-request-timestamp']),
        },
      });
    expect(() => verify(genuine)).not.toThrow();
    expect(() => verify(forged)).toThrow(/signature mismatch/);
  });
});
