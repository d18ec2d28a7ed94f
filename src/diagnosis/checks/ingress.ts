// The ingress layer: Ingresses in front of the Services in scope, their backends, TLS secrets
// and the controller pods that serve them.
import type { Ingress, Pod, Service, ServicePort } from '../../cluster/k8s-types.js';
import type { Snapshot } from '../../cluster/snapshot.js';
import { patchIngressBackend, pointer } from '../../remediation/plans.js';
import { finding } from '../catalogue.js';
import { type DiagnosisContext, evidence, isLive, ref, shown } from '../context.js';
import { editDistance } from '../selectors.js';
import type { Check, Evidence, Finding } from '../types.js';
import { podLine, podTrouble } from './dns.js';

const CONTROLLER_NAMES = ['ingress-nginx', 'traefik', 'haproxy-ingress', 'contour', 'kong'];
const NAME_LABEL = 'app.kubernetes.io/name';
const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** Live ingress controller (and data-plane) pods, recognised by their well-known labels. */
export function ingressControllerPods(snapshot: Snapshot): Pod[] {
  return snapshot.pods.filter((p) => {
    if (!isLive(p)) return false;
    const l = p.metadata.labels ?? {};
    if (l[COMPONENT_LABEL] === 'admission-webhook') return false;
    if (CONTROLLER_NAMES.includes(l[NAME_LABEL] ?? '')) return true;
    return l[COMPONENT_LABEL] === 'controller' && (p.metadata.namespace ?? '').includes('ingress');
  });
}

type BackendPort = { number?: number; name?: string };

export interface IngressBackendRef {
  ingress: Ingress;
  /** JSON pointer of the backend's `service` object. */
  path: string;
  service: { name: string; port?: BackendPort };
  /** Where the rule applies, e.g. "shop.example.com/api" or "default backend". */
  route: string;
  host?: string;
}

/** Every Service backend of an Ingress: the default backend and each rule path. */
export function ingressBackendRefs(ing: Ingress): IngressBackendRef[] {
  const out: IngressBackendRef[] = [];
  const def = ing.spec.defaultBackend?.service;
  if (def) {
    out.push({
      ingress: ing,
      path: pointer('spec', 'defaultBackend', 'service'),
      service: def,
      route: 'default backend',
    });
  }
  (ing.spec.rules ?? []).forEach((rule, i) => {
    (rule.http?.paths ?? []).forEach((p, j) => {
      const svc = p.backend.service;
      if (!svc) return;
      out.push({
        ingress: ing,
        path: pointer('spec', 'rules', i, 'http', 'paths', j, 'backend', 'service'),
        service: svc,
        route: `${rule.host ?? '*'}${p.path ?? '/'}`,
        host: rule.host,
      });
    });
  });
  return out;
}

/** The Ingress backends in the Service's namespace that name it. */
export function ingressRefsTo(snapshot: Snapshot, svc: Service): IngressBackendRef[] {
  return snapshot.ingresses
    .filter((i) => i.metadata.namespace === svc.metadata.namespace)
    .flatMap(ingressBackendRefs)
    .filter((r) => r.service.name === svc.metadata.name);
}

/** Close enough to be a typo of one another: a substring, or a small edit distance. */
export function isNearName(a: string, b: string): boolean {
  if (a === b) return false;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.min(x.length, y.length) >= 3 && (x.includes(y) || y.includes(x))) return true;
  return editDistance(x, y) <= Math.max(1, Math.floor(Math.max(x.length, y.length) * 0.4));
}

/** The one nearest name, when it is near and no other name is equally near. */
export function uniqueNearest(wanted: string, names: string[]): string | undefined {
  const score = (n: string) => {
    const w = wanted.toLowerCase();
    const l = n.toLowerCase();
    return (l.includes(w) || w.includes(l) ? 0 : 1000) + editDistance(w, l);
  };
  const ranked = [...new Set(names)]
    .filter((n) => isNearName(wanted, n))
    .map((n) => ({ n, s: score(n) }))
    .sort((a, b) => a.s - b.s);
  const [first, second] = ranked;
  if (!first || (second && second.s === first.s)) return undefined;
  return first.n;
}

function servicesIn(snapshot: Snapshot, ns: string | undefined): Service[] {
  return snapshot.services.filter((s) => s.metadata.namespace === ns);
}

function serviceNamed(snapshot: Snapshot, ns: string | undefined, name: string) {
  return snapshot.services.find((s) => s.metadata.namespace === ns && s.metadata.name === name);
}

/**
 * The backends this diagnosis is about: every backend of a target Ingress, and in other Ingresses
 * the backends that name a Service in scope, a missing target Service, or a missing Service whose
 * name is a near miss of one in scope (a typo in the Ingress).
 */
export function scopedIngressBackends(ctx: DiagnosisContext): IngressBackendRef[] {
  const out = new Map<string, IngressBackendRef>();
  const add = (r: IngressBackendRef) =>
    out.set(`${r.ingress.metadata.namespace}/${r.ingress.metadata.name}${r.path}`, r);
  const { snapshot, target } = ctx;
  if (target.kind === 'Ingress') {
    const ing = snapshot.ingresses.find(
      (i) => i.metadata.namespace === target.namespace && i.metadata.name === target.name,
    );
    if (ing) ingressBackendRefs(ing).forEach(add);
  }
  for (const svc of ctx.services) {
    const ns = svc.metadata.namespace;
    for (const ing of snapshot.ingresses.filter((i) => i.metadata.namespace === ns)) {
      for (const r of ingressBackendRefs(ing)) {
        if (r.service.name === svc.metadata.name) add(r);
        else if (
          !serviceNamed(snapshot, ns, r.service.name) &&
          isNearName(r.service.name, svc.metadata.name)
        )
          add(r);
      }
    }
  }
  const m = ctx.missing;
  if (m?.kind === 'Service') {
    for (const ing of snapshot.ingresses.filter((i) => i.metadata.namespace === m.namespace))
      ingressBackendRefs(ing)
        .filter((r) => r.service.name === m.name)
        .forEach(add);
  }
  return [...out.values()];
}

function scopedIngresses(refs: IngressBackendRef[]): Ingress[] {
  return [...new Set(refs.map((r) => r.ingress))];
}

function portText(p: BackendPort | undefined): string {
  return p?.number !== undefined ? String(p.number) : (p?.name ?? '(no port)');
}

function servicePortText(p: ServicePort): string {
  const target = p.targetPort !== undefined && p.targetPort !== p.port ? ` -> ${p.targetPort}` : '';
  return `${p.name ? `${p.name}=` : ''}${p.port}${target}/${p.protocol ?? 'TCP'}`;
}

function getIngress(ing: Ingress, output: string): Evidence {
  return evidence(
    ['get', 'ingress', ing.metadata.name, '-n', ing.metadata.namespace ?? '', '-o', 'yaml'],
    output,
  );
}

function backendEvidence(r: IngressBackendRef): Evidence {
  return getIngress(
    r.ingress,
    `${r.route} -> service ${r.service.name} port ${portText(r.service.port)}`,
  );
}

/** The backend port to write: the same port if the Service has it, else its first port. */
function portOn(svc: Service, current: BackendPort | undefined): BackendPort | undefined {
  const ports = svc.spec.ports ?? [];
  if (current?.number !== undefined && ports.some((p) => p.port === current.number))
    return { number: current.number };
  if (current?.name !== undefined && ports.some((p) => p.name === current.name))
    return { name: current.name };
  const first = ports[0];
  return first ? { number: first.port } : undefined;
}

export const backendMissing: Check = {
  id: 'ingress.backend-missing',
  reads: ['ingresses', 'services'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of scopedIngressBackends(ctx)) {
      const ns = r.ingress.metadata.namespace;
      if (serviceNamed(ctx.snapshot, ns, r.service.name)) continue;
      const names = servicesIn(ctx.snapshot, ns).map((s) => s.metadata.name);
      const near = uniqueNearest(r.service.name, names);
      const nearSvc = near ? serviceNamed(ctx.snapshot, ns, near) : undefined;
      const wantedPort = nearSvc ? portOn(nearSvc, r.service.port) : undefined;
      const ing = r.ingress.metadata.name;
      out.push(
        finding('ingress.backend-missing', {
          severity: 'critical',
          title: `Ingress ${ing} routes ${r.route} to Service ${r.service.name}, which does not exist in ${ns}`,
          detail:
            `The ingress controller has nowhere to send requests for ${r.route} and answers 503. ` +
            (near
              ? `Did you mean Service ${near}? Point the rule at it.`
              : names.length
                ? `Services in ${ns}: ${names.slice(0, 8).join(', ')}. Create ${r.service.name} or fix the rule.`
                : `Namespace ${ns} has no Services; create ${r.service.name} or fix the rule.`),
          evidence: [
            backendEvidence(r),
            evidence(
              ['get', 'service', r.service.name, '-n', ns ?? ''],
              `Error from server (NotFound): services "${r.service.name}" not found`,
            ),
          ],
          objects: [ref('Ingress', r.ingress), ...(nearSvc ? [ref('Service', nearSvc)] : [])],
          remediations:
            near && wantedPort
              ? [
                  patchIngressBackend(
                    r.ingress,
                    r.path,
                    r.service,
                    { name: near, port: wantedPort },
                    ['ingress.backend-missing'],
                  ),
                ]
              : [],
        }),
      );
    }
    return out;
  },
};

function hasPort(svc: Service, port: BackendPort | undefined): boolean | undefined {
  const ports = svc.spec.ports ?? [];
  if (port?.number !== undefined) return ports.some((p) => p.port === port.number);
  if (port?.name !== undefined) return ports.some((p) => p.name === port.name);
  return undefined;
}

/** The Service port an Ingress most likely meant: the only one, or the one that forwards to
 * the port (or name) it gave. */
function intendedPort(svc: Service, port: BackendPort | undefined): ServicePort | undefined {
  const ports = svc.spec.ports ?? [];
  if (ports.length === 1) return ports[0];
  if (port?.number !== undefined) {
    const n = port.number;
    return ports.find((p) => p.targetPort === n || String(p.targetPort) === String(n));
  }
  if (port?.name !== undefined) {
    const name = port.name;
    const byTarget = ports.find((p) => p.targetPort === name);
    if (byTarget) return byTarget;
    const near = uniqueNearest(
      name,
      ports.flatMap((p) => (p.name ? [p.name] : [])),
    );
    return near ? ports.find((p) => p.name === near) : undefined;
  }
  return undefined;
}

export const backendPortMismatch: Check = {
  id: 'ingress.backend-port-mismatch',
  reads: ['ingresses', 'services'],
  run(ctx) {
    const out: Finding[] = [];
    for (const r of scopedIngressBackends(ctx)) {
      const ns = r.ingress.metadata.namespace;
      const svc = serviceNamed(ctx.snapshot, ns, r.service.name);
      if (!svc || svc.spec.type === 'ExternalName') continue;
      if (hasPort(svc, r.service.port) !== false) continue;
      const ports = svc.spec.ports ?? [];
      const chosen = intendedPort(svc, r.service.port);
      const byName = r.service.port?.name !== undefined;
      const wanted: BackendPort | undefined = chosen
        ? byName && chosen.name
          ? { name: chosen.name }
          : { number: chosen.port }
        : undefined;
      const given = portText(r.service.port);
      out.push(
        finding('ingress.backend-port-mismatch', {
          severity: 'critical',
          title: `Ingress ${r.ingress.metadata.name} routes ${r.route} to port ${given} of Service ${svc.metadata.name}, which has no such port`,
          detail:
            `Service ${svc.metadata.name} exposes ${ports.map(servicePortText).join(', ') || 'no ports'}. ` +
            `An Ingress backend names a Service port ${byName ? '(by its name)' : '(port, not targetPort)'}; ` +
            `with no match the controller has no upstream and answers 503. ` +
            (chosen
              ? `Use port ${portText(wanted)}.`
              : 'Set the backend port to one of the Service ports above.'),
          evidence: [
            backendEvidence(r),
            evidence(
              ['get', 'service', svc.metadata.name, '-n', ns ?? '', '-o', 'jsonpath={.spec.ports}'],
              JSON.stringify(ports),
            ),
          ],
          objects: [ref('Ingress', r.ingress), ref('Service', svc)],
          remediations: wanted
            ? [
                patchIngressBackend(
                  r.ingress,
                  r.path,
                  r.service,
                  { name: svc.metadata.name, port: wanted },
                  ['ingress.backend-port-mismatch'],
                ),
              ]
            : [],
        }),
      );
    }
    return out;
  },
};

export const backendNoEndpoints: Check = {
  id: 'ingress.backend-no-endpoints',
  reads: ['ingresses', 'services', 'pods'],
  run(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const r of scopedIngressBackends(ctx)) {
      const ns = r.ingress.metadata.namespace;
      const svc = serviceNamed(ctx.snapshot, ns, r.service.name);
      if (!svc || svc.spec.type === 'ExternalName') continue;
      const key = `${ns}/${r.ingress.metadata.name}/${svc.metadata.name}`;
      if (seen.has(key)) continue;
      const ep = ctx.endpointsOf(svc);
      // A selector-less Service whose endpoints were not read cannot be judged.
      const selectorless = Object.keys(svc.spec.selector ?? {}).length === 0;
      if (ep.ready > 0 || (selectorless && ep.source === 'Pods')) continue;
      seen.add(key);
      const routes = scopedIngressBackends(ctx)
        .filter((x) => x.ingress === r.ingress && x.service.name === svc.metadata.name)
        .map((x) => x.route);
      const inScope = ctx.services.includes(svc);
      out.push(
        finding('ingress.backend-no-endpoints', {
          severity: 'critical',
          title: `Ingress ${r.ingress.metadata.name} routes to Service ${svc.metadata.name}, which has no ready endpoint`,
          detail:
            `Requests for ${routes.join(', ')} reach the ingress controller, which finds no ready pod ` +
            `behind ${svc.metadata.name} (${ep.total === 0 ? 'it has no endpoint at all' : `${ep.total} address(es), none ready`}) and answers 503. ` +
            (inScope
              ? 'The service and pod findings explain why the Service has no ready endpoint.'
              : 'Diagnose the Service itself (the command below).'),
          evidence: [
            backendEvidence(r),
            evidence(
              [
                'get',
                'endpointslices',
                '-n',
                ns ?? '',
                '-l',
                `kubernetes.io/service-name=${svc.metadata.name}`,
              ],
              `ready: 0, not ready: ${ep.total}`,
            ),
            ...(inScope
              ? []
              : [
                  shown(
                    ['kubemedic', 'diagnose', svc.metadata.name, '-n', ns ?? ''],
                    '(diagnoses the Service; not run)',
                  ),
                ]),
          ],
          objects: [ref('Ingress', r.ingress), ref('Service', svc)],
        }),
      );
    }
    return out;
  },
};

export const tlsSecretMissing: Check = {
  id: 'ingress.tls-secret-missing',
  reads: ['ingresses', 'secrets'],
  run(ctx) {
    const out: Finding[] = [];
    const refs = scopedIngressBackends(ctx);
    for (const ing of scopedIngresses(refs)) {
      const ns = ing.metadata.namespace;
      const whole = ctx.target.kind === 'Ingress' && ctx.target.name === ing.metadata.name;
      const mine = refs.filter((r) => r.ingress === ing);
      const hosts = new Set(mine.flatMap((r) => (r.host ? [r.host] : [])));
      const anyHost = mine.some((r) => !r.host);
      const seen = new Set<string>();
      for (const tls of ing.spec.tls ?? []) {
        const secret = tls.secretName;
        if (!secret || secret.includes('/') || seen.has(secret)) continue;
        const tlsHosts = tls.hosts ?? [];
        const relevant =
          whole || anyHost || tlsHosts.length === 0 || tlsHosts.some((h) => hosts.has(h));
        if (!relevant) continue;
        if (
          ctx.snapshot.secrets.some(
            (s) => s.metadata.namespace === ns && s.metadata.name === secret,
          )
        )
          continue;
        seen.add(secret);
        const annotations = ing.metadata.annotations ?? {};
        const certManager =
          annotations['cert-manager.io/cluster-issuer'] ?? annotations['cert-manager.io/issuer'];
        out.push(
          finding('ingress.tls-secret-missing', {
            severity: 'critical',
            title: `Ingress ${ing.metadata.name} uses TLS secret ${secret}, which does not exist in ${ns}`,
            detail:
              `The controller cannot load the certificate for ${tlsHosts.join(', ') || 'its hosts'}, so HTTPS ` +
              `is served with its default (untrusted) certificate or refused: clients fail the TLS handshake. ` +
              (certManager
                ? `cert-manager (issuer ${certManager}) should create it: check its Certificate and CertificateRequest (the command below).`
                : 'Create the secret (the command below) or fix secretName.'),
            evidence: [
              getIngress(ing, `tls: hosts ${tlsHosts.join(',') || '(all)'} secretName ${secret}`),
              evidence(
                ['get', 'secret', secret, '-n', ns ?? ''],
                `Error from server (NotFound): secrets "${secret}" not found`,
              ),
              certManager
                ? evidence(
                    ['describe', 'certificate', '-n', ns ?? ''],
                    '(where cert-manager says why the secret is missing; not run)',
                  )
                : evidence(
                    [
                      'create',
                      'secret',
                      'tls',
                      secret,
                      '-n',
                      ns ?? '',
                      '--cert=tls.crt',
                      '--key=tls.key',
                    ],
                    '(creates the secret from your certificate files; not run)',
                  ),
            ],
            objects: [ref('Ingress', ing), { kind: 'Secret', namespace: ns, name: secret }],
          }),
        );
      }
    }
    return out;
  },
};

function controllerName(p: Pod): string {
  return p.metadata.labels?.[NAME_LABEL] ?? p.metadata.namespace ?? 'ingress';
}

/** Narrows controllers to those serving the Ingresses' classes, when that can be told. */
function controllersFor(ctx: DiagnosisContext, ingresses: Ingress[], pods: Pod[]): Pod[] {
  const hints = ingresses.flatMap((ing) => {
    const cls =
      ing.spec.ingressClassName ?? ing.metadata.annotations?.['kubernetes.io/ingress.class'];
    if (!cls) return [];
    const obj = ctx.snapshot.ingressClasses.find((c) => c.metadata.name === cls);
    return [cls, obj?.spec.controller ?? ''];
  });
  const matching = pods.filter((p) => {
    const name = controllerName(p);
    return hints.some((h) => h.includes(name));
  });
  return matching.length > 0 ? matching : pods;
}

export const controllerUnhealthy: Check = {
  id: 'ingress.controller-unhealthy',
  reads: ['ingresses', 'pods'],
  run(ctx) {
    const ingresses = scopedIngresses(scopedIngressBackends(ctx));
    if (ingresses.length === 0) return [];
    const pods = controllersFor(ctx, ingresses, ingressControllerPods(ctx.snapshot));
    const groups = new Map<string, Pod[]>();
    for (const p of pods) {
      const k = `${p.metadata.namespace}/${controllerName(p)}`;
      groups.set(k, [...(groups.get(k) ?? []), p]);
    }
    const out: Finding[] = [];
    for (const group of groups.values()) {
      const troubles = group.map((p) => podTrouble(p, ctx.now));
      const troubled = troubles.filter((t) => t.problems.length > 0);
      if (troubled.length === 0) continue;
      const ready = troubles.filter((t) => t.ready).length;
      const first = group[0] as Pod;
      const ns = first.metadata.namespace ?? '';
      const name = controllerName(first);
      const none = ready === 0;
      out.push(
        finding('ingress.controller-unhealthy', {
          severity: none ? 'critical' : 'warning',
          title: `Ingress controller ${name} in ${ns}: ${ready} of ${group.length} pod(s) ready${
            troubled.length ? `, ${troubled.length} failing` : ''
          }`,
          detail:
            (none
              ? `No ${name} pod is ready, so nothing serves Ingress ${ingresses.map((i) => i.metadata.name).join(', ')}: requests fail before reaching any Service. `
              : `Some ${name} pods are unhealthy; requests load-balanced to them fail or are reset. `) +
            troubled.map((t) => `${t.pod.metadata.name}: ${t.problems.join('; ')}.`).join(' ') +
            ' Read the controller logs (the command below).',
          evidence: [
            evidence(
              [
                'get',
                'pods',
                '-n',
                ns,
                '-l',
                first.metadata.labels?.[NAME_LABEL]
                  ? `${NAME_LABEL}=${name}`
                  : `${COMPONENT_LABEL}=controller`,
                '-o',
                'wide',
              ],
              troubles.slice(0, 10).map(podLine).join('\n'),
            ),
            evidence(
              [
                'logs',
                '-n',
                ns,
                (troubled[0] ?? troubles[0])?.pod.metadata.name ?? '',
                '--previous',
              ],
              '(the controller logs; not run)',
            ),
          ],
          objects: troubled.slice(0, 5).map((t) => ref('Pod', t.pod)),
        }),
      );
    }
    return out;
  },
};

export const ingressChecks: Check[] = [
  backendMissing,
  backendPortMismatch,
  backendNoEndpoints,
  tlsSecretMissing,
  controllerUnhealthy,
];
