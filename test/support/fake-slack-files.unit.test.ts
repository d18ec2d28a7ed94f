import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from './fake-slack.js';

const CHANNEL = 'C0INCIDENT';
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

let fake: FakeSlack;
let client: WebClient;

beforeAll(async () => {
  fake = await FakeSlack.start();
  client = new WebClient(fake.botToken, {
    slackApiUrl: fake.url,
    logger: quiet,
    retryConfig: { retries: 0 },
  });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

async function errorOf(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (e) {
    return (e as { data?: { error?: unknown } }).data?.error;
  }
  throw new Error('expected the call to fail');
}

async function parentTs(): Promise<string> {
  const res = await client.chat.postMessage({ channel: CHANNEL, text: 'incident' });
  return res.ts as string;
}

const bytes = Buffer.from('\x89PNG\r\n\x1a\nnot really a picture');

describe('the fake Slack external upload flow', () => {
  it('shares a file in a thread once its bytes arrived, and keeps the bytes', async () => {
    const thread = await parentTs();
    const ticket = await client.files.getUploadURLExternal({
      filename: 'incident.png',
      length: bytes.length,
      alt_text: 'ready endpoints over time',
    });
    expect(ticket.upload_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/upload\/v1\//);
    const put = await fetch(ticket.upload_url as string, { method: 'POST', body: bytes });
    expect(put.status).toBe(200);
    const done = await client.files.completeUploadExternal({
      files: [{ id: ticket.file_id as string, title: 'Incident picture' }],
      channel_id: CHANNEL,
      thread_ts: thread,
    });
    expect(done.files).toEqual([{ id: ticket.file_id, title: 'Incident picture' }]);

    expect(fake.files).toHaveLength(1);
    expect(fake.files[0]?.bytes.equals(bytes)).toBe(true);
    expect(fake.files[0]).toMatchObject({
      channel: CHANNEL,
      threadTs: thread,
      altText: 'ready endpoints over time',
    });
    const replies = fake.thread(CHANNEL, thread);
    expect(replies).toHaveLength(2);
    expect(replies[1]?.files?.[0]).toMatchObject({
      id: ticket.file_id,
      title: 'Incident picture',
      mimetype: 'image/png',
    });
  });

  it('refuses bytes of another length than announced, and the completion of that file', async () => {
    const ticket = await client.files.getUploadURLExternal({
      filename: 'a.png',
      length: bytes.length + 1,
    });
    const put = await fetch(ticket.upload_url as string, { method: 'POST', body: bytes });
    expect(put.status).toBe(400);
    expect(
      await errorOf(
        client.files.completeUploadExternal({
          files: [{ id: ticket.file_id as string }],
          channel_id: CHANNEL,
        }),
      ),
    ).toBe('file_not_found');
    expect(fake.files).toHaveLength(0);
    expect(fake.unfinishedUploads).toEqual([ticket.file_id]);
  });

  it('completes a file only once, only after its upload, only into a thread that exists', async () => {
    const ticket = await client.files.getUploadURLExternal({
      filename: 'a.png',
      length: bytes.length,
    });
    const id = ticket.file_id as string;
    expect(
      await errorOf(client.files.completeUploadExternal({ files: [{ id }], channel_id: CHANNEL })),
    ).toBe('file_not_found');
    await fetch(ticket.upload_url as string, { method: 'POST', body: bytes });
    expect(
      await errorOf(
        client.files.completeUploadExternal({
          files: [{ id }],
          channel_id: CHANNEL,
          thread_ts: '1.000001',
        }),
      ),
    ).toBe('thread_not_found');
    await client.files.completeUploadExternal({ files: [{ id }], channel_id: CHANNEL });
    expect(
      await errorOf(client.files.completeUploadExternal({ files: [{ id }], channel_id: CHANNEL })),
    ).toBe('file_not_found');
    expect(await errorOf(client.files.getUploadURLExternal({ filename: 'b.png', length: 0 }))).toBe(
      'invalid_arguments',
    );
    // An upload URL is good for one upload.
    expect((await fetch(ticket.upload_url as string, { method: 'POST', body: bytes })).status).toBe(
      404,
    );
  });

  it("serves the Slack SDK's own filesUploadV2", async () => {
    const thread = await parentTs();
    await client.filesUploadV2({
      channel_id: CHANNEL,
      thread_ts: thread,
      file: bytes,
      filename: 'sdk.png',
      title: 'SDK',
    });
    expect(fake.files.map((f) => [f.filename, f.title, f.bytes.length])).toEqual([
      ['sdk.png', 'SDK', bytes.length],
    ]);
  });
});
