// The incident picture as an on-call engineer gets it: /diagnose on the seed incident uploads a
// PNG into the thread through Slack's external upload flow (served and checked by the fake), and
// approving the fix uploads it again with the fix marked and the endpoints back.
import { describe, expect, it } from 'vitest';
import { PICTURE_COLOURS } from '../../src/picture/incident.js';
import { SIGNING_SECRET, messageText, postCommand, useBotSuite } from '../support/app.js';
import { waitFor } from '../support/cluster.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { colours, decodePng, inPlot } from '../support/png.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';

const CHANNEL = 'C0PICTURE';
const APPROVER = 'U0APPROVER';
const suite = useBotSuite('picture', { mode: 'http', env: { KUBEMEDIC_APPROVERS: APPROVER } });

type Actions = { type: 'actions'; elements: { action_id: string; value: string }[] };
const actionsOf = (m: { blocks?: unknown[] } | undefined) =>
  (m?.blocks ?? []).find((b): b is Actions => (b as { type?: string }).type === 'actions');

describe('the incident picture in the thread', () => {
  it('is uploaded after /diagnose on the seed incident: no ready endpoint of 2 desired, revision 1', async () => {
    const { fake, ns } = suite;
    expect(
      (await postCommand(suite.app.url, `api-service -n ${ns}`, { channel_id: CHANNEL })).status,
    ).toBe(200);
    const file = await waitFor('the incident picture', async () => fake.files[0], 30_000);
    const parent = fake.messages(CHANNEL).find((m) => messageText(m).includes(ns));

    // Shared in the diagnosis thread, after the answer, as an image with words for screen readers.
    expect(file.channel).toBe(CHANNEL);
    expect(file.threadTs).toBe(parent?.ts);
    expect(file.filename).toBe('incident-api-service.png');
    expect(file.title).toBe(`Incident picture: api-service in ${ns}: unhealthy`);
    expect(file.altText).toContain('Ready endpoints: 0 of 2 desired.');
    expect(file.altText).toMatch(/Revisions: api rev 1 at \d\d:\d\d UTC/);
    const thread = fake.thread(CHANNEL, parent?.ts ?? '');
    const shared = thread.findIndex((m) => m.files?.[0]?.id === file.id);
    const card = thread.findIndex(
      (m) => actionsOf(m)?.elements[0]?.action_id === 'kubemedic_approve',
    );
    expect(shared).toBeGreaterThan(card);
    expect(card).toBeGreaterThan(0);

    // The upload announced the bytes it sent.
    const asked = fake
      .callsTo('files.getUploadURLExternal')
      .find((c) => c.response.file_id === file.id);
    expect(Number(asked?.args.length)).toBe(file.bytes.length);

    const png = decodePng(file.bytes);
    expect(png.width).toBe(960);
    expect(png.height).toBeGreaterThan(300);
    expect(colours(png)).toBeGreaterThan(5);
    expect(inPlot(png, PICTURE_COLOURS.ready)).toBeGreaterThan(0);
    expect(inPlot(png, PICTURE_COLOURS.revision)).toBeGreaterThan(50);
    expect(inPlot(png, PICTURE_COLOURS.fix)).toBe(0);
  });

  it('is uploaded again once the approved fix is verified, with the fix marked and 2 ready endpoints', async () => {
    const { fake } = suite;
    const card = await waitFor(
      'the remediation card',
      async () =>
        fake
          .messages(CHANNEL)
          .flatMap((p) => fake.thread(CHANNEL, p.ts))
          .find((m: StoredMessage) => actionsOf(m)?.elements[0]?.action_id === 'kubemedic_approve'),
      30_000,
    );
    const planId = actionsOf(card)?.elements[0]?.value ?? '';
    const res = await postSigned(
      `${suite.app.url}/slack/events`,
      blockActionsBody(
        blockActionsPayload({
          actionId: 'kubemedic_approve',
          value: planId,
          messageTs: card.ts,
          channelId: CHANNEL,
          userId: APPROVER,
        }),
      ),
      FORM_CONTENT_TYPE,
      SIGNING_SECRET,
    );
    expect(res.status).toBe(200);

    const redrawn = await waitFor('the picture drawn again', async () => fake.files[1], 90_000);
    expect(redrawn.threadTs).toBe(fake.files[0]?.threadTs);
    expect(redrawn.title).toBe(`Incident picture: api-service in ${suite.ns}: fix applied`);
    expect(redrawn.altText).toContain('Ready endpoints: 2 of 2 desired.');
    expect(redrawn.altText).toMatch(/Fix patch-service-selector by U0APPROVER at \d\d:\d\d UTC\./);
    const png = decodePng(redrawn.bytes);
    expect(inPlot(png, PICTURE_COLOURS.fix)).toBeGreaterThan(100);
    // Every upload was completed: none left half-done.
    expect(fake.unfinishedUploads).toEqual([]);
  });
});
