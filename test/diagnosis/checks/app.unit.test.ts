// The app layer from snapshots built in code: error signatures, the dependencies errors name,
// hops and loops, unreadable logs, and the alert names that ask for logs.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_ALERTS, asksForLogs, parseLogAlerts } from '../../../src/alerts/log-alerts.js';
import { liveOptions } from '../../../src/queue/diagnose.js';
import type { ContainerLog } from '../../../src/cluster/snapshot.js';
import { addObjects } from '../../../src/cluster/snapshot.js';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import {
  dependenciesIn,
  errorSignatures,
  normalise,
  serviceName,
} from '../../../src/diagnosis/model/app-logs.js';
import { NOW, NS, pod, service, snapshotOf } from '../fixtures.js';

const target = { kind: 'Service' as const, name: 'api', namespace: NS, cluster: 'test' };

function current(podName: string, lines: string[], error?: string): ContainerLog {
  return {
    namespace: NS,
    pod: podName,
    container: 'app',
    kind: 'current',
    ...(error
      ? { error }
      : {
          text: lines.map((l, i) => `2026-01-01T14:0${i}:00.000000000Z ${l}`).join('\n'),
        }),
  };
}

describe('error signatures', () => {
  it('groups occurrences that differ in numbers, ids and times, counts them and keeps first/last seen', () => {
    const sigs = errorSignatures([
      current('api-1', [
        'INFO started',
        'ERROR request 7f3a9c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b failed after 31ms',
        '\tat com.example.A.b(A.java:88)',
        'ERROR request 0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b failed after 7ms',
        '"GET /x HTTP/1.1" 200 5',
        '"POST /checkout HTTP/1.1" 503 12',
      ]),
    ]);
    expect(sigs.map((s) => [s.count, s.key])).toEqual([
      [2, 'ERROR request <uuid> failed after <n>ms'],
      [1, '"POST /checkout HTTP/<n>" 503 <n>'],
    ]);
    expect(sigs[0]).toMatchObject({
      firstSeen: '2026-01-01T14:01:00.000Z',
      lastSeen: '2026-01-01T14:03:00.000Z',
      pods: ['api-1'],
    });
    // The stack frame belongs to the error above it, not a signature of its own.
    expect(sigs[0]?.example).toContain('A.java:88');
  });

  it('strips hex ids and keeps words', () => {
    expect(normalise('panic: nil map at 0xdeadbeef id=5f3e2a9b7c1d')).toBe(
      'panic: nil map at <hex> id=<hex>',
    );
  });
});

describe('dependencies named by errors', () => {
  it('reads Go, Node and generic refusals, timeouts and lookups', () => {
    const deps = dependenciesIn([
      'dial tcp 10.96.5.5:5432: connect: connection refused',
      'Error: getaddrinfo ENOTFOUND postgres.db.svc',
      'redis:6379: read: connection timeout after 5s',
      'dial tcp: lookup orders.shop.svc.cluster.local on 10.96.0.10:53: no such host',
      'connect ECONNREFUSED 127.0.0.1:8080',
    ]);
    expect(deps.map((d) => [d.ip ?? d.host, d.port, d.failure])).toEqual([
      ['10.96.5.5', 5432, 'connection refused'],
      ['postgres.db.svc', undefined, 'no such host'],
      ['redis', 6379, 'timeout'],
      ['orders.shop.svc.cluster.local', undefined, 'no such host'],
    ]);
  });

  it('maps DNS names to Services: name, name.ns (a known namespace), name.ns.svc, the full name', () => {
    const known = new Set(['db']);
    expect(serviceName('postgres', 'prod', known)).toEqual({ name: 'postgres', namespace: 'prod' });
    expect(serviceName('postgres.db', 'prod', known)).toEqual({
      name: 'postgres',
      namespace: 'db',
    });
    expect(serviceName('postgres.db.svc', 'prod', known)).toEqual({
      name: 'postgres',
      namespace: 'db',
    });
    expect(serviceName('postgres.db.svc.cluster.local', 'prod', known)).toEqual({
      name: 'postgres',
      namespace: 'db',
    });
    expect(serviceName('api.example', 'prod', known)).toBeUndefined();
    expect(serviceName('api.stripe.com', 'prod', known)).toBeUndefined();
  });
});

describe('diagnosing the dependency', () => {
  const api = service('api', { app: 'api' });
  const db = { ...service('db', { app: 'dbb' }, [{ name: 'pg', port: 5432, targetPort: 5432 }]) };
  db.spec.clusterIP = '10.96.5.5';
  const pods = [pod('api-1', { app: 'api' }), pod('db-0', { app: 'db' })];

  it('carries the dependency root cause and its fix, and outranks the errors it explains', () => {
    const snapshot = snapshotOf({
      services: [api, db],
      pods,
      logs: [current('api-1', ['ERROR dial tcp 10.96.5.5:5432: connect: connection refused'])],
    });
    const r = diagnose(snapshot, target, { now: NOW, strict: true });
    expect(r.rootCause).toBe('dependency.unhealthy');
    const dep = r.findings[0];
    expect(dep?.detail).toContain('service.selector-mismatch');
    expect(dep?.remediations.map((p) => [p.id, p.object.name])).toEqual([
      ['patch-service-selector', 'db'],
    ]);
    // Verified on the dependency, where its own checks see whether the fix took.
    expect(dep?.remediations[0]?.verify.target).toEqual({
      kind: 'Service',
      name: 'db',
      namespace: NS,
    });
    expect(r.findings.map((f) => f.check)).toContain('app.errors-in-logs');
  });

  it('follows two hops when asked (api -> db -> cache), and no more than two', () => {
    const db2 = service('db', { app: 'db' }, [{ name: 'pg', port: 5432, targetPort: 8080 }]);
    db2.spec.clusterIP = '10.96.5.5';
    const cache = service('cache', { app: 'cachee' }, [
      { name: 'redis', port: 6379, targetPort: 6379 },
    ]);
    cache.spec.clusterIP = '10.96.6.6';
    const snapshot = snapshotOf({
      services: [api, db2, cache],
      pods: [...pods, pod('cache-0', { app: 'cache' })],
      logs: [
        current('api-1', ['ERROR dial tcp 10.96.5.5:5432: connect: connection refused']),
        current('db-0', ['FATAL dial tcp 10.96.6.6:6379: connect: connection refused']),
      ],
    });
    const two = diagnose(snapshot, target, { now: NOW, strict: true, hops: 2 });
    expect(two.rootCause).toBe('dependency.unhealthy');
    const viaDb = two.findings[0];
    expect(viaDb?.detail).toContain('service.selector-mismatch');
    expect(viaDb?.remediations.map((p) => [p.id, p.object.name])).toEqual([
      ['patch-service-selector', 'cache'],
    ]);
    // One hop (the default) stops at db: its own errors, not what they point at.
    const one = diagnose(snapshot, target, { now: NOW, strict: true });
    expect(one.findings[0]?.remediations ?? []).toEqual([]);
    // More than two is two.
    const many = diagnose(snapshot, target, { now: NOW, strict: true, hops: 9 });
    expect(many.findings.map((f) => f.check)).toEqual(two.findings.map((f) => f.check));
  });

  it('follows no hop when hops is 0, and no loop back to the target', () => {
    const snapshot = snapshotOf({
      services: [api, db],
      pods,
      logs: [current('api-1', ['ERROR dial tcp 10.96.5.5:5432: connect: connection refused'])],
    });
    const none = diagnose(snapshot, target, { now: NOW, strict: true, hops: 0 });
    expect(none.findings.map((f) => f.check)).toEqual(['app.errors-in-logs']);
    const loop = diagnose(snapshot, target, {
      now: NOW,
      strict: true,
      visited: new Set([`${NS}/db`]),
    });
    expect(loop.rootCause).toBe('app.errors-in-logs');
  });

  it('reports unreadable logs as a skip with the reason', () => {
    const snapshot = snapshotOf({
      services: [api],
      pods,
      logs: [current('api-1', [], 'pods "api-1" is forbidden')],
    });
    const r = diagnose(snapshot, target, { now: NOW, strict: true });
    expect(r.verdict).toBe('healthy');
    expect(r.skipped).toContainEqual({
      check: 'app.errors-in-logs',
      reason: expect.stringContaining('is forbidden'),
    });
  });

  it('reads PodLog items of a dump into the logs, redacted', () => {
    const snapshot = snapshotOf({});
    addObjects(snapshot, [
      {
        apiVersion: 'kubemedic.io/v1',
        kind: 'PodLog',
        metadata: { name: 'api-1.app', namespace: NS },
        pod: 'api-1',
        container: 'app',
        logKind: 'current',
        text: 'ERROR connect postgres://app:hunter2@db:5432/x refused',
      },
    ]);
    expect(snapshot.logs).toEqual([expect.objectContaining({ pod: 'api-1', kind: 'current' })]);
    expect(snapshot.logs[0]?.text).not.toContain('hunter2');
  });
});

describe('alerts that ask for the logs', () => {
  const alert = (alertname: string) => ({
    status: 'firing' as const,
    labels: { alertname, service: 'api', namespace: NS },
    annotations: {},
    startsAt: '2026-01-01T14:00:00Z',
  });

  it('matches 5xx-rate alerts by default, and a configured list instead', () => {
    expect(asksForLogs(alert('Ingress503RateHigh'))).toBe(true);
    expect(asksForLogs(alert('HighHTTP5xxRate'))).toBe(true);
    expect(asksForLogs(alert('KubePodCrashLooping'))).toBe(false);
    expect(asksForLogs(alert('CheckoutBroken'), parseLogAlerts('^Checkout'))).toBe(true);
    expect(parseLogAlerts('')).toEqual(DEFAULT_LOG_ALERTS);
    expect(() => parseLogAlerts('(')).toThrow(/KUBEMEDIC_LOG_ALERTS/);
  });

  it('reads logs since the earliest alert start, or the last lines for a person asking', () => {
    const a = (since: string) =>
      ({
        kind: 'alert',
        channel: 'C1',
        conversation: 'x',
        logs: { alertname: 'A', since },
      }) as const;
    expect(liveOptions([])).toEqual({});
    expect(liveOptions([a('2026-01-01T14:05:00Z'), a('2026-01-01T14:00:00Z')])).toEqual({
      logs: { since: '2026-01-01T14:00:00Z' },
    });
    expect(liveOptions([{ kind: 'command', channel: 'C', user: 'U', logs: true }])).toEqual({
      logs: {},
    });
  });
});
