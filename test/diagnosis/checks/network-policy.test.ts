import { describe, expect, it } from 'vitest';
import type {
  Ingress,
  NetworkPolicy,
  Pod,
  Service,
  ServicePort,
} from '../../../src/cluster/k8s-types.js';
import { emptySnapshot, type Snapshot } from '../../../src/cluster/snapshot.js';
import { dnsEgressBlocked } from '../../../src/diagnosis/checks/netpol/dns-egress-blocked.js';
import { ingressBlocked } from '../../../src/diagnosis/checks/netpol/ingress-blocked.js';
import { DiagnosisContext } from '../../../src/diagnosis/context.js';
import type { RemediationPlan } from '../../../src/diagnosis/fixes/types.js';
import { CHECKS } from '../../../src/diagnosis/registry.js';

const networkPolicyChecks = CHECKS.filter((c) => c.layer === 'network-policy');

const NS = 'prod';

function pod(
  name: string,
  labels: Record<string, string>,
  ports: { name?: string; containerPort: number; protocol?: string }[],
  namespace = NS,
): Pod {
  return {
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'app', ports }] },
    status: {
      phase: 'Running',
      podIP: '10.0.0.10',
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

function service(name: string, selector: Record<string, string>, ports: ServicePort[]): Service {
  return { kind: 'Service', metadata: { name, namespace: NS }, spec: { selector, ports } };
}

function policy(name: string, spec: NetworkPolicy['spec'], namespace = NS): NetworkPolicy {
  return { kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}

function ingressTo(svcName: string, port: number): Ingress {
  return {
    kind: 'Ingress',
    metadata: { name: 'web', namespace: NS },
    spec: {
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [{ path: '/', backend: { service: { name: svcName, port: { number: port } } } }],
          },
        },
      ],
    },
  };
}

function manifestOf(plan: RemediationPlan | undefined): NetworkPolicy {
  const m = plan?.mutation;
  if (m?.type !== 'create') throw new Error(`expected a create mutation, got ${m?.type}`);
  return m.manifest as NetworkPolicy;
}

const defaultDeny = policy('default-deny', { podSelector: {}, policyTypes: ['Ingress'] });

/** api: Service port 80 -> container port 8080 (named http) of pods app=api. */
function apiSnapshot(...policies: NetworkPolicy[]): { snapshot: Snapshot; svc: Service } {
  const snapshot = emptySnapshot();
  const svc = service('api', { app: 'api' }, [{ name: 'web', port: 80, targetPort: 8080 }]);
  snapshot.services.push(svc);
  snapshot.pods.push(
    pod('api-1', { app: 'api', tier: 'backend' }, [{ name: 'http', containerPort: 8080 }]),
    pod('api-2', { app: 'api', tier: 'backend' }, [{ name: 'http', containerPort: 8080 }]),
  );
  snapshot.networkPolicies.push(...policies);
  return { snapshot, svc };
}

function ctxFor(snapshot: Snapshot, svc: Service): DiagnosisContext {
  return new DiagnosisContext({
    snapshot,
    target: { kind: 'Service', name: svc.metadata.name, namespace: NS, cluster: 'default' },
    services: [svc],
    now: new Date(),
  });
}

function run(snapshot: Snapshot, svc: Service) {
  return ingressBlocked.run(ctxFor(snapshot, svc));
}

describe('netpol.ingress-blocked', () => {
  it('reports a default-deny policy as blocking the target port from every source', () => {
    const { snapshot, svc } = apiSnapshot(defaultDeny);
    const findings = run(snapshot, svc);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.check).toBe('netpol.ingress-blocked');
    expect(f.layer).toBe('network-policy');
    expect(f.severity).toBe('critical');
    expect(f.title).toContain('default-deny');
    expect(f.title).toContain('8080');
    expect(f.title).toContain('Service api');
    expect(f.detail).toContain('no rule');
    expect(f.evidence[0]?.command).toBe(
      'kubectl get networkpolicy -n prod -o custom-columns=NAME:.metadata.name,POD-SELECTOR:.spec.podSelector,POLICY-TYPES:.spec.policyTypes,INGRESS:.spec.ingress',
    );
    expect(f.evidence[0]?.output.split('\n')).toContainEqual(
      expect.stringMatching(/^default-deny +map\[\] +\[Ingress\] +<none>$/),
    );
    expect(f.detail).toContain('default-deny (selects all pods): ingress no rules');
    expect(f.objects).toContainEqual({
      kind: 'NetworkPolicy',
      namespace: NS,
      name: 'default-deny',
    });
    const plan = f.remediations[0]!;
    expect(plan.id).toBe('allow-netpol-port');
    expect(plan.verify.checks).toEqual(['netpol.ingress-blocked']);
    const manifest = manifestOf(plan);
    expect(manifest.metadata.namespace).toBe(NS);
    expect(manifest.spec.podSelector).toEqual({ matchLabels: { app: 'api' } });
    expect(manifest.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
  });

  it('is quiet when an allow policy admits the container port', () => {
    const { snapshot, svc } = apiSnapshot(
      defaultDeny,
      policy('allow-api', {
        podSelector: { matchLabels: { app: 'api' } },
        ingress: [{ ports: [{ port: 8080 }] }],
      }),
    );
    expect(run(snapshot, svc)).toEqual([]);
  });

  it('is quiet when no policy selects the pods', () => {
    const { snapshot, svc } = apiSnapshot(
      policy('deny-db', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] }),
      policy('egress-only', { podSelector: {}, policyTypes: ['Egress'] }),
    );
    expect(run(snapshot, svc)).toEqual([]);
  });

  it('reports a policy that admits the Service port instead of the pod port', () => {
    const { snapshot, svc } = apiSnapshot(
      defaultDeny,
      policy('allow-api', {
        podSelector: { matchLabels: { app: 'api' } },
        ingress: [{ ports: [{ protocol: 'TCP', port: 80 }] }],
      }),
    );
    const [f] = run(snapshot, svc);
    expect(f?.severity).toBe('critical');
    expect(f?.title).toContain('8080');
    expect(f?.detail).toContain('allow-api admits port 80, the Service port');
    const manifest = manifestOf(f?.remediations[0]);
    expect(manifest.spec.ingress?.[0]?.ports?.[0]?.port).toBe(8080);
  });

  it('resolves named ports on both the Service and the policy', () => {
    const build = (policyPort: string) => {
      const { snapshot } = apiSnapshot(
        defaultDeny,
        policy('allow-named', {
          podSelector: { matchLabels: { app: 'api' } },
          ingress: [{ ports: [{ port: policyPort }] }],
        }),
      );
      const svc = service('api', { app: 'api' }, [{ port: 80, targetPort: 'http' }]);
      snapshot.services = [svc];
      return run(snapshot, svc);
    };
    expect(build('http')).toEqual([]);
    const [f] = build('metrics');
    expect(f?.severity).toBe('critical');
    expect(f?.detail).toContain('container port 8080/TCP (http)');
  });

  it('admits a port inside an endPort range and refuses another protocol', () => {
    const range = apiSnapshot(
      defaultDeny,
      policy('allow-range', {
        podSelector: {},
        ingress: [{ ports: [{ port: 8000, endPort: 8100 }] }],
      }),
    );
    expect(run(range.snapshot, range.svc)).toEqual([]);
    const udp = apiSnapshot(
      policy('allow-udp', {
        podSelector: {},
        ingress: [{ ports: [{ protocol: 'UDP', port: 8080 }] }],
      }),
    );
    expect(run(udp.snapshot, udp.svc)[0]?.severity).toBe('critical');
  });

  describe('a policy admitting only another namespace (monitoring)', () => {
    const onlyMonitoring = policy('allow-monitoring', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
          ],
          ports: [{ port: 8080 }],
        },
      ],
    });
    const controller = pod(
      'ingress-nginx-controller-abc',
      { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
      [{ containerPort: 80 }],
      'ingress-nginx',
    );

    it('is quiet when nothing routes to the Service from an Ingress (a deliberate restriction)', () => {
      const { snapshot, svc } = apiSnapshot(onlyMonitoring);
      snapshot.pods.push(controller);
      expect(run(snapshot, svc)).toEqual([]);
    });

    it('is critical when an Ingress routes to the Service and the controller namespace is not admitted', () => {
      const { snapshot, svc } = apiSnapshot(onlyMonitoring);
      snapshot.pods.push(controller);
      snapshot.ingresses.push(ingressTo('api', 80));
      const [f] = run(snapshot, svc);
      expect(f?.severity).toBe('critical');
      expect(f?.title).toContain('from the ingress controller (ingress-nginx)');
      expect(f?.detail).toContain('anywhere: blocked');
      expect(f?.detail).toContain('ingress controller (ingress-nginx): blocked');
      expect(f?.detail).toContain(
        'from namespaces kubernetes.io/metadata.name=monitoring on 8080/TCP',
      );
      expect(f?.remediations[0]?.id).toBe('allow-netpol-port');
    });

    it('is quiet once the ingress controller namespace is admitted (implicit namespace name label)', () => {
      const { snapshot, svc } = apiSnapshot(
        onlyMonitoring,
        policy('allow-ingress', {
          podSelector: { matchLabels: { app: 'api' } },
          ingress: [
            {
              from: [
                {
                  namespaceSelector: {
                    matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' },
                  },
                  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
                },
              ],
            },
          ],
        }),
      );
      snapshot.pods.push(controller);
      snapshot.ingresses.push(ingressTo('api', 80));
      expect(run(snapshot, svc)).toEqual([]);
    });

    it('uses the Namespace object labels for namespaceSelector', () => {
      const { snapshot, svc } = apiSnapshot(
        policy('allow-ingress-team', {
          podSelector: {},
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'edge' } } }] }],
        }),
      );
      snapshot.pods.push(controller);
      snapshot.ingresses.push(ingressTo('api', 80));
      expect(run(snapshot, svc)[0]?.severity).toBe('critical');
      snapshot.namespaces.push({
        kind: 'Namespace',
        metadata: { name: 'ingress-nginx', labels: { team: 'edge' } },
      });
      expect(run(snapshot, svc)).toEqual([]);
    });
  });

  it('warns when an Ingress routes in but only same-namespace pods are admitted and no controller is known', () => {
    const { snapshot, svc } = apiSnapshot(
      policy('same-ns', {
        podSelector: {},
        ingress: [{ from: [{ podSelector: {} }] }],
      }),
    );
    snapshot.ingresses.push(ingressTo('api', 80));
    const [f] = run(snapshot, svc);
    expect(f?.severity).toBe('warning');
    expect(f?.title).toContain('from outside namespace prod');
  });

  it('only warns when a side port is blocked but the main port is admitted', () => {
    const { snapshot } = apiSnapshot(
      defaultDeny,
      policy('allow-http', { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] }),
    );
    const svc = service('api', { app: 'api' }, [
      { name: 'web', port: 80, targetPort: 8080 },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ]);
    snapshot.services = [svc];
    const [f] = run(snapshot, svc);
    expect(f?.severity).toBe('warning');
    expect(f?.title).toContain('9090');
  });

  it('exports the network-policy checks', () => {
    expect(networkPolicyChecks.map((c) => c.id)).toEqual([
      'netpol.ingress-blocked',
      'netpol.dns-egress-blocked',
      'netpol.egress-blocked',
    ]);
  });
});

describe('netpol.dns-egress-blocked', () => {
  const egress = (rules: NetworkPolicy['spec']['egress']) =>
    policy('api-egress', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Egress'],
      egress: rules,
    });

  function runDns(...policies: NetworkPolicy[]) {
    const { snapshot, svc } = apiSnapshot(...policies);
    return dnsEgressBlocked.run(ctxFor(snapshot, svc));
  }

  it('warns when an egress policy admits only the database port', () => {
    const findings = runDns(
      egress([{ to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432 }] }]),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.check).toBe('netpol.dns-egress-blocked');
    expect(f.severity).toBe('warning');
    expect(f.title).toContain('api-egress');
    expect(f.title).toContain('DNS (UDP 53)');
    expect(f.detail).toContain('kube-system');
    expect(f.detail).toContain('protocol: UDP, port: 53');
    expect(f.detail).toContain('egress to pods app=db of the same namespace on 5432/TCP');
    expect(f.remediations).toEqual([]);
  });

  it('warns on an egress default-deny and notes when only TCP 53 is admitted', () => {
    expect(
      runDns(policy('deny-egress', { podSelector: {}, policyTypes: ['Egress'] })),
    ).toHaveLength(1);
    const [f] = runDns(egress([{ ports: [{ protocol: 'TCP', port: 53 }] }]));
    expect(f?.detail).toContain('TCP 53 is admitted');
  });

  it('is quiet when DNS to kube-system is admitted', () => {
    expect(
      runDns(
        egress([
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
                },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ]),
      ),
    ).toEqual([]);
  });

  it('is quiet for rules that admit everything or every address', () => {
    expect(runDns(egress([{}]))).toEqual([]);
    expect(runDns(egress([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }]))).toEqual([]);
    expect(
      runDns(
        egress([{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 'dns' }] }]),
      ),
    ).toEqual([]);
  });

  it('is quiet when no policy restricts egress', () => {
    expect(runDns(defaultDeny)).toEqual([]);
  });
});
