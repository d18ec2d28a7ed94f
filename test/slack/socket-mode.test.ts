// Socket Mode: the bot connects through apps.connections.open to the fake's WebSocket; a slash
// command arrives as an envelope, is acked over the socket, and answered in a thread.
import { describe, expect, it } from 'vitest';
import { messageText, useBotSuite } from '../support/app.js';
import { waitFor } from '../support/cluster.js';
import { slashCommandBody } from '../support/slack-signing.js';

const CHANNEL = 'C0SOCKET';
const suite = useBotSuite('socket', { mode: 'socket' });

describe('Socket Mode', () => {
  it('acks a slash command envelope over the socket and answers in a thread', async () => {
    const { app, fake } = suite;
    expect(app.mode).toBe('socket');
    await fake.waitForSocketConnection(30_000);
    const payload = Object.fromEntries(
      new URLSearchParams(
        slashCommandBody({
          command: '/diagnose',
          text: `api-service -n ${suite.ns}`,
          channel_id: CHANNEL,
        }),
      ),
    );

    const ack = await fake.sendEnvelope('slash_commands', payload);

    expect(ack.payload).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Diagnosing *api-service*'),
    });
    const parent = await waitFor(
      'the answer thread',
      async () =>
        fake
          .messages(CHANNEL)
          .find(
            (m) =>
              messageText(m).includes('`service.selector-mismatch`') &&
              messageText(m).includes('· details in the thread'),
          ),
      30_000,
    );
    expect(fake.thread(CHANNEL, parent.ts).length).toBeGreaterThan(1);
    // Nothing arrived over HTTP: the app never needed a public URL.
    expect((await fetch(`${app.url}/slack/events`, { method: 'POST' })).status).toBe(404);
  });
});
