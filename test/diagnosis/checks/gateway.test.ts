// Gateway API (issue 10): HTTPRoutes in front of a Service, as `kubectl get -o json` prints them
// and as Envoy Gateway reports their status. The expectations are those of the real-shapes
// tests (test/diagnosis/real-shapes.test.ts on the generator branch), on states built here: a
// healthy Service behind a shared Gateway, broken one way at a time. A check that throws fails
// the test (production reports it as skipped).
import { describe, expect, it } from 'vitest';
import type { GatewayRoute } from '../../../src/cluster/k8s-types.js';
import { addObjects, emptySnapshot } from '../../../src/cluster/snapshot.js';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import { parseTarget, resolveTarget } from '../../../src/diagnosis/target.js';
import type { Finding, Report, Target } from '../../../src/diagnosis/types.js';
import { resourcePath } from '../../../src/remediation/apply.js';

const NOW = '2026-03-01T12:00:00Z';
const at = (secondsAgo: number) => new Date(Date.parse(NOW) - secondsAgo * 1000).toISOString();
const CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

/* Raw API JSON, mutated in place to break a state the way controllers report it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Case {
  namespace: string;
  service: string;
  port: number;
  containerPort: number;
}

/** Three shapes, as the generator's seeds give: names, namespaces and ports vary. */
const CASES: Case[] = [
  { namespace: 'shop', service: 'checkout', port: 80, containerPort: 8080 },
  { namespace: 'payments', service: 'payments-api', port: 8443, containerPort: 8443 },
  { namespace: 'team-a', service: 'web-frontend', port: 8080, containerPort: 3000 },
];

interface State extends Case {
  objects: Json[];
  svc: Json;
  route: Json;
}

let uids = 0;
const meta = (name: string, namespace?: string, extra: Json = {}) => ({
  name,
  ...(namespace ? { namespace } : {}),
  uid: `uid-${++uids}`,
  resourceVersion: String(1000 + uids),
  creationTimestamp: at(86400 * 10),
  ...extra,
});

/** A healthy Deployment behind a Service, sent to by an accepted HTTPRoute on a shared Gateway. */
function healthy(c: Case): State {
  const { namespace: ns, service: name } = c;
  const labels = { app: name };
  const objects: Json[] = [];
  const add = <T extends Json>(o: T): T => (objects.push(o), o);
  add({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns), status: { phase: 'Active' } });
  add({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta('node-a'),
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
  });
  const deploy = add({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, ns, {
      generation: 1,
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    }),
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            { name: 'app', image: `${name}:1`, ports: [{ containerPort: c.containerPort }] },
          ],
        },
      },
    },
    status: {
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
    },
  });
  const rs = add({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: meta(`${name}-6d4b8`, ns, {
      labels,
      annotations: { 'deployment.kubernetes.io/revision': '1' },
      ownerReferences: [{ kind: 'Deployment', name, uid: deploy.metadata.uid, controller: true }],
    }),
    spec: { replicas: 2, selector: { matchLabels: labels }, template: deploy.spec.template },
    status: { replicas: 2, readyReplicas: 2, availableReplicas: 2 },
  });
  const pods = [0, 1].map((i) =>
    add({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(`${name}-6d4b8-x${i}`, ns, {
        labels,
        ownerReferences: [
          { kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true },
        ],
      }),
      spec: { nodeName: 'node-a', containers: deploy.spec.template.spec.containers },
      status: {
        phase: 'Running',
        podIP: `10.0.0.${i + 10}`,
        conditions: [
          { type: 'Ready', status: 'True', lastTransitionTime: at(86400) },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: at(86400) },
        ],
        containerStatuses: [
          {
            name: 'app',
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: at(86400) } },
          },
        ],
      },
    }),
  );
  const svc = add({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, ns),
    spec: {
      selector: labels,
      ports: [{ name: 'http', port: c.port, targetPort: c.containerPort, protocol: 'TCP' }],
    },
  });
  add({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta(`${name}-abcde`, ns, { labels: { 'kubernetes.io/service-name': name } }),
    addressType: 'IPv4',
    endpoints: pods.map((p) => ({
      addresses: [p.status.podIP],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', name: p.metadata.name, namespace: ns },
    })),
    ports: [{ name: 'http', port: c.containerPort, protocol: 'TCP' }],
  });
  add({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: meta('public', 'gateway-infra'),
    spec: {
      gatewayClassName: 'eg',
      listeners: [
        {
          name: 'https',
          protocol: 'HTTPS',
          port: 443,
          hostname: '*.example.com',
          allowedRoutes: { namespaces: { from: 'All' } },
        },
      ],
    },
    status: { conditions: [{ type: 'Programmed', status: 'True', reason: 'Programmed' }] },
  });
  const parentRef = {
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    name: 'public',
    namespace: 'gateway-infra',
    sectionName: 'https',
  };
  const condition = (type: string, message: string) => ({
    type,
    status: 'True',
    reason: type,
    message,
    observedGeneration: 1,
    lastTransitionTime: at(86400),
  });
  const route = add({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: meta(`${name}-route`, ns, { generation: 1 }),
    spec: {
      parentRefs: [parentRef],
      hostnames: [`${name}.example.com`],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ group: '', kind: 'Service', name, port: c.port, weight: 1 }],
        },
      ],
    },
    status: {
      parents: [
        {
          parentRef,
          controllerName: CONTROLLER,
          conditions: [
            condition('Accepted', 'Route is accepted'),
            condition('ResolvedRefs', 'Resolved all the Object references for the Route'),
          ],
        },
      ],
    },
  });
  return { ...c, objects, svc, route };
}

function routeTarget(s: State): Target {
  return {
    kind: 'HTTPRoute',
    name: s.route.metadata.name,
    namespace: s.namespace,
    cluster: 'test',
  };
}
function serviceTarget(s: State): Target {
  return { kind: 'Service', name: s.service, namespace: s.namespace, cluster: 'test' };
}

function run(s: State, target: Target = serviceTarget(s)): Report {
  const snapshot = emptySnapshot(NOW);
  addObjects(snapshot, structuredClone(s.objects));
  const report = diagnose(snapshot, target, { now: new Date(NOW) });
  const why = JSON.stringify(report, null, 1);
  expect(
    report.skipped.filter((x) => x.reason.startsWith('check failed')),
    why,
  ).toEqual([]);
  return report;
}

const why = (r: Report) =>
  `${r.verdict} ${r.rootCause}\n${r.findings.map((f) => `${f.severity} ${f.check}: ${f.title}`).join('\n')}`;
const text = (f: Finding) =>
  `${f.title}\n${f.detail}\n${f.evidence.map((e) => e.output).join('\n')}`;
const findingOf = (r: Report, id: string) => r.findings.find((f) => f.check === id);

function expectHealthy(s: State, target?: Target): Report {
  const r = run(s, target);
  expect(r.verdict, why(r)).toBe('healthy');
  expect(
    r.findings.filter((f) => f.severity === 'critical'),
    why(r),
  ).toEqual([]);
  return r;
}

function expectRoot(s: State, id: string, target?: Target): Finding {
  const r = run(s, target);
  expect(r.rootCause, why(r)).toBe(id);
  return findingOf(r, id) as Finding;
}

/** A one-letter typo, as a person makes it: a dropped character. */
const typo = (name: string) => name.slice(0, -2) + name.slice(-1);

function conditionOf(route: Json, type: string): Json {
  return route.status.parents[0].conditions.find((c: Json) => c.type === type);
}

function backendMissing(c: Case): State {
  const s = healthy(c);
  const b = s.route.spec.rules[0].backendRefs[0];
  b.name = typo(b.name);
  Object.assign(conditionOf(s.route, 'ResolvedRefs'), {
    status: 'False',
    reason: 'BackendNotFound',
    message: `Failed to process route rule 0 backendRef 0: service ${s.namespace}/${b.name} not found.`,
  });
  return s;
}

function portMismatch(c: Case): State {
  const s = healthy(c);
  s.route.spec.rules[0].backendRefs[0].port = c.port === c.containerPort ? 9999 : c.containerPort;
  return s;
}

describe('Gateway API', () => {
  it('an accepted HTTPRoute to a healthy Service: the Service is healthy', () => {
    for (const c of CASES) expectHealthy(healthy(c));
  });

  it('an accepted HTTPRoute to a healthy Service: the route target is healthy', () => {
    for (const c of CASES) {
      const s = healthy(c);
      const r = expectHealthy(s, routeTarget(s));
      expect(r.target.kind).toBe('HTTPRoute');
    }
  });

  it('an HTTPRoute backendRef naming a missing Service is gateway.backend-missing, fixed by patch-route-backend', () => {
    for (const c of CASES) {
      const s = backendMissing(c);
      const r = run(s, routeTarget(s));
      expect(r.target.kind).toBe('HTTPRoute');
      expect(r.rootCause, why(r)).toBe('gateway.backend-missing');
      const f = findingOf(r, 'gateway.backend-missing') as Finding;
      expect(f.severity).toBe('critical');
      expect(text(f)).toContain(s.route.spec.rules[0].backendRefs[0].name);
      // The typo has one near Service: the plan points the backendRef at it.
      const plan = f.remediations.find((p) => p.id === 'patch-route-backend');
      expect(plan, why(r)).toBeDefined();
      expect(JSON.stringify(plan)).toContain(s.service);
      // The controller's ResolvedRefs=False is explained by the missing Service, ranked after it.
      expect(r.findings.map((x) => x.check)).toContain('gateway.route-not-accepted');
    }
  });

  it('a Service target takes in the routes that send to it: a wrong backendRef port is gateway.backend-port-mismatch', () => {
    for (const c of CASES) {
      const s = portMismatch(c);
      const f = expectRoot(s, 'gateway.backend-port-mismatch');
      expect(f.objects.some((o) => o.kind === 'HTTPRoute')).toBe(true);
      // The Service has one port: the plan sets the backendRef to it.
      expect(f.remediations.map((p) => p.id)).toContain('patch-route-backend');
      expect(JSON.stringify(f.remediations)).toContain(String(s.svc.spec.ports[0].port));
      // The same from the route's side.
      expectRoot(s, 'gateway.backend-port-mismatch', routeTarget(s));
    }
  });

  it('a route whose parent reports Accepted=False is gateway.route-not-accepted with the controller message', () => {
    const message = 'No listeners included by this parent ref allowed this attachment.';
    for (const c of CASES) {
      const s = healthy(c);
      s.route.spec.hostnames = ['shop.internal.corp'];
      Object.assign(conditionOf(s.route, 'Accepted'), {
        status: 'False',
        reason: 'NoMatchingListenerHostname',
        message,
      });
      const f = expectRoot(s, 'gateway.route-not-accepted');
      expect(text(f)).toContain(message);
      expect(text(f)).toContain(CONTROLLER);
      expect(text(f)).toContain('NoMatchingListenerHostname');
      expect(text(expectRoot(s, 'gateway.route-not-accepted', routeTarget(s)))).toContain(message);
    }
  });

  it('a route whose parent reports ResolvedRefs=False is gateway.route-not-accepted with the controller message', () => {
    const message =
      'Failed to process route rule 0 backendRef 0: unsupported appProtocol kubernetes.io/ws.';
    for (const c of CASES) {
      const s = healthy(c);
      Object.assign(conditionOf(s.route, 'ResolvedRefs'), {
        status: 'False',
        reason: 'UnsupportedProtocol',
        message,
      });
      expect(text(expectRoot(s, 'gateway.route-not-accepted'))).toContain(message);
      expect(text(expectRoot(s, 'gateway.route-not-accepted', routeTarget(s)))).toContain(message);
    }
  });

  it('a broken backend beside a healthy weighted one in the same rule is a warning, not critical', () => {
    const s = healthy(CASES[0] as Case);
    const refs = s.route.spec.rules[0].backendRefs;
    refs.push({ group: '', kind: 'Service', name: 'checkout-canary', port: 80, weight: 1 });
    const r = run(s, routeTarget(s));
    const f = findingOf(r, 'gateway.backend-missing') as Finding;
    expect(f.severity, why(r)).toBe('warning');
    expect(r.verdict).toBe('degraded');
    // No Service is near enough to be the one meant: no plan guesses.
    expect(f.remediations).toEqual([]);
  });

  it('a route in another namespace naming the Service is taken in by the Service target', () => {
    const s = healthy(CASES[0] as Case);
    const other = structuredClone(s.route);
    other.metadata = meta('storefront', 'web');
    other.spec.rules[0].backendRefs[0].namespace = s.namespace;
    other.spec.rules[0].backendRefs[0].port = 81;
    s.objects.push(other);
    const f = expectRoot(s, 'gateway.backend-port-mismatch');
    expect(f.objects).toContainEqual({ kind: 'HTTPRoute', namespace: 'web', name: 'storefront' });
    // And the route target resolves to the Service in the other namespace.
    const snapshot = emptySnapshot(NOW);
    addObjects(snapshot, s.objects);
    const res = resolveTarget(snapshot, {
      kind: 'HTTPRoute',
      name: 'storefront',
      namespace: 'web',
      cluster: 'test',
    });
    expect(res.ok && res.services.map((x) => `${x.metadata.namespace}/${x.metadata.name}`)).toEqual(
      [`${s.namespace}/${s.service}`],
    );
  });
});

describe('patch-route-backend', () => {
  it('pins the route uid and the old backendRef, and undoes to it', () => {
    const s = backendMissing(CASES[0] as Case);
    const r = run(s, routeTarget(s));
    const plan = findingOf(r, 'gateway.backend-missing')?.remediations[0];
    if (!plan || plan.mutation.type !== 'json-patch' || plan.inverse?.type !== 'json-patch')
      throw new Error(`no JSON patch plan: ${why(r)}`);
    const path = '/spec/rules/0/backendRefs/0';
    const wrong = s.route.spec.rules[0].backendRefs[0].name;
    expect(plan.mutation.ops).toEqual([
      { op: 'test', path: '/metadata/uid', value: s.route.metadata.uid },
      { op: 'test', path: `${path}/name`, value: wrong },
      { op: 'replace', path: `${path}/name`, value: s.service },
      { op: 'test', path: `${path}/port`, value: s.port },
      { op: 'replace', path: `${path}/port`, value: s.port },
    ]);
    expect(plan.inverse.ops).toEqual([
      { op: 'test', path: '/metadata/uid', value: s.route.metadata.uid },
      { op: 'test', path: `${path}/name`, value: s.service },
      { op: 'replace', path: `${path}/name`, value: wrong },
      { op: 'test', path: `${path}/port`, value: s.port },
      { op: 'replace', path: `${path}/port`, value: s.port },
    ]);
    expect(plan.kubectlArgv).toEqual([
      'kubectl',
      'patch',
      'httproute',
      s.route.metadata.name,
      '-n',
      s.namespace,
      '--type=json',
      '-p',
      JSON.stringify(plan.mutation.ops),
    ]);
    expect(plan.object).toEqual({
      kind: 'HTTPRoute',
      apiVersion: 'gateway.networking.k8s.io/v1',
      namespace: s.namespace,
      name: s.route.metadata.name,
    });
    // The apply path finds the plural through the kinds table.
    expect(resourcePath(plan.object)).toBe(
      `/apis/gateway.networking.k8s.io/v1/namespaces/${s.namespace}/httproutes/${s.route.metadata.name}`,
    );
    expect(plan.verify.checks).toContain('gateway.backend-missing');
  });
});

describe('httproute target', () => {
  it('parses httproute/ and httproutes/', () => {
    expect(parseTarget('httproute/web', 'shop')).toMatchObject({ kind: 'HTTPRoute', name: 'web' });
    expect(parseTarget('HTTPRoutes/web', 'shop')).toMatchObject({ kind: 'HTTPRoute', name: 'web' });
  });

  it('a missing route is said to be missing, with the route of that name elsewhere', () => {
    const s = healthy(CASES[0] as Case);
    const snapshot = emptySnapshot(NOW);
    addObjects(snapshot, s.objects);
    const route = s.route as GatewayRoute;
    const res = resolveTarget(snapshot, {
      kind: 'HTTPRoute',
      name: route.metadata.name,
      namespace: 'other',
      cluster: 'test',
    });
    expect(res.ok).toBe(false);
    expect(!res.ok && 'missing' in res && res.missing.nearest.join()).toContain(s.namespace);
  });
});
