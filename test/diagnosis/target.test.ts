import { describe, expect, it } from 'vitest';
import { redact } from '../../src/redact.js';
import { parseDump } from '../../src/cluster/from-file.js';
import { addObjects, emptySnapshot } from '../../src/cluster/snapshot.js';
import { TargetError, parseTarget, resolveTarget } from '../../src/diagnosis/target.js';
import { matchesLabelSelector, nearestNames } from '../../src/diagnosis/selectors.js';
import { deployment, pod, service, snapshotOf } from './fixtures.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';

describe('targets', () => {
  it('parses every target form and validates names as DNS-1123 before any API call', () => {
    expect(parseTarget('api-service', 'prod')).toMatchObject({
      kind: 'Service',
      name: 'api-service',
      namespace: 'prod',
    });
    expect(parseTarget('deploy/api', undefined)).toMatchObject({ kind: 'Deployment', name: 'api' });
    expect(parseTarget('ingress/shop', 'prod').kind).toBe('Ingress');
    expect(parseTarget('pod/api-7d9f-x1', 'prod').kind).toBe('Pod');
    expect(parseTarget('namespace/prod', undefined)).toMatchObject({
      kind: 'Namespace',
      namespace: 'prod',
    });
    expect(() => parseTarget('Api_Service', 'prod')).toThrow(TargetError);
    expect(() => parseTarget('api;reboot', 'prod')).toThrow(/not a valid Service name/);
    expect(() => parseTarget('api; rm -rf /', 'prod')).toThrow(TargetError);
    expect(() => parseTarget('cm/x', 'prod')).toThrow(/unknown target kind "cm"/);
    expect(() => parseTarget('api', 'Prod!')).toThrow(/not a valid Namespace name/);
  });

  it('resolves a Deployment or Pod target to the Services in front of it, and lists namespaces when ambiguous', () => {
    const a = service('api', { app: 'api' });
    const other = {
      ...service('api', { app: 'api' }),
      metadata: { name: 'api', namespace: 'staging' },
    };
    const snap = snapshotOf({ services: [a, other], pods: [pod('api-1', { app: 'api' })] });
    expect(resolveTarget(snap, { kind: 'Service', name: 'api', cluster: 'c' })).toEqual({
      ok: false,
      ambiguous: ['prod', 'staging'],
    });
    const viaPod = resolveTarget(snap, {
      kind: 'Pod',
      name: 'api-1',
      namespace: 'prod',
      cluster: 'c',
    });
    expect(viaPod.ok && viaPod.services.map((s) => s.metadata.name)).toEqual(['api']);
    const missing = resolveTarget(snap, {
      kind: 'Service',
      name: 'apii',
      namespace: 'prod',
      cluster: 'c',
    });
    expect(!missing.ok && 'missing' in missing && missing.missing.nearest[0]).toBe('api');
  });

  it('reports a missing target in the one namespace a dump holds when no namespace was given', () => {
    const dns = { ...service('kube-dns', { 'k8s-app': 'kube-dns' }) };
    dns.metadata = { name: 'kube-dns', namespace: 'kube-system' };
    const snap = snapshotOf({ services: [service('api-svc', { app: 'api' }), dns] });
    const missing = resolveTarget(snap, { kind: 'Service', name: 'api-service', cluster: 'c' });
    expect(!missing.ok && 'missing' in missing && missing.missing).toMatchObject({
      namespace: 'prod',
      nearest: ['api-svc'],
    });
    // Several application namespaces: no guess, and the nearest names come from all of them.
    const staging = service('api-sv', { app: 'api' });
    staging.metadata = { name: 'api-sv', namespace: 'staging' };
    const both = snapshotOf({ services: [service('api-svc', { app: 'api' }), staging, dns] });
    const spread = resolveTarget(both, { kind: 'Service', name: 'api-service', cluster: 'c' });
    expect(!spread.ok && 'missing' in spread && spread.missing).toMatchObject({
      namespace: 'default',
      nearest: ['api-svc', 'api-sv', 'kube-dns'],
    });
  });

  it('puts a Service whose selector nearly matches in front of a Deployment nothing selects, so the mismatch is found', () => {
    const svc = service('api-service', { app: 'api-svc' });
    const d = deployment('api', { app: 'api-service' });
    const snap = snapshotOf({
      services: [svc, service('db', { app: 'postgres' })],
      deployments: [d],
      pods: [pod('api-1', { app: 'api-service' })],
    });
    const r = resolveTarget(snap, {
      kind: 'Deployment',
      name: 'api',
      namespace: 'prod',
      cluster: 'c',
    });
    expect(r.ok && r.services.map((s) => s.metadata.name)).toEqual(['api-service']);
    const report = diagnose(snap, {
      kind: 'Deployment',
      name: 'api',
      namespace: 'prod',
      cluster: 'c',
    });
    expect(report.rootCause).toBe('service.selector-mismatch');
  });

  it('orders nearest names by closeness and matches metav1 label selectors', () => {
    expect(nearestNames('api-svc', ['web', 'api-service', 'payments'])[0]).toBe('api-service');
    expect(
      matchesLabelSelector(
        { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] },
        { tier: 'api' },
      ),
    ).toBe(true);
    expect(
      matchesLabelSelector(
        { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] },
        { tier: 'api' },
      ),
    ).toBe(false);
    expect(matchesLabelSelector({}, { any: 'thing' })).toBe(true);
  });
});

describe('dumps and redaction', () => {
  it('reads a kubectl List of mixed kinds and keeps only the metadata of Secrets', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'x' }, spec: {} },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'tls', namespace: 'x' },
          data: { 'tls.key': 'c2VjcmV0' },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'cfg', namespace: 'x' },
          data: { a: '1' },
        },
      ],
    };
    const snap = emptySnapshot();
    expect(addObjects(snap, await parseDump(JSON.stringify(list), 'dump.json'))).toBe(3);
    expect(JSON.stringify(snap.secrets)).not.toContain('c2VjcmV0');
    expect(snap.secrets[0]?.metadata.annotations?.['kubemedic.io/data-keys']).toBe('tls.key');
    await expect(parseDump('{ not json', 'bad.json')).rejects.toThrow(/bad.json is not valid JSON/);
  });

  it('redacts credentials a crashing app printed', () => {
    const log =
      'connecting with password=hunter2 to postgres://app:s3cr3t@db:5432\nAuthorization: Bearer abcdefghijklmnop\nAPI_KEY: "zz-top-123"';
    const out = redact(log);
    for (const secret of ['hunter2', 's3cr3t', 'abcdefghijklmnop', 'zz-top-123'])
      expect(out).not.toContain(secret);
    expect(out).toContain('connecting with');
  });
});
