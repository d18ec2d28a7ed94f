// The incident thread as an on-call engineer reads it, end to end on the real cluster: the
// channel message is the incident's living status (diagnosing, root cause found, fix awaiting
// approval, fixed and verified by whom, undone, resolved) with time to diagnose and to fix; the
// fix steps arrive in the order they happened; an alert thread carries its context (severity,
// runbook, dashboard, graph, silence, Diagnose again); resolving posts the incident summary;
// typos are answered privately only. Every Slack call passes the fake's Block Kit checks.
import { describe, expect, it } from 'vitest';
import {
  ALERT_CHANNEL,
  SIGNING_SECRET,
  messageText,
  postAlert,
  postCommand,
  useBotSuite,
  waitForIdle,
  zeroEndpointsAlert,
} from '../support/app.js';
import { endpointReadiness, waitFor } from '../support/cluster.js';
import type { RecordedCall, StoredMessage } from '../support/fake-slack.js';
import {
  FORM_CONTENT_TYPE,
  blockActionsBody,
  blockActionsPayload,
  postSigned,
} from '../support/slack-signing.js';

const CHANNEL = 'C0THREAD';
const TYPOS = 'C0TYPOS';
const APPROVER = 'U0APPROVER';
const suite = useBotSuite('thread', { mode: 'http', env: { KUBEMEDIC_APPROVERS: APPROVER } });

type Button = { action_id: string; value?: string; url?: string; text: { text: string } };
const buttonsOf = (m: { blocks?: unknown[] } | undefined): Button[] =>
  (m?.blocks ?? []).flatMap((b) => {
    const block = b as { type?: string; elements?: Button[] };
    return block.type === 'actions' ? (block.elements ?? []) : [];
  });

function click(actionId: string, value: string, messageTs: string, channel: string) {
  return postSigned(
    `${suite.app.url}/slack/events`,
    blockActionsBody(
      blockActionsPayload({ actionId, value, messageTs, channelId: channel, userId: APPROVER }),
    ),
    FORM_CONTENT_TYPE,
    SIGNING_SECRET,
  );
}

/** What the parent said, call by call: its status lines in the order Slack received them. */
function parentStatuses(calls: readonly RecordedCall[], parentTs: string): string[] {
  const statuses = calls
    .filter(
      (c) =>
        c.response.ok &&
        ((c.method === 'chat.postMessage' && c.response.ts === parentTs) ||
          (c.method === 'chat.update' && c.args.ts === parentTs)),
    )
    .map((c) => /\*Status:\* ([^\n]*)/.exec(messageText(c.args))?.[1] ?? '');
  return statuses.filter((s, i) => s && s !== statuses[i - 1]);
}

/** Index of the first message whose text matches, or -1. */
const at = (thread: StoredMessage[], re: RegExp) =>
  thread.findIndex((m) => re.test(messageText(m)));

async function threadWithCard(channel: string, parentTs?: string) {
  return waitFor(
    'a thread with a fix card',
    async () => {
      const parents = suite.fake.messages(channel).filter((p) => !parentTs || p.ts === parentTs);
      for (const p of parents) {
        const thread = suite.fake.thread(channel, p.ts);
        const card = thread.find((m) =>
          buttonsOf(m).some((b) => b.action_id === 'kubemedic_approve'),
        );
        if (card) return { parent: p, card, thread };
      }
      return undefined;
    },
    60_000,
  );
}

function slackCallsFailed(): RecordedCall[] {
  // A 429 the test asked for is Slack pacing us, not a refusal.
  return suite.fake.calls.filter(
    (c) => c.method.startsWith('chat.') && !c.response.ok && !c.rateLimited,
  );
}

describe('the incident thread', () => {
  it('moves the /diagnose parent from diagnosing to fixed and verified by the approver with time to fix, steps in order, then to undone', async () => {
    const { fake, ns } = suite;
    // The first step's reply is rate limited: later steps must still wait their turn.
    expect(
      (await postCommand(suite.app.url, `api-service -n ${ns}`, { channel_id: CHANNEL })).status,
    ).toBe(200);
    const { parent, card } = await threadWithCard(CHANNEL);
    const planId = buttonsOf(card).find((b) => b.action_id === 'kubemedic_approve')?.value ?? '';
    await waitFor('the parent to await approval', async () =>
      messageText(fake.messages(CHANNEL)[0] ?? {}).includes('fix awaiting approval'),
    );

    fake.rateLimitNext('chat.postMessage', 1, 1);
    expect((await click('kubemedic_approve', planId, card.ts, CHANNEL)).status).toBe(200);
    const fixed = await fake.waitForCall(
      'chat.update',
      (c) => c.args.ts === parent.ts && messageText(c.args).includes('Fixed and verified'),
      90_000,
    );
    const text = messageText(fixed.args);
    expect(text).toMatch(
      new RegExp(
        `Fixed and verified\\* by <@${APPROVER}> at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC`,
      ),
    );
    expect(text).toMatch(/time to diagnose \d+ (ms|s)/);
    expect(text).toMatch(/time to fix \d+ (ms|s|min)/);
    expect(text).not.toContain('awaiting approval');
    expect((await endpointReadiness(ns, 'api-service')).ready).toBeGreaterThan(0);

    const statuses = parentStatuses(fake.calls, parent.ts);
    expect(statuses[0]).toContain('Diagnosing');
    expect(statuses).toContainEqual(expect.stringContaining('Root cause found · fix awaiting'));
    expect(statuses.at(-1)).toContain('Fixed and verified');
    const order = ['Diagnosing', 'awaiting approval', 'Fixed and verified'].map((w) =>
      statuses.findIndex((s) => s.includes(w)),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));

    // Each step once, in the order it happened, though the first reply was held up by a 429.
    const steps = [
      /approved: /,
      /dry run of the fix passed/,
      /^Applied \(field manager/m,
      /^Verified:/m,
    ];
    const thread = await waitFor('every step of the fix in the thread', async () => {
      const t = fake.thread(CHANNEL, parent.ts);
      return steps.every((re) => at(t, re) > 0) ? t : undefined;
    });
    const positions = steps.map((re) => at(thread, re));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(thread.filter((m) => /approved: /.test(messageText(m)))).toHaveLength(1);

    // Undo: the parent says so, and the undo's steps are in order too.
    expect((await click('kubemedic_undo', planId, card.ts, CHANNEL)).status).toBe(200);
    await fake.waitForCall(
      'chat.update',
      (c) =>
        c.args.ts === parent.ts && messageText(c.args).includes(`Fix undone* by <@${APPROVER}>`),
      90_000,
    );
    const undoWords = [/asked to undo/, /dry run of the undo passed/, /^Undone:/m];
    const undone = await waitFor('every step of the undo in the thread', async () => {
      const t = fake.thread(CHANNEL, parent.ts);
      return undoWords.every((re) => at(t, re) > 0) ? t : undefined;
    });
    const undoSteps = undoWords.map((re) => at(undone, re));
    expect(undoSteps).toEqual([...undoSteps].sort((a, b) => a - b));
    expect(slackCallsFailed()).toEqual([]);
  });

  it('gives the alert thread its context, diagnoses again on request, and on resolve says who fixed it and posts the summary', async () => {
    const { fake, ns } = suite;
    // commonLabels without the name: the header takes it from the alerts.
    const alert = zeroEndpointsAlert(ns, 'firing', `{}/{namespace="${ns}"}:{thread}`);
    const labels = { service: 'api-service', namespace: ns, severity: 'critical' };
    const first = (alert.alerts as Record<string, unknown>[])[0] ?? {};
    Object.assign(alert, {
      groupLabels: { namespace: ns },
      commonLabels: labels,
      commonAnnotations: {
        summary: 'api-service has no ready endpoints',
        runbook_url: 'https://runbooks.example/ServiceZeroEndpoints',
        grafana: 'https://grafana.example/d/api?var-ns=prod&from=now-1h',
        dashboard: 'javascript:alert(1)',
      },
      alerts: [
        {
          ...first,
          labels: { ...labels, alertname: 'ServiceZeroEndpoints' },
          startsAt: new Date(Date.now() - 120_000).toISOString(),
          generatorURL: 'http://prometheus.example:9090/graph?g0.expr=kube_endpoint_address',
        },
      ],
    });
    expect((await postAlert(suite.app.url, alert)).status).toBe(200);
    const { parent, card } = await threadWithCard(ALERT_CHANNEL);
    const head = fake.messages(ALERT_CHANNEL).find((m) => m.ts === parent.ts) ?? parent;
    expect(messageText(head)).toContain(
      '*ServiceZeroEndpoints* firing · 1 alert · severity *critical*',
    );
    const links = Object.fromEntries(buttonsOf(head).map((b) => [b.text.text, b.url ?? b.value]));
    expect(links).toEqual({
      Runbook: 'https://runbooks.example/ServiceZeroEndpoints',
      Dashboard: 'https://grafana.example/d/api?var-ns=prod&from=now-1h',
      'Prometheus graph': 'http://prometheus.example:9090/graph?g0.expr=kube_endpoint_address',
      Silence: `http://alertmanager.example:9093/#/silences/new?filter=${encodeURIComponent(`{namespace="${ns}"}`)}`,
      'Diagnose again': expect.any(String),
    });

    // A link button opens in the browser; Slack still sends the click, which is acked.
    expect(
      (await click('kubemedic_link_runbook', 'Runbook', parent.ts, ALERT_CHANNEL)).status,
    ).toBe(200);
    // Diagnose again: a fresh diagnosis answered in the same thread, a fresh card with it.
    const cards = () =>
      fake
        .thread(ALERT_CHANNEL, parent.ts)
        .filter((m) => buttonsOf(m).some((b) => b.action_id.startsWith('kubemedic_approve')));
    expect(cards()).toHaveLength(1);
    expect(
      (await click('kubemedic_rediagnose', links['Diagnose again'] ?? '', parent.ts, ALERT_CHANNEL))
        .status,
    ).toBe(200);
    await fake.waitForMessage(
      ALERT_CHANNEL,
      (m) =>
        m.thread_ts === parent.ts &&
        messageText(m).includes(`<@${APPROVER}> asked to diagnose again`),
      30_000,
    );
    await waitFor('a second card in the thread', async () => cards().length === 2, 60_000);
    expect(fake.messages(ALERT_CHANNEL)).toHaveLength(1);

    const planId = buttonsOf(card).find((b) => b.action_id === 'kubemedic_approve')?.value ?? '';
    expect((await click('kubemedic_approve', planId, card.ts, ALERT_CHANNEL)).status).toBe(200);
    await fake.waitForCall(
      'chat.update',
      (c) => c.args.ts === parent.ts && messageText(c.args).includes('Fixed and verified'),
      90_000,
    );

    const resolved = zeroEndpointsAlert(ns, 'resolved', `{}/{namespace="${ns}"}:{thread}`);
    expect((await postAlert(suite.app.url, resolved)).status).toBe(200);
    const last = await fake.waitForCall(
      'chat.update',
      (c) => c.args.ts === parent.ts && messageText(c.args).includes('*Resolved*'),
      30_000,
    );
    expect(messageText(last.args)).toContain(`fixed and verified by <@${APPROVER}>`);
    const summary = await fake.waitForMessage(
      ALERT_CHANNEL,
      (m) => m.thread_ts === parent.ts && messageText(m).includes('Incident summary'),
      30_000,
    );
    const words = messageText(summary);
    expect(words).toContain('*Incident summary: ServiceZeroEndpoints*');
    expect(words).toMatch(/\*Time to first diagnosis\* \d+/);
    expect(words).toMatch(/\*time to fix\* \d+/);
    expect(words).toContain('`service.selector-mismatch`');
    expect(words).toContain(`approved by <@${APPROVER}>`);
    expect(words).toMatch(
      /\*Timeline\*\n```[^`]*ServiceZeroEndpoints started firing[^`]*verified by/,
    );
    expect(words).toContain(`kubemedic incident export ${parent.ts}`);

    // Quiet: Alertmanager's group key never reaches Slack; nothing Slack refused.
    const sent = fake.calls.map((c) => JSON.stringify(c.args)).join('\n');
    expect(sent).not.toContain(':{thread}');
    expect(slackCallsFailed()).toEqual([]);
  });

  it('answers typos in /diagnose privately with the nearest names and posts nothing in the channel', async () => {
    const { fake, ns } = suite;
    const typos = [`api-servic -n ${ns}`, `api-service -n ${ns}x`, `deploy/api-servic -n ${ns}`];
    for (const [i, text] of typos.entries())
      expect(
        (await postCommand(suite.app.url, text, { channel_id: TYPOS, user_id: `U0TYPO${i}` }))
          .status,
      ).toBe(200);
    const answers = await Promise.all(
      typos.map((_, i) =>
        fake.waitForCall('chat.postEphemeral', (c) => c.args.user === `U0TYPO${i}`, 30_000),
      ),
    );
    expect(messageText(answers[0]?.args ?? {})).toMatch(
      /Service api-servic does not exist in namespace .*Nearest names: api-service/s,
    );
    expect(messageText(answers[1]?.args ?? {})).toMatch(/does not exist/);
    expect(messageText(answers[2]?.args ?? {})).toMatch(
      /Deployment api-servic does not exist.*Nearest names: api\b/s,
    );
    await waitForIdle(suite.prefix);
    expect(fake.messages(TYPOS)).toEqual([]);
    expect(
      fake.calls.filter(
        (c) =>
          c.args.channel === TYPOS &&
          (c.method === 'chat.postMessage' || c.method === 'chat.update'),
      ),
    ).toEqual([]);
  });
});
