// The recorded-thread renderer: a conversation made against the fake Slack (parent, a reply with
// Block Kit, an in-place update, an uploaded incident picture) replayed to HTML and drawn by
// headless Chromium.
import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawIncident } from '../../src/picture/incident.js';
import { FakeSlack } from '../support/fake-slack.js';
import { colours, decodePng } from '../support/png.js';
import { screenshotHtml } from './chromium.js';
import { mrkdwn, recordingOf, replay, threadPage } from './thread-html.js';

const CHANNEL = 'C0RENDER';
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
  client = new WebClient(fake.botToken, { slackApiUrl: fake.url, logger: quiet });
});
afterAll(() => fake.close());

const picture = drawIncident({
  subject: 'api-service in prod: unhealthy',
  ready: [{ at: '2026-01-01T14:00:00.000Z', value: 0 }],
  desired: 2,
  restarts: [],
  revisions: [{ at: '2026-01-01T13:58:00.000Z', label: 'api rev 1' }],
  fixes: [],
  until: '2026-01-01T14:00:00.000Z',
}).png;

describe('rendering a recorded thread', () => {
  it('replays posts, updates and file shares, and draws them in Chromium', async () => {
    const parent = await client.chat.postMessage({ channel: CHANNEL, text: 'Diagnosing…' });
    const ts = parent.ts as string;
    await client.chat.postMessage({
      channel: CHANNEL,
      thread_ts: ts,
      text: 'fix',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Fix: patch-service-selector' } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*Root cause* `service.selector-mismatch`\n```kubectl patch svc api-service```',
          },
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'risk: low · <@U0ALICE>' }] },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'a',
              style: 'primary',
              text: { type: 'plain_text', text: 'Approve' },
            },
            {
              type: 'button',
              action_id: 'r',
              style: 'danger',
              text: { type: 'plain_text', text: 'Reject' },
            },
          ],
        },
      ],
    });
    await client.chat.update({
      channel: CHANNEL,
      ts,
      text: ':red_circle: *api-service* is UNHEALTHY',
    });
    await client.filesUploadV2({
      channel_id: CHANNEL,
      thread_ts: ts,
      file: picture,
      filename: 'incident.png',
      title: 'Incident picture',
    });

    const recording = JSON.parse(JSON.stringify(recordingOf(fake))) as ReturnType<
      typeof recordingOf
    >;
    expect(JSON.stringify(recording)).not.toContain(fake.botToken);
    const shown = replay(recording);
    expect(shown.map((m) => [m.threadTs === undefined, m.edited, Boolean(m.file)])).toEqual([
      [true, true, false],
      [false, false, false],
      [false, false, true],
    ]);
    const html = threadPage(recording);
    expect(html).toContain('<b>api-service</b> is UNHEALTHY');
    expect(html).toContain('<span class="button primary">Approve</span>');
    expect(html).toContain('<pre>kubectl patch svc api-service</pre>');
    expect(html).toContain(`src="data:image/png;base64,${picture.toString('base64')}"`);

    const shot = await screenshotHtml(html);
    const png = decodePng(shot.png);
    expect(png.width).toBe(900);
    // Cropped to the content: taller than the picture alone, far shorter than the page.
    expect(png.height).toBeGreaterThan(400);
    expect(png.height).toBeLessThan(3000);
    expect(colours(png)).toBeGreaterThan(50);
  });

  it('escapes recorded text: hostile values are shown, never run as markup', () => {
    const html = mrkdwn(
      'a <script>alert(1)</script> &lt;img src=x onerror=alert(1)&gt; <https://x.example|*click*> <@U1|bob>',
    );
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<a>*click*</a>');
    expect(html).toContain('<span class="mention">@bob</span>');
  });
});
