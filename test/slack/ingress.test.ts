// Hostile requests to /slack/events against kubemedic running as its own process: every shape
// Slack would never send gets a 4xx saying why, and the process keeps serving. Signed requests
// whose body is JSON `null` (or `payload=null`) once killed the process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, uniquePrefix } from '../support/app.js';
import { type BotProcess, startBotProcess } from '../support/bot-process.js';
import {
  FORM_CONTENT_TYPE,
  nowSeconds,
  postSigned,
  slashCommandBody,
} from '../support/slack-signing.js';

let bot: BotProcess;
let events: string;

beforeAll(async () => {
  bot = await startBotProcess(uniquePrefix('ingress'));
  events = `${bot.url}/slack/events`;
});
afterAll(async () => bot?.stop());

async function alive(): Promise<void> {
  expect(bot.exit()).toBeUndefined();
  const health = await fetch(`${bot.url}/healthz`);
  expect(health.status).toBe(200);
}

describe('/slack/events refuses what Slack would never send, and keeps serving', () => {
  it.each([
    ['payload=null', 'payload=null', FORM_CONTENT_TYPE],
    ['payload=[]', 'payload=%5B%5D', FORM_CONTENT_TYPE],
    ['payload=5', 'payload=5', FORM_CONTENT_TYPE],
    ['payload not JSON', 'payload=%7B', FORM_CONTENT_TYPE],
    ['JSON null', 'null', 'application/json'],
    ['JSON array', '[1,2]', 'application/json'],
    ['JSON string', '"x"', 'application/json'],
    ['an event with no type', '{"event":{}}', 'application/json'],
    [
      'block_actions with no actions',
      `payload=${encodeURIComponent('{"type":"block_actions","user":{"id":"U1"}}')}`,
      FORM_CONTENT_TYPE,
    ],
    ['a command with no text', 'command=%2Fdiagnose&user_id=U1&channel_id=C1', FORM_CONTENT_TYPE],
  ])('signed %s: 400', async (_name, body, contentType) => {
    const res = await postSigned(events, body, contentType, SIGNING_SECRET);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toBe('');
    await alive();
  });

  it('a content type Slack does not use: 415', async () => {
    const res = await postSigned(events, '<x/>', 'application/xml', SIGNING_SECRET);
    expect(res.status).toBe(415);
    await alive();
  });

  it.each(['GET', 'PUT', 'OPTIONS', 'DELETE', 'PATCH'])(
    '%s: 405 with Allow: POST',
    async (method) => {
      const res = await fetch(events, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      await alive();
    },
  );

  it.each([
    ['6 minutes ahead', 360],
    ['an hour ahead', 3600],
    ['6 minutes behind', -360],
  ])('a timestamp %s: 401', async (_name, skew) => {
    const body = slashCommandBody({ text: 'web -n prod' });
    const res = await postSigned(events, body, FORM_CONTENT_TYPE, SIGNING_SECRET, {
      timestamp: nowSeconds() + skew,
    });
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/5 minutes/);
    await alive();
  });

  it('a wrong signature: 401', async () => {
    const body = slashCommandBody({ text: 'web -n prod' });
    const res = await postSigned(events, body, FORM_CONTENT_TYPE, SIGNING_SECRET, {
      signature: `v0=${'0'.repeat(64)}`,
    });
    expect(res.status).toBe(401);
    await alive();
  });

  it('a body over the limit: 413', async () => {
    const body = `payload=${'x'.repeat(2 * 1024 * 1024)}`;
    const res = await postSigned(events, body, FORM_CONTENT_TYPE, SIGNING_SECRET);
    expect(res.status).toBe(413);
    await alive();
  });

  it('a well-formed signed command is still answered', async () => {
    const body = slashCommandBody({ command: '/kubemedic', text: 'help' });
    const res = await postSigned(events, body, FORM_CONTENT_TYPE, SIGNING_SECRET);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('kubemedic');
    await alive();
  });
});
