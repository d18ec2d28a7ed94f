// Secrets and Slack control sequences the bot did not choose never leave it: the one redactor,
// the one mrkdwn escaping layer, env values in revisions and diffs, and the logger.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { recentChange } from '../src/diagnosis/checks/rollout/recent-change.js';
import type { Finding, Report } from '../src/diagnosis/types.js';
import { createLogger } from '../src/log.js';
import { redact, redactDeep } from '../src/redact.js';
import { mutationChanges, renderChanges } from '../src/remediation/diff.js';
import type { PlanRecord } from '../src/remediation/plan-store.js';
import type { RemediationPlan } from '../src/diagnosis/fixes/types.js';
import { renderParent } from '../src/slack/blocks/parent.js';
import { renderPlanCard } from '../src/slack/blocks/plan-card.js';
import { renderReportThread } from '../src/slack/blocks/report.js';
import { md, mention, mrkdwnMessage, plainMessage } from '../src/slack/blocks/text.js';
import {
  NS,
  container,
  contextFor,
  deployment,
  pod,
  replicaSet,
  service,
  snapshotOf,
} from './diagnosis/fixtures.js';
import { ALL_HOSTILE, CONTROL, SECRETS, leaks, stringsOf } from './support/hostile.js';

describe('redact', () => {
  for (const s of SECRETS)
    it(`masks ${s.name}`, () => {
      const out = redact(s.planted);
      for (const x of s.secret) expect(out).not.toContain(x);
      expect(out).toMatch(/REDACTED/);
    });

  it('leaves ordinary diagnosis text alone', () => {
    for (const plain of [
      'kubectl get pods -n prod -l app=api',
      'image (app): "api:1" → "api:2"',
      'Secret db-credentials not found in prod',
      'Back-off restarting failed container app in pod api-1',
      'kubectl get secret db-token -n prod',
      // Names that contain a secret word are not secrets (a namespace, a field, a file path).
      'Not found in sc-config-missing-secret-3b955f: Secret "db-credentials"',
      'secretName: tls-cert',
      'PASSWORD_FILE=/run/secrets/db',
    ])
      expect(redact(plain)).toBe(plain);
  });

  it('keeps JSON well-formed and hides a secret nested in a value', () => {
    const json = JSON.stringify({ detail: 'token=abc password="a b c"', password: 'x y' });
    const out = redact(json);
    expect(() => JSON.parse(out) as unknown).not.toThrow();
    for (const x of ['abc', 'a b c', 'x y']) expect(out).not.toContain(x);
    const nested = redact('SESSION_SECRET=password="correct horse battery"');
    expect(nested).not.toMatch(/correct|horse|battery/);
  });

  it('is idempotent', () => {
    const once = redact(ALL_HOSTILE);
    expect(redact(once)).toBe(once);
  });

  it('walks objects, arrays and hides literal env values', () => {
    const out = redactDeep({
      note: ALL_HOSTILE,
      patch: {
        ops: [
          {
            op: 'replace',
            path: '/spec/template',
            value: {
              spec: {
                containers: [{ name: 'app', env: [{ name: 'DB_PASSWORD', value: 'plainpw42' }] }],
              },
            },
          },
        ],
      },
    });
    const text = JSON.stringify(out);
    expect(text).not.toContain('plainpw42');
    expect(text).toContain('DB_PASSWORD');
    for (const s of SECRETS) for (const x of s.secret) expect(text).not.toContain(x);
  });
});

describe('mrkdwn', () => {
  it('escapes and redacts what is interpolated, renders the bot’s own mentions', () => {
    const m = md`${mention('U0APPROVER')} approved: ${ALL_HOSTILE}`;
    expect(m.text.startsWith('<@U0APPROVER> approved: ')).toBe(true);
    expect(leaks(m.text)).toEqual([]);
  });

  it('refuses a mention of something that is not a Slack user id', () => {
    expect(() => mention('!channel')).toThrow();
    expect(() => mention('U0X> <!here')).toThrow();
  });

  it('escapes the notification text of plain and mrkdwn messages', () => {
    for (const msg of [plainMessage(ALL_HOSTILE), mrkdwnMessage(md`x ${ALL_HOSTILE}`)])
      expect(leaks(stringsOf(msg).join('\n'))).toEqual([]);
  });
});

const hostilePlan: RemediationPlan = {
  id: 'patch-service-selector',
  title: `Set the selector ${CONTROL.join(' ')} password="correct horse battery"`,
  risk: 'medium',
  object: { kind: 'Service', apiVersion: 'v1', namespace: 'prod', name: 'svc' },
  mutation: { type: 'json-patch', ops: [{ op: 'replace', path: '/spec/selector', value: {} }] },
  kubectl: `kubectl patch service svc -n prod # ${ALL_HOSTILE}`,
  kubectlArgv: ['kubectl', 'patch', 'service', 'svc', '-n', 'prod', '#', ALL_HOSTILE],
  expectedEffect: ALL_HOSTILE,
  precondition: ALL_HOSTILE,
  verify: { waitFor: 'endpoints-ready', checks: ['service.selector-mismatch'] },
};

describe('renderers', () => {
  it('the parent escapes alert fields, including timestamps that are not dates', () => {
    const msg = renderParent({
      kind: 'alert',
      targets: [
        {
          key: 'k',
          target: { kind: 'Service', name: 'api', namespace: 'prod', cluster: 'c' },
          stage: 'failed',
          error: ALL_HOSTILE,
        },
      ],
      requestedBy: ['U0ONCALL'],
      alert: {
        alertname: ALL_HOSTILE,
        status: 'resolved',
        firing: 1,
        groupKey: ALL_HOSTILE,
        summary: ALL_HOSTILE,
        startsAt: '<!channel> password="correct horse battery"',
        endsAt: '<!here> <https://evil.example|click here>',
        notifications: 2,
        undiagnosed: [ALL_HOSTILE],
      },
    });
    expect(leaks(stringsOf(msg).join('\n'))).toEqual([]);
    expect(stringsOf(msg.blocks).join('\n')).toContain('<@U0ONCALL>');
  });

  it('the report escapes and redacts findings, evidence and notes', () => {
    const f: Finding = {
      check: 'pod.crashloop',
      layer: 'pod',
      severity: 'critical',
      title: ALL_HOSTILE,
      detail: ALL_HOSTILE,
      evidence: [{ command: `kubectl logs x # ${ALL_HOSTILE}`, output: ALL_HOSTILE }],
      objects: [{ kind: 'Pod', namespace: 'prod', name: 'api' }],
      remediations: [],
    } as unknown as Finding;
    const report = {
      target: { kind: 'service', name: 'api', namespace: 'prod', cluster: 'c' },
      verdict: 'unhealthy',
      rootCause: 'pod.crashloop',
      summary: ALL_HOSTILE,
      findings: [f],
      skipped: [{ check: 'dns.coredns', reason: ALL_HOSTILE }],
      timeline: [{ at: '2026-01-01T00:00:00Z', what: ALL_HOSTILE }],
      durationMs: 1,
      apiRequests: 1,
    } as unknown as Report;
    expect(leaks(stringsOf(renderReportThread(report)).join('\n'))).toEqual([]);
  });

  it('the card escapes the plan and the status, and renders the approver mention', () => {
    const record: PlanRecord = {
      id: 'plan-1234',
      plan: hostilePlan,
      target: { kind: 'Service', name: 'svc', namespace: 'prod', cluster: 'c' },
      createdAt: '2026-01-01T00:00:00Z',
      expiresAt: '<!channel>',
      state: 'failed',
      approvals: ['U0APPROVER'],
      decidedBy: 'U0APPROVER',
      note: ALL_HOSTILE,
      applied: { at: '2026-01-01T00:00:00Z', by: 'U0APPROVER', diff: ALL_HOSTILE },
    };
    const card = renderPlanCard(record, md`Approved by ${mention('U0APPROVER')}: ${ALL_HOSTILE}`);
    const all = stringsOf(card).join('\n');
    expect(leaks(all)).toEqual([]);
    expect(all).toContain('Approved by <@U0APPROVER>');
    expect(all).not.toContain('&lt;@U0APPROVER&gt;');
  });
});

describe('literal env values', () => {
  const labels = { app: 'api' };
  const env = (v: string) => [
    { name: 'DB_PASSWORD', value: v },
    { name: 'MODE', value: 'same' },
  ];

  it('rollout.recent-change says an env value changed without showing it', () => {
    const svc = service('api', labels);
    const d = deployment('api', labels);
    const rs2 = replicaSet('api-bbb', d, 2, '2026-01-01T14:01:20Z', [
      container({ env: env('newSecretValue9') }),
    ]);
    const rs1 = replicaSet('api-aaa', d, 1, '2025-12-30T10:00:00Z', [
      container({ env: env('oldSecretValue8') }),
    ]);
    const p = pod('api-bbb-1', labels, { rs: 'api-bbb', ready: false });
    const [f] = recentChange.run(
      contextFor(
        snapshotOf({ services: [svc], pods: [p], deployments: [d], replicaSets: [rs2, rs1] }),
        [svc],
      ),
    );
    // The plan keeps the old template to apply it; what of it is shown must not hold the values.
    const shown = {
      ...f,
      remediations: f?.remediations.map((p) => ({ ...p, mutation: null, inverse: null })),
    };
    const text = stringsOf(shown).join('\n');
    expect(text).toContain('DB_PASSWORD');
    expect(text).toMatch(/DB_PASSWORD[^\n]*changed/);
    expect(text).not.toContain('MODE');
    for (const v of ['newSecretValue9', 'oldSecretValue8', 'same']) expect(text).not.toContain(v);
  });

  it('a dry-run diff of a pod template says which env values changed, never their text', () => {
    const tpl = (v: string, extra: { name: string; value: string }[] = []) => ({
      spec: { containers: [{ name: 'app', image: 'api:1', env: [...env(v), ...extra] }] },
    });
    const obj = (v: string, extra?: { name: string; value: string }[]) =>
      ({
        kind: 'Deployment',
        metadata: { name: 'api', namespace: NS },
        spec: { template: tpl(v, extra) },
      }) as never;
    const mutation = {
      type: 'json-patch' as const,
      ops: [{ op: 'replace' as const, path: '/spec/template', value: tpl('oldSecretValue8') }],
    };
    for (const [before, after] of [
      [obj('newSecretValue9'), obj('oldSecretValue8')],
      [
        obj('newSecretValue9', [{ name: 'API_KEY', value: 'addedSecret7' }]),
        obj('oldSecretValue8'),
      ],
    ]) {
      const text = renderChanges(
        { kind: 'Deployment', apiVersion: 'apps/v1', namespace: NS, name: 'api' },
        mutation,
        mutationChanges(mutation, before, after),
      );
      expect(text).toContain('DB_PASSWORD');
      for (const v of ['newSecretValue9', 'oldSecretValue8', 'addedSecret7', '"same"'])
        expect(text).not.toContain(v);
    }
  });
});

describe('log', () => {
  it('runs the redactor on every string of every line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger(sink);
    log.warn({ reason: ALL_HOSTILE, nested: { list: [ALL_HOSTILE] } }, `failed: ${ALL_HOSTILE}`);
    log.error({ err: new Error(ALL_HOSTILE) }, 'boom');
    log.info(`plain ${ALL_HOSTILE}`);
    const out = lines.join('').replace(/\\n/g, '\n').replace(/\\"/g, '"');
    expect(lines).toHaveLength(3);
    for (const s of SECRETS) for (const x of s.secret) expect(out).not.toContain(x);
  });
});
