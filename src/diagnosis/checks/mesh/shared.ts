// Helpers shared by the mesh checks.
import type {
  DestinationRule,
  IstioDestination,
  Service,
  VirtualService,
} from '../../../cluster/k8s-types.js';
import type { Snapshot } from '../../../cluster/snapshot.js';
import { pointer } from '../../fixes/shared.js';
import { type DiagnosisContext } from '../../context.js';
import { evidence, fieldEvidence } from '../../model/evidence.js';
import type { Evidence } from '../../types.js';
import { isNearName } from '../../model/names.js';

export interface ServiceHost {
  name: string;
  namespace: string;
}

export function knownNamespaces(ctx: DiagnosisContext): Set<string> {
  const s = ctx.snapshot;
  return new Set([
    ctx.target.namespace,
    ...s.namespaces.map((n) => n.metadata.name),
    ...s.services.flatMap((x) => (x.metadata.namespace ? [x.metadata.namespace] : [])),
  ]);
}

/** The Kubernetes Service a mesh host names, or undefined for external and wildcard hosts. */
export function resolveHost(
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

export function fqdn(h: ServiceHost): string {
  return `${h.name}.${h.namespace}.svc.cluster.local`;
}

export interface Route {
  vs: VirtualService;
  destination: IstioDestination;
  /** JSON pointer of the destination. */
  path: string;
  weight?: number;
}

export function routesOf(vs: VirtualService): Route[] {
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

export function serviceAt(snapshot: Snapshot, h: ServiceHost): Service | undefined {
  return snapshot.services.find(
    (s) => s.metadata.namespace === h.namespace && s.metadata.name === h.name,
  );
}

/** Whether the snapshot read the Services of that namespace, so a missing one is missing. */
export function servicesRead(ctx: DiagnosisContext, ns: string): boolean {
  return (
    ns === ctx.target.namespace || ctx.snapshot.services.some((s) => s.metadata.namespace === ns)
  );
}

/** VirtualServices of the target namespace that concern the Services in scope. */
export function scopedVirtualServices(ctx: DiagnosisContext): VirtualService[] {
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
export function patchEvidence(vs: VirtualService, path: string, value: unknown): Evidence {
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

export function routeText(r: Route): string {
  const d = r.destination;
  return `${d.host}${d.port?.number !== undefined ? `:${d.port.number}` : ''}${
    d.subset ? ` subset ${d.subset}` : ''
  }${r.weight !== undefined ? ` weight ${r.weight}` : ''}`;
}

export function weightNote(r: Route): string {
  return r.weight !== undefined && r.weight < 100 ? ` (${r.weight}% of the traffic)` : '';
}

/** Whether a DestinationRule's host covers the destination host. */
export function drCovers(dr: DestinationRule, destKey: string, namespaces: Set<string>): boolean {
  const host = dr.spec.host;
  if (host.startsWith('*')) return destKey.endsWith(host.slice(1));
  const h = resolveHost(host, dr.metadata.namespace ?? '', namespaces);
  return (h ? fqdn(h) : host.toLowerCase()) === destKey;
}

/** `kubectl get virtualservice NAME -o jsonpath={a route's destination}` and what it prints. */
export function routeEvidence(vs: VirtualService, pointer: string): Evidence {
  return fieldEvidence('virtualservice', vs, pointer);
}
