// Block Kit rendering kept within Slack's limits, checked with the fake Slack's own validator:
// a huge report (many findings, long evidence full of &, < and >), the parent, and plan cards
// in every state.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotFromFiles } from '../../src/cluster/from-file.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { evidence } from '../../src/diagnosis/model/evidence.js';
import type { Finding, Layer, Report } from '../../src/diagnosis/types.js';
import type { PlanRecord, PlanState } from '../../src/remediation/plan-store.js';
import type { FixState } from '../../src/slack/thread-state.js';
import type { RemediationPlan } from '../../src/diagnosis/fixes/types.js';
import { parseClick } from '../../src/slack/actions/remediation.js';
import { renderParent } from '../../src/slack/blocks/parent.js';
import { renderFullCommand, renderPlanCard } from '../../src/slack/blocks/plan-card.js';
import { blocksToPlainText } from '../../src/slack/blocks/plain.js';
import { MAX_CARDS, renderReportThread } from '../../src/slack/blocks/report.js';
import { LIMITS, codeBlock, trustedMrkdwn } from '../../src/slack/blocks/text.js';
import { UsageError, parseDiagnoseText } from '../../src/slack/commands/diagnose.js';
import { TargetError } from '../../src/diagnosis/target.js';
import { blockErrors } from '../support/fake-slack.js';
import { blockActionsPayload } from '../support/slack-signing.js';

const plan = (i: number): RemediationPlan => ({
  id: 'patch-service-selector',
  title: `Set the selector of Service svc-${i} to app=api-${i}`,
  risk: i % 2 ? 'low' : 'medium',
  object: { kind: 'Service', apiVersion: 'v1', namespace: 'prod', name: `svc-${i}` },
  mutation: {
    type: 'json-patch',
    ops: [{ op: 'replace', path: '/spec/selector', value: { app: `api-${i}` } }],
  },
  kubectl: `kubectl patch service svc-${i} -n prod --type=json -p '[...]'`,
  kubectlArgv: [
    'kubectl',
    'patch',
    'service',
    `svc-${i}`,
    '-n',
    'prod',
    '--type=json',
    '-p',
    '[...]',
  ],
  expectedEffect: 'the Service gets endpoints',
  precondition: `the selector is still app=api-svc-${i}`,
  inverse: {
    type: 'json-patch',
    ops: [{ op: 'replace', path: '/spec/selector', value: { app: 'x' } }],
  },
  verify: { waitFor: 'endpoints-ready', checks: ['service.selector-mismatch'] },
});

const noisy = (n: number) =>
  Array.from({ length: n }, (_, i) => `line ${i} <tag> & "quoted" ${'x'.repeat(60)} > ok`).join(
    '\n',
  );

function hugeReport(): Report {
  const layers: Layer[] = ['service', 'pod', 'workload'];
  const findings: Finding[] = Array.from({ length: 120 }, (_, i) => ({
    check: 'service.selector-mismatch',
    layer: layers[i % 3] as Layer,
    severity: i % 5 ? 'warning' : 'critical',
    title: `Finding ${i}: ${'a very long title & more <stuff> '.repeat(40)}`,
    detail: 'detail & <b>not bold</b> '.repeat(300),
    evidence: Array.from({ length: 6 }, (_, e) =>
      evidence(
        [
          'get',
          'pods',
          '-n',
          'prod',
          '-l',
          `app=api-${i}-${e}`,
          ...Array<string>(200).fill('--flag'),
        ],
        noisy(400),
      ),
    ),
    objects: Array.from({ length: 12 }, (_, o) => ({
      kind: 'Pod',
      namespace: 'prod',
      name: `p-${o}`,
    })),
    remediations: [plan(i)],
  }));
  return {
    target: { kind: 'Namespace', name: 'prod', namespace: 'prod', cluster: 'test' },
    verdict: 'unhealthy',
    rootCause: 'service.selector-mismatch',
    summary: 'prod is unhealthy: '.repeat(500),
    findings,
    skipped: Array.from({ length: 30 }, (_, i) => ({
      check: 'netpol.ingress-blocked',
      reason: `forbidden ${i} `.repeat(40),
    })),
    timeline: Array.from({ length: 40 }, (_, i) => ({
      at: '2026-01-01T14:02:00.000Z',
      what: `event ${i} <x> `.repeat(30),
    })),
    durationMs: 12,
    apiRequests: 3,
    apiRounds: 2,
  };
}

describe('report thread rendering', () => {
  it('keeps every message of a huge report within Slack limits and says what was left out', () => {
    const items = renderReportThread(hugeReport());
    const messages = items.flatMap((i) => (i.kind === 'message' ? [i.message] : []));
    expect(messages).toHaveLength(4); // three layers and the notes
    for (const m of messages) {
      expect(blockErrors(m.blocks)).toEqual([]);
      expect(m.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    }
    const all = messages.map((m) => JSON.stringify(m.blocks)).join('');
    expect(all).toContain('more characters not shown: run the command to see all');
    expect(all).toMatch(/more findings in this layer not shown/);
    expect(all).toContain('2 more pieces of evidence not shown');
    expect(all).not.toMatch(/<tag>|<b>/);
    expect(items.filter((i) => i.kind === 'card')).toHaveLength(MAX_CARDS);
    expect(JSON.stringify(messages.at(-1))).toContain('110 more fixes are not offered here');
  });

  it('cuts a long code block at a line and keeps the fence closed', () => {
    const text = codeBlock('kubectl logs api', noisy(200), 1000);
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(text).toMatch(/^```\$ kubectl logs api\n/);
    expect(text).toMatch(/ok```\n_… \d+ more characters not shown/);
    expect(text).toContain('&lt;tag&gt; &amp;');
  });

  it('renders the parent for a command and an alert within limits, in plain text for the console', () => {
    const target = {
      kind: 'Service' as const,
      name: 'api-service',
      namespace: 'prod',
      cluster: 'c',
    };
    const summary = {
      key: 'k',
      target,
      stage: 'posted' as const,
      verdict: 'unhealthy' as const,
      rootCause: 'service.selector-mismatch',
      headline: 'Service api-service selects no pods: app: api-svc vs api-service',
      findings: 1,
      plans: 1,
      durationMs: 300,
      apiRequests: 18,
    };
    const cmd = renderParent({ kind: 'command', requestedBy: ['U1'], targets: [summary] });
    expect(blockErrors(cmd.blocks)).toEqual([]);
    expect(cmd.text).toBe(
      'Root cause found · fix awaiting approval — api-service in prod is unhealthy — root cause service.selector-mismatch: Service api-service selects no pods: app: api-svc vs api-service',
    );
    expect(blocksToPlainText(cmd.blocks)).toContain('✖ UNHEALTHY `api-service` in `prod`');
    const alert = renderParent({
      kind: 'alert',
      requestedBy: [],
      alert: {
        alertname: 'ServiceZeroEndpoints',
        status: 'resolved',
        firing: 0,
        groupKey: '{}:{alertname="ServiceZeroEndpoints"}'.repeat(20),
        notifications: 3,
        summary: 's'.repeat(5000),
        endsAt: '2026-01-01T14:30:00Z',
      },
      targets: Array.from({ length: 30 }, (_, i) => ({ ...summary, key: `k${i}` })),
    });
    expect(blockErrors(alert.blocks)).toEqual([]);
    expect(JSON.stringify(alert.blocks)).toContain(
      'ServiceZeroEndpoints* resolved at 2026-01-01 14:30:00 UTC',
    );
    expect(JSON.stringify(alert.blocks)).toContain('and 20 more targets');
    // The group key is Alertmanager's plumbing, not something a person reads.
    expect(JSON.stringify(alert)).not.toContain('alertname=');
  });
});

describe("the parent as the incident's living status", () => {
  const target = { kind: 'Service' as const, name: 'api-service', namespace: 'prod', cluster: 'c' };
  const posted = {
    key: 'k',
    target,
    stage: 'posted' as const,
    verdict: 'unhealthy' as const,
    rootCause: 'service.selector-mismatch',
    headline: 'Service api-service selects no pods',
    findings: 1,
    plans: 1,
    diagnosedAt: '2026-01-01T14:02:04Z',
  };
  const base = { kind: 'command' as const, requestedBy: ['U1'], openedAt: '2026-01-01T14:02:00Z' };
  const fix = (stage: FixState['stage'], at: string, by = ['U0APPROVER']): FixState => ({
    planId: 'AbCdEfGhIjKlMnOp',
    title: 'Set the selector',
    stage,
    by,
    at,
  });
  const shown = (state: Parameters<typeof renderParent>[0]) => {
    const m = renderParent(state);
    expect(blockErrors(m.blocks)).toEqual([]);
    return blocksToPlainText(m.blocks);
  };

  it('moves from diagnosing to root cause found, fix awaiting approval, fixed and verified by whom, with time to diagnose and to fix', () => {
    expect(shown({ ...base, targets: [{ key: 'k', target, stage: 'diagnosing' }] })).toContain(
      'Status: 🔎 Diagnosing…',
    );
    const awaiting = shown({ ...base, targets: [posted] });
    expect(awaiting).toContain('Root cause found · fix awaiting approval');
    expect(awaiting).toContain('time to diagnose 4 s');
    expect(awaiting).not.toContain('time to fix');
    expect(shown({ ...base, targets: [{ ...posted, plans: 0 }] })).toContain('Root cause found');
    expect(
      shown({ ...base, targets: [posted], fixes: [fix('applied', '2026-01-01T14:03:00Z')] }),
    ).toContain('Fix being applied (approved by @U0APPROVER');
    const fixed = shown({
      ...base,
      targets: [posted],
      fixes: [fix('verified', '2026-01-01T14:03:12Z')],
    });
    expect(fixed).toContain('Fixed and verified by @U0APPROVER at 2026-01-01 14:03:12 UTC');
    expect(fixed).toContain('time to diagnose 4 s · time to fix 1 min 12 s');
    expect(fixed).not.toMatch(/awaiting approval/);
    expect(
      shown({
        ...base,
        targets: [posted],
        fixes: [fix('undone', '2026-01-01T14:04:00Z', ['U0BOB'])],
      }),
    ).toContain('Fix undone by @U0BOB');
  });

  it('says an alert fires, then that it resolved and who fixed it', () => {
    const alert = {
      alertname: 'ServiceZeroEndpoints',
      status: 'firing' as const,
      firing: 1,
      groupKey: 'g',
      notifications: 1,
      severity: 'critical',
    };
    const firing = shown({ kind: 'alert', requestedBy: [], alert, targets: [] });
    expect(firing).toContain('ServiceZeroEndpoints firing · 1 alert · severity critical');
    expect(firing).toContain('Status: 🔥 Firing');
    const resolved = shown({
      kind: 'alert',
      requestedBy: [],
      alert: { ...alert, status: 'resolved', endsAt: '2026-01-01T14:10:00Z' },
      targets: [posted],
      openedAt: base.openedAt,
      fixes: [fix('verified', '2026-01-01T14:03:12Z')],
    });
    expect(resolved).toContain(
      'Resolved at 2026-01-01 14:10:00 UTC · fixed and verified by @U0APPROVER',
    );
    expect(resolved).toContain('time to fix 1 min 12 s');
  });

  it("carries the alert's links as buttons (only http/https) and Diagnose again naming the thread", () => {
    const m = renderParent(
      {
        kind: 'alert',
        requestedBy: [],
        targets: [posted],
        alert: {
          alertname: 'X',
          status: 'firing',
          firing: 1,
          groupKey: 'g',
          notifications: 1,
          links: {
            runbook: 'https://runbooks.example/x',
            silence: 'http://am:9093/#/silences/new',
          },
        },
      },
      'a.conv1',
    );
    expect(blockErrors(m.blocks)).toEqual([]);
    const actions = m.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(
      actions.map((e) => (e.type === 'button' ? [e.text.text, e.url ?? e.value] : [])),
    ).toEqual([
      ['Runbook', 'https://runbooks.example/x'],
      ['Silence', 'http://am:9093/#/silences/new'],
      ['Diagnose again', 'a.conv1'],
    ]);
  });
});

describe('quiet notes', () => {
  const skipped = [
    {
      check: 'mesh.virtualservice-host',
      reason: 'virtualServices: networking.istio.io is not served (Istio is not installed)',
    },
    {
      check: 'pod.cpu-starved',
      reason: 'podMetrics: /apis/metrics.k8s.io/v1beta1/pods is not served by this cluster',
    },
    { check: 'netpol.ingress-blocked', reason: 'networkPolicies: forbidden' },
  ] as Report['skipped'];
  const notes = (over: Partial<Report>) => {
    const report = { ...hugeReport(), findings: [], skipped, ...over };
    return JSON.stringify(renderReportThread(report).at(-1));
  };

  it('names skipped checks only when they could have mattered: a failed read always, an absent component only when nothing explains the failure', () => {
    const explained = notes({ rootCause: 'service.selector-mismatch', verdict: 'unhealthy' });
    expect(explained).toContain('netpol.ingress-blocked');
    expect(explained).not.toContain('Istio');
    expect(explained).not.toContain('metrics.k8s.io');
    const unexplained = notes({ rootCause: null, verdict: 'unhealthy' });
    expect(unexplained).toContain('Istio is not installed');
    expect(unexplained).toContain('metrics.k8s.io');
    expect(
      notes({ rootCause: null, verdict: 'healthy', skipped: skipped.slice(0, 2) }),
    ).not.toContain('Checks skipped');
  });
});

describe('plan cards', () => {
  const record = (state: PlanState, over: Partial<PlanRecord> = {}): PlanRecord => ({
    id: 'AbCdEfGhIjKlMnOp',
    plan: plan(1),
    target: { kind: 'Service', name: 'svc-1', namespace: 'prod', cluster: 'c' },
    createdAt: '2026-01-01T14:00:00Z',
    expiresAt: '2026-01-01T15:00:00Z',
    state,
    approvals: [],
    decidedBy: state === 'pending' ? undefined : 'U0BOB',
    decidedAt: '2026-01-01T14:05:00Z',
    ...over,
  });
  const buttons = (r: PlanRecord) =>
    renderPlanCard(r).blocks.flatMap((b) =>
      b.type === 'actions'
        ? b.elements.map((e) => (e.type === 'button' ? [e.action_id, e.value] : []))
        : [],
    );

  it('offers Approve / Reject while pending, Undo once applied when it can be undone, nothing otherwise', () => {
    const id = 'AbCdEfGhIjKlMnOp';
    expect(buttons(record('pending'))).toEqual([
      ['kubemedic_approve', id],
      ['kubemedic_reject', id],
    ]);
    expect(buttons(record('applied'))).toEqual([['kubemedic_undo', id]]);
    expect(buttons(record('applied', { plan: { ...plan(1), inverse: undefined } }))).toEqual([]);
    for (const state of ['applying', 'rejected', 'failed', 'undoing', 'undone'] as const)
      expect(buttons(record(state))).toEqual([]);
  });

  it('says who did what, and stays within limits with a long diff', () => {
    const applied = renderPlanCard(
      record('applied', { applied: { at: 'x', by: 'U0BOB', diff: noisy(500), verified: true } }),
      trustedMrkdwn('Endpoints are back: 2 ready'),
    );
    expect(blockErrors(applied.blocks)).toEqual([]);
    const text = JSON.stringify(applied.blocks);
    expect(text).toContain('Applied by <@U0BOB> at 2026-01-01 14:05:00 UTC');
    expect(text).toContain('Endpoints are back: 2 ready');
    expect(JSON.stringify(renderPlanCard(record('rejected')).blocks)).toContain(
      'Rejected by <@U0BOB>',
    );
    expect(
      JSON.stringify(renderPlanCard(record('failed', { note: 'precondition failed' })).blocks),
    ).toContain('Failed: precondition failed');
  });

  it('keeps the Approve confirmation within its 300 characters however long the fix title', () => {
    const long = { ...plan(2), title: `Restart ${'&<x>'.repeat(500)}`, risk: 'medium' as const };
    const card = renderPlanCard(record('pending', { plan: long }));
    expect(blockErrors(card.blocks)).toEqual([]);
    expect(JSON.stringify(card.blocks)).toContain('Apply this fix?');
  });
});

describe('a report with no findings', () => {
  const empty = (verdict: Report['verdict'], summary: string): Report => ({
    target: { kind: 'Service', name: 'api', namespace: 'prod', cluster: 'c' },
    verdict,
    rootCause: null,
    summary,
    findings: [],
    skipped: [],
    timeline: [],
    durationMs: 1,
    apiRequests: 1,
    apiRounds: 1,
  });
  const firstLine = (r: Report) => {
    const [item] = renderReportThread(r);
    return item?.kind === 'message' ? blocksToPlainText(item.message.blocks ?? []) : '';
  };

  it('gets a green tick only when healthy: undecided is a question, partly read a warning', () => {
    expect(firstLine(empty('healthy', 'api in prod is healthy'))).toBe('✔ api in prod is healthy');
    expect(firstLine(empty('unknown', 'api in prod: could not read enough of the cluster'))).toBe(
      '? api in prod: could not read enough of the cluster',
    );
    expect(firstLine(empty('degraded', 'api in prod: some reads failed'))).toBe(
      '▲ api in prod: some reads failed',
    );
  });
});

describe('a fix whose kubectl command embeds a whole container spec', () => {
  // add-startup-probe pins the whole container: its command runs to about 900 characters.
  const startupProbePlan = async (): Promise<RemediationPlan> => {
    const snapshot = await snapshotFromFiles([
      join(import.meta.dirname, '..', 'scenarios', 'hpa-maxed', 'dump.json'),
    ]);
    const report = diagnose(snapshot, { kind: 'Service', name: 'search-api', cluster: 'c' });
    const p = report.findings
      .flatMap((f) => f.remediations)
      .find((x) => x.id === 'add-startup-probe');
    if (!p) throw new Error('no add-startup-probe plan');
    return p;
  };
  const card = (p: RemediationPlan, state: PlanState = 'pending'): PlanRecord => ({
    id: 'AbCdEfGhIjKlMnOp',
    plan: p,
    target: { kind: 'Service', name: 'search-api', namespace: 'prod', cluster: 'c' },
    createdAt: '2026-01-01T14:00:00Z',
    expiresAt: '2026-01-01T15:00:00Z',
    state,
    approvals: [],
  });
  // The code blocks' text as Slack shows it (mrkdwn escapes &, < and >).
  const codeOf = (blocks: unknown[]) =>
    blocks
      .map((b) => (b as { text?: { text?: string } }).text?.text ?? '')
      .flatMap((t) => [...t.matchAll(/```([\s\S]*?)```/g)].map((m) => m[1] ?? ''))
      .map((t) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));

  it('shows only the fields it changes, with Show full command beside Approve and Reject', async () => {
    const p = await startupProbePlan();
    expect(p.kubectl.length).toBeGreaterThan(800);
    const m = renderPlanCard(card(p));
    expect(blockErrors(m.blocks)).toEqual([]);
    const text = blocksToPlainText(m.blocks);
    expect(text).not.toContain('kubectl patch');
    expect(text).not.toContain('registry.example/search-api:4.2.0');
    const [diff] = codeOf(m.blocks);
    expect(diff?.split('\n')).toEqual([
      `Deployment ${p.object.namespace}/search-api`,
      '+ spec.template.spec.containers[0].startupProbe.failureThreshold: 30',
      '+ spec.template.spec.containers[0].startupProbe.httpGet.path: "/ready"',
      '+ spec.template.spec.containers[0].startupProbe.httpGet.port: "http"',
      '+ spec.template.spec.containers[0].startupProbe.httpGet.scheme: "HTTP"',
      '+ spec.template.spec.containers[0].startupProbe.periodSeconds: 10',
      'precondition: container 0 (search-api) is unchanged since the diagnosis',
    ]);
    expect(text).toContain(`${p.kubectl.length} characters long`);
    const actions = m.blocks.flatMap((b) =>
      b.type === 'actions'
        ? b.elements.map((e) => (e.type === 'button' ? [e.action_id, e.value] : []))
        : [],
    );
    expect(actions).toEqual([
      ['kubemedic_approve', 'AbCdEfGhIjKlMnOp'],
      ['kubemedic_reject', 'AbCdEfGhIjKlMnOp'],
      ['kubemedic_show_command', 'AbCdEfGhIjKlMnOp'],
    ]);
    // Still one click away once decided.
    expect(JSON.stringify(renderPlanCard(card(p, 'rejected')).blocks)).toContain(
      'kubemedic_show_command',
    );
  });

  it('Show full command answers with the command whole, ready to paste', async () => {
    const p = await startupProbePlan();
    const m = renderFullCommand(card(p));
    expect(blockErrors(m.blocks)).toEqual([]);
    expect(codeOf(m.blocks).join('')).toBe(p.kubectl);
    // A command longer than a text object goes in parts that join to it exactly.
    const long = { ...p, kubectl: `kubectl apply -f - <<'EOF'\n${'x: y\n'.repeat(1500)}EOF` };
    const parts = renderFullCommand(card(long));
    expect(blockErrors(parts.blocks)).toEqual([]);
    expect(codeOf(parts.blocks).length).toBeGreaterThan(1);
    expect(codeOf(parts.blocks).join('')).toBe(long.kubectl);
  });

  it('a short command is still shown as it is, with no extra button', () => {
    const m = renderPlanCard(card(plan(1)));
    expect(codeOf(m.blocks)[0]).toContain('$ kubectl patch service svc-1');
    expect(JSON.stringify(m.blocks)).not.toContain('kubemedic_show_command');
  });
});

describe('slash command text', () => {
  it('parses a target with -n, --namespace=, --cluster; rejects the rest with what to fix', () => {
    expect(parseDiagnoseText('api-service -n prod', 'c')).toEqual({
      kind: 'diagnose',
      target: { kind: 'Service', name: 'api-service', namespace: 'prod', cluster: 'c' },
      logs: false,
    });
    expect(parseDiagnoseText('api -n prod --logs', 'c')).toMatchObject({ logs: true });
    expect(parseDiagnoseText('deploy/api --namespace=shop --cluster c', 'c')).toMatchObject({
      target: { kind: 'Deployment', name: 'api', namespace: 'shop' },
    });
    expect(parseDiagnoseText('help', 'c')).toEqual({ kind: 'help' });
    expect(() => parseDiagnoseText('api -n', 'c')).toThrow(UsageError);
    expect(() => parseDiagnoseText('api --force', 'c')).toThrow('unknown option --force');
    expect(() => parseDiagnoseText('a b', 'c')).toThrow('one target expected');
    expect(() => parseDiagnoseText('api --cluster other', 'c')).toThrow('serves cluster "c"');
    expect(() => parseDiagnoseText('api -n Prod_1', 'c')).toThrow(TargetError);
  });
});

describe('button clicks', () => {
  it('keeps only the plan id, the clicker and where the card is', () => {
    const click = parseClick(
      blockActionsPayload({
        actionId: 'kubemedic_approve',
        value: 'AbCdEfGhIjKlMnOp',
        messageTs: '1.2',
        userId: 'U0A',
      }),
    );
    expect(click).toMatchObject({
      ok: true,
      action: {
        action: 'approve',
        planId: 'AbCdEfGhIjKlMnOp',
        userId: 'U0A',
        channel: 'C0INCIDENT',
        messageTs: '1.2',
      },
    });
    expect(parseClick({ type: 'view_submission' })).toMatchObject({ ok: false });
    expect(
      parseClick(
        blockActionsPayload({ actionId: 'other', value: 'AbCdEfGhIjKlMnOp', messageTs: '1' }),
      ),
    ).toMatchObject({
      ok: false,
      reason: 'no kubemedic button in the payload',
    });
  });
});

describe('evidence without output', () => {
  it('a command shown only as where to look has no output block under it', async () => {
    const snapshot = await snapshotFromFiles([
      join(import.meta.dirname, '..', 'scenarios', 'crashloop', 'dump.json'),
    ]);
    const report = diagnose(snapshot, { kind: 'Service', name: 'checkout', cluster: 'c' });
    const text = renderReportThread(report)
      .map((i) => (i.kind === 'message' ? blocksToPlainText(i.message.blocks ?? []) : ''))
      .join('\n');
    expect(text).toMatch(/```\$ kubectl describe pod checkout-\S+ -n \S+```/);
    expect(text).not.toContain('(no output)');
  });
});
