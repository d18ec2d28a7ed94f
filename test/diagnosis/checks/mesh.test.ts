import { describe, expect, it } from 'vitest';
import type {
  DestinationRule,
  IstioDestination,
  Service,
  VirtualService,
} from '../../../src/cluster/k8s-types.js';
import { emptySnapshot, type Snapshot } from '../../../src/cluster/snapshot.js';
import { destinationRuleSubsetMissing } from '../../../src/diagnosis/checks/mesh/destinationrule-subset-missing.js';
import { virtualServiceMisrouted } from '../../../src/diagnosis/checks/mesh/virtualservice-misrouted.js';
import { DiagnosisContext } from '../../../src/diagnosis/context.js';
import { CHECKS } from '../../../src/diagnosis/registry.js';

const meshChecks = CHECKS.filter((c) => c.layer === 'mesh');

const NS = 'prod';

function service(name: string, namespace = NS): Service {
  return {
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

function virtualService(
  name: string,
  hosts: string[],
  ...destinations: IstioDestination[]
): VirtualService {
  return {
    kind: 'VirtualService',
    metadata: { name, namespace: NS },
    spec: { hosts, http: [{ route: destinations.map((destination) => ({ destination })) }] },
  };
}

function destinationRule(name: string, host: string, subsets: string[]): DestinationRule {
  return {
    kind: 'DestinationRule',
    metadata: { name, namespace: NS },
    spec: { host, subsets: subsets.map((s) => ({ name: s, labels: { version: s } })) },
  };
}

function world(): { snapshot: Snapshot; svc: Service } {
  const snapshot = emptySnapshot();
  const svc = service('api-service');
  snapshot.services.push(svc, service('billing'));
  snapshot.namespaces.push({ kind: 'Namespace', metadata: { name: NS } });
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

describe('mesh.virtualservice-misrouted', () => {
  it('reports a destination host naming no Service, with the patch to the near one', () => {
    const { snapshot, svc } = world();
    snapshot.virtualServices.push(
      virtualService('api', ['api.example.com'], { host: 'api-svc', port: { number: 80 } }),
    );
    const [f, ...rest] = virtualServiceMisrouted.run(ctxFor(snapshot, svc));
    expect(rest).toEqual([]);
    expect(f?.check).toBe('mesh.virtualservice-misrouted');
    expect(f?.layer).toBe('mesh');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toBe(
      'VirtualService api routes to host api-svc, but Service api-svc does not exist in prod',
    );
    expect(f?.detail).toContain('Did you mean Service api-service?');
    const patch = `kubectl patch virtualservice api -n prod --type=json -p '[{"op":"replace","path":"/spec/http/0/route/0/destination/host","value":"api-service"}]'`;
    expect(f?.evidence.map((e) => e.command)).toContain(patch);
    expect(f?.remediations).toEqual([]);
  });

  it('reports a destination port that is not a Service port', () => {
    const { snapshot, svc } = world();
    snapshot.virtualServices.push(
      virtualService('api', ['api-service'], {
        host: 'api-service.prod.svc.cluster.local',
        port: { number: 8080 },
      }),
    );
    const [f] = virtualServiceMisrouted.run(ctxFor(snapshot, svc));
    expect(f?.severity).toBe('critical');
    expect(f?.title).toBe(
      'VirtualService api routes to port 8080 of Service api-service, which has no such port',
    );
    expect(f?.evidence.at(-1)?.command).toContain(
      '"path":"/spec/http/0/route/0/destination/port/number","value":80',
    );
  });

  it('is quiet for correct routes written as short name, svc.ns and FQDN', () => {
    const { snapshot, svc } = world();
    snapshot.virtualServices.push(
      virtualService(
        'api',
        ['api-service'],
        { host: 'api-service', port: { number: 80 } },
        { host: 'api-service.prod' },
        { host: 'api-service.prod.svc.cluster.local', port: { number: 80 } },
      ),
    );
    expect(virtualServiceMisrouted.run(ctxFor(snapshot, svc))).toEqual([]);
  });

  it('ignores VirtualServices about other services and external hosts', () => {
    const { snapshot, svc } = world();
    snapshot.virtualServices.push(
      virtualService('payments', ['payments'], { host: 'payments-gateway' }),
      virtualService('ext', ['api-service'], { host: 'httpbin.org' }),
    );
    expect(virtualServiceMisrouted.run(ctxFor(snapshot, svc))).toEqual([]);
  });

  it('is quiet when the snapshot has no mesh objects', () => {
    const { snapshot, svc } = world();
    expect(virtualServiceMisrouted.run(ctxFor(snapshot, svc))).toEqual([]);
  });
});

describe('mesh.destinationrule-subset-missing', () => {
  const canary = () =>
    virtualService(
      'api',
      ['api-service'],
      { host: 'api-service', subset: 'v1' },
      { host: 'api-service', subset: 'v2' },
    );

  it('reports a subset the DestinationRule does not define', () => {
    const { snapshot, svc } = world();
    snapshot.virtualServices.push(canary());
    snapshot.destinationRules.push(
      destinationRule('api', 'api-service.prod.svc.cluster.local', ['v1']),
    );
    const [f, ...rest] = destinationRuleSubsetMissing.run(ctxFor(snapshot, svc));
    expect(rest).toEqual([]);
    expect(f?.check).toBe('mesh.destinationrule-subset-missing');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toBe(
      'VirtualService api routes to subset v2 of api-service, which DestinationRule api does not define',
    );
    expect(f?.detail).toContain('Subsets defined: v1');
    expect(f?.objects).toContainEqual({ kind: 'DestinationRule', namespace: NS, name: 'api' });
  });

  it('reports subsets when no DestinationRule exists for the host', () => {
    const { snapshot, svc } = world();
    snapshot.virtualServices.push(canary());
    snapshot.destinationRules.push(destinationRule('billing', 'billing', ['v1', 'v2']));
    const findings = destinationRuleSubsetMissing.run(ctxFor(snapshot, svc));
    expect(findings.map((f) => f.title)).toEqual([
      'VirtualService api routes to subset v1 of api-service, but no DestinationRule defines subsets for that host',
      'VirtualService api routes to subset v2 of api-service, but no DestinationRule defines subsets for that host',
    ]);
  });

  it('is quiet when every subset is defined', () => {
    const { snapshot, svc } = world();
    snapshot.virtualServices.push(canary());
    snapshot.destinationRules.push(destinationRule('api', 'api-service', ['v1', 'v2']));
    expect(destinationRuleSubsetMissing.run(ctxFor(snapshot, svc))).toEqual([]);
  });

  it('exports both mesh checks', () => {
    expect(meshChecks.map((c) => c.id)).toEqual([
      'mesh.virtualservice-misrouted',
      'mesh.destinationrule-subset-missing',
    ]);
  });
});
