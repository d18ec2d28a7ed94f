// Istio routing: VirtualService destinations and DestinationRule subsets. Hosts resolve as the
// mesh resolves them for Kubernetes Services: `svc` is relative to the object's namespace;
// `svc.ns` and `svc.ns.svc[.cluster-domain]` name a Service of another namespace.
import type {
  DestinationRule,
  IstioDestination,
  Service,
  VirtualService,
} from '../../cluster/k8s-types.js';
import type { Snapshot } from '../../cluster/snapshot.js';
import { pointer } from '../../remediation/plans.js';
import { finding } from '../catalogue.js';
import { type DiagnosisContext, ref, evidence } from '../context.js';
import type { Check, Evidence, Finding } from '../types.js';
import { isNearName, uniqueNearest } from './ingress.js';

interface ServiceHost {
  name: string;
  namespace: string;
}

function knownNamespaces(ctx: DiagnosisContext): Set<string> {
  const s = ctx.snapshot;
  return new Set([
    ctx.target.namespace,
    ...s.namespaces.map((n) => n.metadata.name),
    ...s.services.flatMap((x) => (x.metadata.namespace ? [x.metadata.namespace] : [])),
  ]);
}

/** The Kubernetes Service a mesh host names, or undefined for external and wildcard hosts. */
function resolveHost(
  host: string,
  fromNs: string,
  namespaces: Set<string>,
): ServiceHost | undefined {
  // Istio allows `*` only as the leftmost label: a wildcard names no single Service.
  if (host.startsWith('*')) return undefined;
  const parts = host.toLowerCase().split('.');
  const [name, ns] = parts;
  if (!name) return undefined;
  if (parts.length === 1) return { name, namespace: fromNs };
  if (!ns) return undefined;
  // `a.b` is a Service only when b is a namespace; otherwise it is an external name.
  if (parts.length === 2) return namespaces.has(ns) ? { name, namespace: ns } : undefined;
  return parts[2] === 'svc' ? { name, namespace: ns } : undefined;
}

function fqdn(h: ServiceHost): string {
  return `${h.name}.${h.namespace}.svc.cluster.local`;
}

interface Route {
  vs: VirtualService;
  destination: IstioDestination;
  /** JSON pointer of the destination. */
  path: string;
  weight?: number;
}

function routesOf(vs: VirtualService): Route[] {
  const out: Route[] = [];
  (vs.spec.http ?? []).forEach((h, i) =>
    (h.route ?? []).forEach((r, j) =>
      out.push({
        vs,
        destination: r.destination,
        path: pointer('spec', 'http', i, 'route', j, 'destination'),
        weight: r.weight,
      }),
    ),
  );
  (vs.spec.tcp ?? []).forEach((t, i) =>
    (t.route ?? []).forEach((r, j) =>
      out.push({
        vs,
        destination: r.destination,
        path: pointer('spec', 'tcp', i, 'route', j, 'destination'),
      }),
    ),
  );
  return out;
}

function serviceAt(snapshot: Snapshot, h: ServiceHost): Service | undefined {
  return snapshot.services.find(
    (s) => s.metadata.namespace === h.namespace && s.metadata.name === h.name,
  );
}

/** Whether the snapshot read the Services of that namespace, so a missing one is missing. */
function servicesRead(ctx: DiagnosisContext, ns: string): boolean {
  return (
    ns === ctx.target.namespace || ctx.snapshot.services.some((s) => s.metadata.namespace === ns)
  );
}

/** VirtualServices of the target namespace that concern the Services in scope. */
function scopedVirtualServices(ctx: DiagnosisContext): VirtualService[] {
  const namespaces = knownNamespaces(ctx);
  const inScope = (h: ServiceHost | undefined) =>
    h !== undefined &&
    (ctx.services.some((s) => s.metadata.name === h.name && s.metadata.namespace === h.namespace) ||
      (ctx.missing?.kind === 'Service' &&
        ctx.missing.name === h.name &&
        ctx.missing.namespace === h.namespace));
  const nearMiss = (h: ServiceHost | undefined) =>
    h !== undefined &&
    !serviceAt(ctx.snapshot, h) &&
    ctx.services.some((s) => isNearName(h.name, s.metadata.name));
  return ctx.snapshot.virtualServices.filter((vs) => {
    const ns = vs.metadata.namespace ?? '';
    if (ns !== ctx.target.namespace) return false;
    const hosts = (vs.spec.hosts ?? []).map((h) => resolveHost(h, ns, namespaces));
    const dests = routesOf(vs).map((r) => resolveHost(r.destination.host, ns, namespaces));
    return hosts.some(inScope) || dests.some(inScope) || dests.some(nearMiss);
  });
}

/** The fix as a kubectl command, shown (not applied) as the last piece of evidence. */
function patchEvidence(vs: VirtualService, path: string, value: unknown): Evidence {
  const ops = JSON.stringify([{ op: 'replace', path, value }]);
  return evidence(
    [
      'patch',
      'virtualservice',
      vs.metadata.name,
      '-n',
      vs.metadata.namespace ?? '',
      '--type=json',
      '-p',
      ops,
    ],
    '(the fix; not applied)',
  );
}

function routeText(r: Route): string {
  const d = r.destination;
  return `${d.host}${d.port?.number !== undefined ? `:${d.port.number}` : ''}${
    d.subset ? ` subset ${d.subset}` : ''
  }${r.weight !== undefined ? ` weight ${r.weight}` : ''}`;
}

function weightNote(r: Route): string {
  return r.weight !== undefined && r.weight < 100 ? ` (${r.weight}% of the traffic)` : '';
}

export const virtualServiceMisrouted: Check = {
  id: 'mesh.virtualservice-misrouted',
  reads: ['virtualServices', 'services'],
  run(ctx) {
    if (ctx.snapshot.virtualServices.length === 0) return [];
    const out: Finding[] = [];
    const namespaces = knownNamespaces(ctx);
    for (const vs of scopedVirtualServices(ctx)) {
      const ns = vs.metadata.namespace ?? '';
      const seen = new Set<string>();
      for (const r of routesOf(vs)) {
        const h = resolveHost(r.destination.host, ns, namespaces);
        if (!h || !servicesRead(ctx, h.namespace)) continue;
        const key = `${fqdn(h)}:${r.destination.port?.number ?? ''}`;
        if (seen.has(key)) continue;
        const svc = serviceAt(ctx.snapshot, h);
        const getVs = (output: string) =>
          evidence(['get', 'virtualservice', vs.metadata.name, '-n', ns, '-o', 'yaml'], output);
        if (!svc) {
          seen.add(key);
          const names = ctx.snapshot.services
            .filter((s) => s.metadata.namespace === h.namespace)
            .map((s) => s.metadata.name);
          const near = uniqueNearest(h.name, names);
          const fix = near
            ? patchEvidence(
                vs,
                `${r.path}/host`,
                h.namespace === ns ? near : `${near}.${h.namespace}.svc.cluster.local`,
              )
            : undefined;
          out.push(
            finding('mesh.virtualservice-misrouted', {
              severity: 'critical',
              title: `VirtualService ${vs.metadata.name} routes to host ${r.destination.host}, but Service ${h.name} does not exist in ${h.namespace}`,
              detail:
                `The mesh has no endpoints for ${fqdn(h)}, so the sidecar answers 503 (no healthy upstream) for requests routed there${weightNote(r)}. ` +
                (near
                  ? `Did you mean Service ${near}? Fix the destination host (the command below).`
                  : `Services in ${h.namespace}: ${names.slice(0, 8).join(', ') || '(none)'}. Point the destination at one of them or create ${h.name}.`),
              evidence: [
                getVs(`route -> ${routeText(r)}`),
                evidence(
                  ['get', 'service', h.name, '-n', h.namespace],
                  `Error from server (NotFound): services "${h.name}" not found`,
                ),
                ...(fix ? [fix] : []),
              ],
              objects: [ref('VirtualService', vs)],
            }),
          );
          continue;
        }
        const portNumber = r.destination.port?.number;
        const ports = svc.spec.ports ?? [];
        if (portNumber === undefined || ports.some((p) => p.port === portNumber)) continue;
        seen.add(key);
        const only = ports.length === 1 ? ports[0] : ports.find((p) => p.targetPort === portNumber);
        const fix = only ? patchEvidence(vs, `${r.path}/port/number`, only.port) : undefined;
        out.push(
          finding('mesh.virtualservice-misrouted', {
            severity: 'critical',
            title: `VirtualService ${vs.metadata.name} routes to port ${portNumber} of Service ${svc.metadata.name}, which has no such port`,
            detail:
              `Service ${svc.metadata.name} exposes ${ports.map((p) => `${p.port}${p.name ? ` (${p.name})` : ''}`).join(', ') || 'no ports'}; ` +
              `a destination port must be a Service port (not the container port), else the sidecar finds no upstream and answers 503${weightNote(r)}. ` +
              (fix
                ? `Point it at port ${only?.port} (the command below).`
                : 'Set destination.port.number to one of the Service ports.'),
            evidence: [
              getVs(`route -> ${routeText(r)}`),
              evidence(
                [
                  'get',
                  'service',
                  svc.metadata.name,
                  '-n',
                  svc.metadata.namespace ?? '',
                  '-o',
                  'jsonpath={.spec.ports}',
                ],
                JSON.stringify(ports),
              ),
              ...(fix ? [fix] : []),
            ],
            objects: [ref('VirtualService', vs), ref('Service', svc)],
          }),
        );
      }
    }
    return out;
  },
};

/** Whether a DestinationRule's host covers the destination host. */
function drCovers(dr: DestinationRule, destKey: string, namespaces: Set<string>): boolean {
  const host = dr.spec.host;
  if (host.startsWith('*')) return destKey.endsWith(host.slice(1));
  const h = resolveHost(host, dr.metadata.namespace ?? '', namespaces);
  return (h ? fqdn(h) : host.toLowerCase()) === destKey;
}

export const destinationRuleSubsetMissing: Check = {
  id: 'mesh.destinationrule-subset-missing',
  reads: ['virtualServices', 'destinationRules'],
  run(ctx) {
    if (ctx.snapshot.virtualServices.length === 0 && ctx.snapshot.destinationRules.length === 0)
      return [];
    const out: Finding[] = [];
    const namespaces = knownNamespaces(ctx);
    for (const vs of scopedVirtualServices(ctx)) {
      const ns = vs.metadata.namespace ?? '';
      const seen = new Set<string>();
      for (const r of routesOf(vs)) {
        const subset = r.destination.subset;
        if (!subset) continue;
        const h = resolveHost(r.destination.host, ns, namespaces);
        const destKey = h ? fqdn(h) : r.destination.host.toLowerCase();
        if (seen.has(`${destKey}/${subset}`)) continue;
        const rules = ctx.snapshot.destinationRules.filter((dr) =>
          drCovers(dr, destKey, namespaces),
        );
        if (rules.some((dr) => (dr.spec.subsets ?? []).some((s) => s.name === subset))) continue;
        seen.add(`${destKey}/${subset}`);
        const defined = rules.flatMap((dr) => (dr.spec.subsets ?? []).map((s) => s.name));
        const near = uniqueNearest(subset, defined);
        const fix = near ? patchEvidence(vs, `${r.path}/subset`, near) : undefined;
        out.push(
          finding('mesh.destinationrule-subset-missing', {
            severity: 'critical',
            title: rules.length
              ? `VirtualService ${vs.metadata.name} routes to subset ${subset} of ${r.destination.host}, which DestinationRule ${rules.map((d) => d.metadata.name).join(', ')} does not define`
              : `VirtualService ${vs.metadata.name} routes to subset ${subset} of ${r.destination.host}, but no DestinationRule defines subsets for that host`,
            detail:
              `A route to an undefined subset has no endpoints: the sidecar answers 503 (NR / no cluster found) for requests routed there${weightNote(r)}. ` +
              (rules.length
                ? `Subsets defined: ${defined.join(', ') || '(none)'}. `
                : `Create a DestinationRule for ${destKey} that defines subset ${subset} (with the pod labels of that version), or drop the subset from the route. `) +
              (fix ? `Did you mean subset ${near}? (The fix is the command below.)` : ''),
            evidence: [
              evidence(
                ['get', 'virtualservice', vs.metadata.name, '-n', ns, '-o', 'yaml'],
                `route -> ${routeText(r)}`,
              ),
              evidence(
                ['get', 'destinationrules', '-A'],
                rules.length
                  ? rules
                      .map(
                        (d) =>
                          `${d.metadata.namespace}/${d.metadata.name} host ${d.spec.host} subsets ${(d.spec.subsets ?? []).map((s) => s.name).join(',') || '(none)'}`,
                      )
                      .join('\n')
                  : `(no DestinationRule for ${destKey})`,
              ),
              ...(fix ? [fix] : []),
            ],
            objects: [ref('VirtualService', vs), ...rules.map((d) => ref('DestinationRule', d))],
          }),
        );
      }
    }
    return out;
  },
};

export const meshChecks: Check[] = [virtualServiceMisrouted, destinationRuleSubsetMissing];
