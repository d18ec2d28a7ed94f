// Secrets and Slack control sequences planted in the cluster and in an alert never leave the bot:
// every call the fake Slack receives and every audit entry is checked after a /diagnose, an
// approved rollout-undo (its dry-run diff) and an alert, while the bot's own approver mention
// still renders as a mention.
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/remediation/audit.js';
import {
  ALERT_CHANNEL,
  SIGNING_SECRET,
  messageText,
  postAlert,
  postCommand,
  useBotSuite,
  zeroEndpointsAlert,
} from '../support/app.js';
import { kubectl, waitFor } from '../support/cluster.js';
import type { StoredMessage } from '../support/fake-slack.js';
import { ALL_HOSTILE, CONTROL, SECRETS, leaks, stringsOf } from '../support/hostile.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';

const CHANNEL = 'C0HOSTILE';
const APPROVER = 'U0APPROVER';
// Literal env values that match no secret pattern: only the env rule can hide them.
const ENV_OLD = 'plain-env-value-old-41';
const ENV_NEW = 'plain-env-value-new-42';

const suite = useBotSuite('hostile', { mode: 'http', env: { KUBEMEDIC_APPROVERS: APPROVER } });

type Actions = { type: 'actions'; elements: { action_id: string; value: string }[] };
const actionsOf = (m: { blocks?: unknown[] } | undefined) =>
  (m?.blocks ?? []).find((b): b is Actions => (b as { type?: string }).type === 'actions');

describe('what leaves the bot', () => {
  it('holds no planted secret, env value or unescaped control sequence; the approver mention renders', async () => {
    const { fake, ns } = suite;
    // The seed's selector mismatch fixed by hand, so the pods below are the Service's backends.
    await kubectl([
      'patch',
      'service',
      'api-service',
      '-n',
      ns,
      '-p',
      JSON.stringify({ spec: { selector: { app: 'api-service' } } }),
    ]);
    // Two revisions whose env differs (one value a quoted password with spaces), an annotation
    // and an event full of secrets and control sequences.
    await kubectl([
      'set',
      'env',
      'deployment/api',
      '-n',
      ns,
      `DB_PASSWORD=${ENV_OLD}`,
      'DB_URL=postgres://app:pg-pass-123@db:5432/app',
    ]);
    await kubectl(['rollout', 'status', 'deployment/api', '-n', ns, '--timeout=60s']);
    // The new revision crash-loops (KWOK's crashloop stage), so rollout-undo is offered.
    await kubectl([
      'patch',
      'deployment/api',
      '-n',
      ns,
      '--type=strategic',
      '-p',
      JSON.stringify({
        spec: {
          template: {
            metadata: { labels: { 'kubemedic.test/stage': 'crashloop' } },
            spec: {
              containers: [
                {
                  name: 'app',
                  env: [
                    { name: 'DB_PASSWORD', value: ENV_NEW },
                    { name: 'SESSION_SECRET', value: 'password="correct horse battery"' },
                  ],
                },
              ],
            },
          },
        },
      }),
    ]);
    await kubectl(['annotate', 'deployment/api', '-n', ns, `note=${ALL_HOSTILE}`]);
    const pod = (
      await kubectl(['get', 'pods', '-n', ns, '-o', 'jsonpath={.items[0].metadata.name}'])
    ).trim();
    await kubectl(
      ['create', '-n', ns, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${pod}.hostile`, namespace: ns },
        involvedObject: { kind: 'Pod', name: pod, namespace: ns },
        reason: 'BackOff',
        type: 'Warning',
        message: `Back-off: ${ALL_HOSTILE}`,
        firstTimestamp: new Date().toISOString(),
        lastTimestamp: new Date().toISOString(),
        count: 3,
      }),
    );

    expect(
      (await postCommand(suite.app.url, `api-service -n ${ns}`, { channel_id: CHANNEL })).status,
    ).toBe(200);
    const undoCard = await waitFor(
      'the rollout-undo card',
      async () =>
        fake
          .messages(CHANNEL)
          .flatMap((p) => fake.thread(CHANNEL, p.ts))
          .find(
            (m: StoredMessage) =>
              actionsOf(m) !== undefined && JSON.stringify(m.blocks).includes('rollout-undo'),
          ),
      60_000,
    );
    const planId = actionsOf(undoCard)?.elements[0]?.value ?? '';
    const res = await postSigned(
      `${suite.app.url}/slack/events`,
      blockActionsBody(
        blockActionsPayload({
          actionId: 'kubemedic_approve',
          value: planId,
          messageTs: undoCard.ts,
          channelId: CHANNEL,
          userId: APPROVER,
        }),
      ),
      FORM_CONTENT_TYPE,
      SIGNING_SECRET,
    );
    expect(res.status).toBe(200);
    await fake.waitForCall(
      'chat.postMessage',
      (c) => String(c.args.text ?? '').includes('Server-side dry run'),
      60_000,
    );
    await fake.waitForCall(
      'chat.update',
      (c) => JSON.stringify(c.args).includes(`approved by <@${APPROVER}>`),
      90_000,
    );

    // An alert whose every field is hostile, timestamps included.
    const alert = zeroEndpointsAlert(ns, 'firing', `{}/{x="${ns}"}:hostile`);
    const hostileLabels = {
      alertname: `Boom ${CONTROL.join(' ')}`,
      service: 'api-service',
      namespace: ns,
    };
    Object.assign(alert, {
      commonLabels: hostileLabels,
      commonAnnotations: { summary: ALL_HOSTILE },
    });
    (alert.alerts as Record<string, unknown>[])[0] = {
      ...(alert.alerts as Record<string, unknown>[])[0],
      labels: hostileLabels,
      annotations: { summary: ALL_HOSTILE, description: ALL_HOSTILE },
      startsAt: '<!channel> password="correct horse battery"',
      endsAt: '<https://evil.example|click here>',
    };
    expect((await postAlert(suite.app.url, alert)).status).toBeLessThan(300);
    await waitFor('the alert thread', async () => fake.messages(ALERT_CHANNEL).length > 0, 60_000);
    // Resolved, with the same hostile fields and links: the summary and the links go out too.
    Object.assign(alert, {
      status: 'resolved',
      commonAnnotations: {
        summary: ALL_HOSTILE,
        runbook_url: `https://evil.example/<!channel>|click`,
        dashboard: 'https://grafana.example/?api_key=xoxb-1234567890-abcdefghij',
      },
    });
    expect((await postAlert(suite.app.url, alert)).status).toBeLessThan(300);
    await fake.waitForMessage(
      ALERT_CHANNEL,
      (m) => messageText(m).includes('Incident summary'),
      60_000,
    );

    const slackText = fake.calls.map((c) => stringsOf(c.args).join('\n')).join('\n');
    // Per call, so a failure names the Slack method and the text that leaked.
    const leaking = fake.calls
      .map((c) => ({ method: c.method, leaks: leaks(stringsOf(c.args).join('\n')), args: c.args }))
      .filter((c) => c.leaks.length > 0);
    expect(leaking).toEqual([]);
    for (const v of [ENV_OLD, ENV_NEW]) expect(slackText).not.toContain(v);
    expect(slackText).toContain(`<@${APPROVER}>`);
    expect(slackText).not.toContain(`&lt;@${APPROVER}&gt;`);

    const audit = await new AuditLog(suite.redis, suite.prefix).recent(200);
    expect(audit.some((e) => e.step === 'dry-run')).toBe(true);
    const auditText = stringsOf(audit).join('\n');
    // The audit stream is data, not Slack: control sequences may stay verbatim there (its echo in
    // Slack goes through the renderer and is checked above); secrets may not.
    expect(leaks(auditText).filter((l) => !l.startsWith('control:'))).toEqual([]);
    for (const s of SECRETS) for (const x of s.secret) expect(auditText).not.toContain(x);
    for (const v of [ENV_OLD, ENV_NEW]) expect(auditText).not.toContain(v);
  });
});
