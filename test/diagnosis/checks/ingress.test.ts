import { describe, expect, it } from 'vitest';
import type { Ingress, IngressBackend, Pod, Service } from '../../../src/cluster/k8s-types.js';
import { emptySnapshot, type Snapshot } from '../../../src/cluster/snapshot.js';
import { backendMissing } from '../../../src/diagnosis/checks/ingress/backend-missing.js';
import { backendNoEndpoints } from '../../../src/diagnosis/checks/ingress/backend-no-endpoints.js';
import { backendPortMismatch } from '../../../src/diagnosis/checks/ingress/backend-port-mismatch.js';
import { controllerUnhealthy } from '../../../src/diagnosis/checks/ingress/controller-unhealthy.js';
import { tlsSecretMissing } from '../../../src/diagnosis/checks/ingress/tls-secret-missing.js';
import { DiagnosisContext } from '../../../src/diagnosis/context.js';
import type { Target } from '../../../src/diagnosis/types.js';
import type { RemediationPlan } from '../../../src/diagnosis/fixes/types.js';
import { CHECKS } from '../../../src/diagnosis/registry.js';

const ingressChecks = CHECKS.filter((c) => c.layer === 'ingress');

const NS = 'prod';

function pod(name: string, labels: Record<string, string>, ready = true, namespace = NS): Pod {
  return {
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'app', ready, restartCount: 0 }],
    },
  };
}

function service(name: string, ports = [{ name: 'http', port: 80, targetPort: 8080 }]): Service {
  return {
    kind: 'Service',
    metadata: { name, namespace: NS },
    spec: { selector: { app: name }, ports },
  };
}

function ingress(
  name: string,
  backend: IngressBackend['service'],
  extra: Partial<Ingress['spec']> = {},
): Ingress {
  return {
    kind: 'Ingress',
    metadata: { name, namespace: NS },
    spec: {
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'shop.example.com',
          http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: backend } }] },
        },
      ],
      ...extra,
    },
  };
}

const controllerLabels = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
};

/** A healthy api-service with one ready pod, a healthy controller, and the given Ingresses. */
function world(...ingresses: Ingress[]): { snapshot: Snapshot; svc: Service } {
  const snapshot = emptySnapshot();
  const svc = service('api-service');
  snapshot.services.push(svc, service('billing'));
  snapshot.pods.push(pod('api-service-1', { app: 'api-service' }));
  snapshot.pods.push(pod('ingress-nginx-controller-1', controllerLabels, true, 'ingress-nginx'));
  snapshot.ingresses.push(...ingresses);
  return { snapshot, svc };
}

function ctxFor(
  snapshot: Snapshot,
  services: Service[],
  target?: Partial<Target>,
): DiagnosisContext {
  return new DiagnosisContext({
    snapshot,
    target: { kind: 'Service', name: 'api-service', namespace: NS, cluster: 'default', ...target },
    services,
    now: new Date(),
  });
}

function ops(plan: RemediationPlan | undefined) {
  const m = plan?.mutation;
  if (m?.type !== 'json-patch') throw new Error(`expected a json patch, got ${m?.type}`);
  return m.ops;
}

const BACKEND_PATH = '/spec/rules/0/http/paths/0/backend/service';

describe('ingress checks on a healthy Ingress', () => {
  it('report nothing', () => {
    const { snapshot, svc } = world(
      ingress(
        'shop',
        { name: 'api-service', port: { number: 80 } },
        {
          tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
        },
      ),
    );
    snapshot.secrets.push({ kind: 'Secret', metadata: { name: 'shop-tls', namespace: NS } });
    const ctx = ctxFor(snapshot, [svc]);
    for (const check of ingressChecks) expect(check.run(ctx), check.id).toEqual([]);
  });

  it('ignore Ingresses that route elsewhere', () => {
    const { snapshot, svc } = world(
      ingress('other', { name: 'zzz-unrelated', port: { number: 80 } }),
    );
    const ctx = ctxFor(snapshot, [svc]);
    for (const check of ingressChecks) expect(check.run(ctx), check.id).toEqual([]);
  });
});

describe('ingress.backend-missing', () => {
  it('reports a typo in the backend name and points the rule at the nearest Service', () => {
    const { snapshot, svc } = world(ingress('shop', { name: 'api-svc', port: { number: 80 } }));
    const [f, ...rest] = backendMissing.run(ctxFor(snapshot, [svc]));
    expect(rest).toEqual([]);
    expect(f?.check).toBe('ingress.backend-missing');
    expect(f?.layer).toBe('ingress');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toContain('Ingress shop');
    expect(f?.title).toContain('Service api-svc, which does not exist');
    expect(f?.detail).toContain('Did you mean Service api-service?');
    const plan = f?.remediations[0];
    expect(plan?.id).toBe('patch-ingress-backend');
    expect(ops(plan)).toEqual([
      { op: 'test', path: BACKEND_PATH, value: { name: 'api-svc', port: { number: 80 } } },
      { op: 'replace', path: BACKEND_PATH, value: { name: 'api-service', port: { number: 80 } } },
    ]);
  });

  it('uses the first port of the suggested Service when it lacks the old one', () => {
    const { snapshot, svc } = world(ingress('shop', { name: 'api-svc', port: { number: 9999 } }));
    const [f] = backendMissing.run(ctxFor(snapshot, [svc]));
    expect(ops(f?.remediations[0])[1]?.value).toEqual({
      name: 'api-service',
      port: { number: 80 },
    });
  });

  it('reports a missing backend of a target Ingress without guessing a far name', () => {
    const { snapshot } = world(ingress('shop', { name: 'checkout', port: { number: 80 } }));
    const [f] = backendMissing.run(ctxFor(snapshot, [], { kind: 'Ingress', name: 'shop' }));
    expect(f?.severity).toBe('critical');
    expect(f?.detail).toContain('Services in prod: api-service, billing');
    expect(f?.remediations).toEqual([]);
  });
});

describe('ingress.backend-port-mismatch', () => {
  it('reports a container port used as the backend port and proposes the Service port', () => {
    const { snapshot, svc } = world(
      ingress('shop', { name: 'api-service', port: { number: 8080 } }),
    );
    const [f] = backendPortMismatch.run(ctxFor(snapshot, [svc]));
    expect(f?.check).toBe('ingress.backend-port-mismatch');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toContain('port 8080 of Service api-service');
    expect(f?.detail).toContain('http=80 -> 8080/TCP');
    expect(ops(f?.remediations[0])).toEqual([
      { op: 'test', path: BACKEND_PATH, value: { name: 'api-service', port: { number: 8080 } } },
      { op: 'replace', path: BACKEND_PATH, value: { name: 'api-service', port: { number: 80 } } },
    ]);
  });

  it('reports an unknown port name and keeps naming the port', () => {
    const { snapshot, svc } = world(
      ingress('shop', { name: 'api-service', port: { name: 'web' } }),
    );
    const [f] = backendPortMismatch.run(ctxFor(snapshot, [svc]));
    expect(f?.title).toContain('port web');
    expect(ops(f?.remediations[0])[1]?.value).toEqual({
      name: 'api-service',
      port: { name: 'http' },
    });
  });

  it('is quiet when the port name matches', () => {
    const { snapshot, svc } = world(
      ingress('shop', { name: 'api-service', port: { name: 'http' } }),
    );
    expect(backendPortMismatch.run(ctxFor(snapshot, [svc]))).toEqual([]);
  });
});

describe('ingress.backend-no-endpoints', () => {
  it('reports a backend Service whose pods are not ready', () => {
    const { snapshot, svc } = world(ingress('shop', { name: 'api-service', port: { number: 80 } }));
    snapshot.pods = snapshot.pods.map((p) =>
      p.metadata.name === 'api-service-1' ? pod('api-service-1', { app: 'api-service' }, false) : p,
    );
    const [f] = backendNoEndpoints.run(ctxFor(snapshot, [svc]));
    expect(f?.check).toBe('ingress.backend-no-endpoints');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toBe(
      'Ingress shop routes to Service api-service, which has no ready endpoint',
    );
    expect(f?.detail).toContain('shop.example.com/api');
    expect(f?.detail).toContain('answers 503');
  });

  it('works for a backend Service outside the diagnosed ones (target Ingress)', () => {
    const { snapshot } = world(ingress('shop', { name: 'billing', port: { number: 80 } }));
    const [f] = backendNoEndpoints.run(ctxFor(snapshot, [], { kind: 'Ingress', name: 'shop' }));
    expect(f?.title).toContain('Service billing');
    expect(f?.evidence.map((e) => e.command)).toContain('kubemedic diagnose billing -n prod');
  });

  it('is quiet when the Service has a ready endpoint', () => {
    const { snapshot, svc } = world(ingress('shop', { name: 'api-service', port: { number: 80 } }));
    expect(backendNoEndpoints.run(ctxFor(snapshot, [svc]))).toEqual([]);
  });
});

describe('ingress.tls-secret-missing', () => {
  it('reports a TLS secret that does not exist', () => {
    const { snapshot, svc } = world(
      ingress(
        'shop',
        { name: 'api-service', port: { number: 80 } },
        {
          tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
        },
      ),
    );
    const [f] = tlsSecretMissing.run(ctxFor(snapshot, [svc]));
    expect(f?.check).toBe('ingress.tls-secret-missing');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toBe('Ingress shop uses TLS secret shop-tls, which does not exist in prod');
    expect(f?.detail).toContain('TLS handshake');
    expect(f?.evidence[1]?.command).toBe('kubectl get secret shop-tls -n prod');
    expect(f?.objects).toContainEqual({ kind: 'Secret', namespace: NS, name: 'shop-tls' });
  });

  it('ignores TLS entries for hosts that do not route to the Service', () => {
    const { snapshot, svc } = world(
      ingress(
        'shop',
        { name: 'api-service', port: { number: 80 } },
        {
          tls: [{ hosts: ['admin.example.com'], secretName: 'admin-tls' }],
        },
      ),
    );
    expect(tlsSecretMissing.run(ctxFor(snapshot, [svc]))).toEqual([]);
  });
});

describe('ingress.controller-unhealthy', () => {
  const routed = () => world(ingress('shop', { name: 'api-service', port: { number: 80 } }));

  it('is critical when no controller pod is ready', () => {
    const { snapshot, svc } = routed();
    snapshot.pods = snapshot.pods.map((p) =>
      p.metadata.namespace === 'ingress-nginx'
        ? pod(p.metadata.name, controllerLabels, false, 'ingress-nginx')
        : p,
    );
    const [f] = controllerUnhealthy.run(ctxFor(snapshot, [svc]));
    expect(f?.check).toBe('ingress.controller-unhealthy');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toContain('ingress-nginx in ingress-nginx: 0 of 1 pod(s) ready');
    expect(f?.detail).toContain('nothing serves Ingress shop');
  });

  it('warns when one of two controller pods keeps restarting', () => {
    const { snapshot, svc } = routed();
    const restarting = pod('ingress-nginx-controller-2', controllerLabels, true, 'ingress-nginx');
    restarting.status!.containerStatuses = [
      {
        name: 'app',
        ready: true,
        restartCount: 4,
        lastState: {
          terminated: { exitCode: 137, reason: 'Error', finishedAt: new Date().toISOString() },
        },
      },
    ];
    snapshot.pods.push(restarting);
    const [f] = controllerUnhealthy.run(ctxFor(snapshot, [svc]));
    expect(f?.severity).toBe('warning');
    expect(f?.detail).toContain('restarted 4 times');
  });

  it('is silent when the controller is healthy or absent from the snapshot', () => {
    const { snapshot, svc } = routed();
    expect(controllerUnhealthy.run(ctxFor(snapshot, [svc]))).toEqual([]);
    snapshot.pods = snapshot.pods.filter((p) => p.metadata.namespace !== 'ingress-nginx');
    expect(controllerUnhealthy.run(ctxFor(snapshot, [svc]))).toEqual([]);
  });
});
