// Issue 9, defect 2: names the gatherer takes from objects (claim names, config and secret refs,
// TLS secret names, node names, owner names) go into request paths. A name that is not a valid
// object name must never be requested: `../secrets/topsecret` as a claim name once made the bot
// read a Secret. The gatherer talks to a local HTTP server that answers from a few objects and
// records every request line, so what was asked for is exactly what the server saw.
import { describe, expect, it } from 'vitest';
import { gatherSnapshot } from '../../src/cluster/gather.js';
import { diagnose } from '../../src/diagnosis/diagnose.js';
import { useFakeApi } from '../support/fake-api.js';

const NS = 'shop';
const EVIL = {
  claim: '../secrets/topsecret',
  configMap: '../../../../api/v1/secrets?x=',
  secret: '..%2Fsecrets%2Ftopsecret',
  tls: '../secrets/tls-other',
  node: '../../api/v1/namespaces/kube-system/secrets/admin',
  daemonSet: '../../../../api/v1/secrets',
};

const service = {
  kind: 'Service',
  metadata: { name: 'web', namespace: NS, uid: 'u-svc' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
};
const pod = {
  kind: 'Pod',
  metadata: {
    name: 'web-1',
    namespace: NS,
    labels: { app: 'web' },
    ownerReferences: [{ kind: 'DaemonSet', name: EVIL.daemonSet, controller: true }],
  },
  spec: {
    nodeName: EVIL.node,
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: EVIL.claim } },
      { name: 'ok', persistentVolumeClaim: { claimName: 'data-ok' } },
    ],
    containers: [
      {
        name: 'web',
        image: 'web:1',
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: EVIL.configMap, key: 'a' } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: EVIL.secret, key: 'b' } } },
        ],
      },
    ],
  },
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'web',
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: 'CreateContainerConfigError' } },
      },
    ],
  },
};
const ingress = {
  kind: 'Ingress',
  metadata: { name: 'web', namespace: NS },
  spec: {
    tls: [{ hosts: ['web.example.com'], secretName: EVIL.tls }],
    rules: [
      {
        host: 'web.example.com',
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: 'web', port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
};

const ANSWERS: Record<string, unknown> = {
  [`/api/v1/namespaces/${NS}/services`]: { items: [service] },
  [`/api/v1/namespaces/${NS}/pods`]: { items: [pod] },
  [`/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses`]: { items: [ingress] },
  '/api/v1/pods': { items: [] },
  // The kubelet's words can be forged by anyone who may post events: the names they hold too.
  [`/api/v1/namespaces/${NS}/events`]: {
    items: [
      {
        metadata: { name: 'e1', namespace: NS },
        involvedObject: { kind: 'Pod', name: 'web-1', namespace: NS },
        reason: 'Failed',
        message: `Error: secret "${EVIL.secret}" not found`,
      },
      {
        metadata: { name: 'e2', namespace: NS },
        involvedObject: { kind: 'Pod', name: 'web-1', namespace: NS },
        reason: 'Failed',
        message: `Error: configmap "${EVIL.configMap}" not found`,
      },
      {
        metadata: { name: 'e3', namespace: NS },
        involvedObject: { kind: 'Pod', name: EVIL.claim, namespace: NS },
        reason: 'BackOff',
        message: `Back-off restarting failed container web in pod ${EVIL.claim}`,
      },
    ],
  },
};

describe('the gatherer and names taken from objects', () => {
  const fake = useFakeApi(ANSWERS);
  const requested = fake.requested;

  it('requests no path built from an invalid name, and says so in the diagnosis', async () => {
    const target = { kind: 'Service' as const, name: 'web', namespace: NS, cluster: 'local' };
    const snapshot = await gatherSnapshot(fake.api, target);
    // The valid claim is read; nothing outside the object kinds asked for is.
    expect(requested).toContain(`/api/v1/namespaces/${NS}/persistentvolumeclaims/data-ok`);
    for (const url of requested) {
      const path = url.split('?')[0] ?? '';
      expect(path).not.toMatch(/secrets|\.\.|%2F|\/api\/v1\/namespaces\/kube-system\/(?!pods)/i);
    }
    expect(requested.filter((u) => u.includes('/secrets'))).toEqual([]);

    const report = diagnose(snapshot, target, { now: new Date() });
    const pvc = report.findings.find((f) => f.check === 'storage.pvc-unbound');
    expect(pvc?.title).toContain('not a valid');
    expect(pvc?.detail).toContain(EVIL.claim);
    // Every name left unread is listed in the report, with the rule it broke.
    expect(report.notRead?.some((n) => n.includes(EVIL.claim))).toBe(true);
    expect(report.notRead?.every((n) => /not a valid/.test(n))).toBe(true);
  });
});
