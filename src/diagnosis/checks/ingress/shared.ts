// Helpers shared by the ingress checks.
import { isNearName, uniqueNearest } from '../../model/names.js';
import type { Ingress, Pod, Service, ServicePort } from '../../../cluster/k8s-types.js';
import type { Snapshot } from '../../../cluster/snapshot.js';
import { pointer } from '../../fixes/shared.js';
import { type DiagnosisContext } from '../../context.js';
import { fieldEvidence } from '../../model/evidence.js';
import { isLive } from '../../model/pods.js';
import { ingressControllerOf } from '../../../cluster/ingress-controllers.js';
import type { Evidence } from '../../types.js';

export const NAME_LABEL = 'app.kubernetes.io/name';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/**
 * Live ingress controller (and data-plane) pods, recognised by the labels of the one list the
 * gatherer reads them by (cluster/ingress-controllers.ts), or as a `controller` component in an
 * ingress namespace (a controller installed under its own name).
 */
export function ingressControllerPods(snapshot: Snapshot): Pod[] {
  return snapshot.pods.filter((p) => {
    if (!isLive(p)) return false;
    const l = p.metadata.labels ?? {};
    if (l[COMPONENT_LABEL] === 'admission-webhook' || l[COMPONENT_LABEL] === 'certgen')
      return false;
    if (ingressControllerOf(l)) return true;
    return l[COMPONENT_LABEL] === 'controller' && (p.metadata.namespace ?? '').includes('ingress');
  });
}

export type BackendPort = { number?: number; name?: string };

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

export function servicesIn(snapshot: Snapshot, ns: string | undefined): Service[] {
  return snapshot.services.filter((s) => s.metadata.namespace === ns);
}

export function serviceNamed(snapshot: Snapshot, ns: string | undefined, name: string) {
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

export function scopedIngresses(refs: IngressBackendRef[]): Ingress[] {
  return [...new Set(refs.map((r) => r.ingress))];
}

export function portText(p: BackendPort | undefined): string {
  return p?.number !== undefined ? String(p.number) : (p?.name ?? '(no port)');
}

export function servicePortText(p: ServicePort): string {
  const target = p.targetPort !== undefined && p.targetPort !== p.port ? ` -> ${p.targetPort}` : '';
  return `${p.name ? `${p.name}=` : ''}${p.port}${target}/${p.protocol ?? 'TCP'}`;
}

/** `kubectl get ingress NAME -o jsonpath={POINTER as a path}` and exactly what it prints. */
export function getIngress(ing: Ingress, pointer: string): Evidence {
  return fieldEvidence('ingress', ing, pointer);
}

export function backendEvidence(r: IngressBackendRef): Evidence {
  return getIngress(r.ingress, r.path);
}

/** The backend port to write: the same port if the Service has it, else its first port. */
export function portOn(svc: Service, current: BackendPort | undefined): BackendPort | undefined {
  const ports = svc.spec.ports ?? [];
  if (current?.number !== undefined && ports.some((p) => p.port === current.number))
    return { number: current.number };
  if (current?.name !== undefined && ports.some((p) => p.name === current.name))
    return { name: current.name };
  const first = ports[0];
  return first ? { number: first.port } : undefined;
}

export function hasPort(svc: Service, port: BackendPort | undefined): boolean | undefined {
  const ports = svc.spec.ports ?? [];
  if (port?.number !== undefined) return ports.some((p) => p.port === port.number);
  if (port?.name !== undefined) return ports.some((p) => p.name === port.name);
  return undefined;
}

/** The Service port an Ingress most likely meant: the only one, or the one that forwards to
 * the port (or name) it gave. */
export function intendedPort(svc: Service, port: BackendPort | undefined): ServicePort | undefined {
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

export function controllerName(p: Pod): string {
  return (
    ingressControllerOf(p.metadata.labels)?.name ??
    p.metadata.labels?.[NAME_LABEL] ??
    p.metadata.namespace ??
    'ingress'
  );
}

/** The label selector that lists a controller's pods, for evidence. */
export function controllerSelector(p: Pod): string {
  const kind = ingressControllerOf(p.metadata.labels);
  if (kind) return `${kind.label}=${kind.value}`;
  const name = p.metadata.labels?.[NAME_LABEL];
  return name ? `${NAME_LABEL}=${name}` : `${COMPONENT_LABEL}=controller`;
}

/** Narrows controllers to those serving the Ingresses' classes, when that can be told. */
export function controllersFor(ctx: DiagnosisContext, ingresses: Ingress[], pods: Pod[]): Pod[] {
  const hints = ingresses.flatMap((ing) => {
    const cls =
      ing.spec.ingressClassName ?? ing.metadata.annotations?.['kubernetes.io/ingress.class'];
    if (!cls) return [];
    const obj = ctx.snapshot.ingressClasses.find((c) => c.metadata.name === cls);
    return [cls, obj?.spec.controller ?? ''];
  });
  const matching = pods.filter((p) => {
    const name = controllerName(p);
    const known = ingressControllerOf(p.metadata.labels)?.classHints ?? [];
    return hints.some((h) => h.includes(name) || known.some((k) => h.includes(k)));
  });
  return matching.length > 0 ? matching : pods;
}
