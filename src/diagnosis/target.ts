import type { Service } from '../cluster/k8s-types.js';
import { isDnsLabel, isDnsSubdomain } from '../cluster/names.js';
import type { Snapshot } from '../cluster/snapshot.js';
import { routeServices } from './checks/gateway/routes.js';
import { editDistance, nearestNames, matchesServiceSelector } from './selectors.js';
import type { Target, TargetKind } from './types.js';

const KIND_ALIASES: Record<string, TargetKind> = {
  svc: 'Service',
  service: 'Service',
  services: 'Service',
  deploy: 'Deployment',
  deployment: 'Deployment',
  deployments: 'Deployment',
  ing: 'Ingress',
  ingress: 'Ingress',
  ingresses: 'Ingress',
  po: 'Pod',
  pod: 'Pod',
  pods: 'Pod',
  ns: 'Namespace',
  namespace: 'Namespace',
  httproute: 'HTTPRoute',
  httproutes: 'HTTPRoute',
};

export class TargetError extends Error {}

export function validateName(kind: TargetKind | 'Namespace', name: string): void {
  const labelOnly = kind === 'Service' || kind === 'Namespace';
  const ok = labelOnly ? isDnsLabel(name) : isDnsSubdomain(name);
  if (!ok)
    throw new TargetError(
      `"${name}" is not a valid ${kind} name: use lower-case letters, digits and '-'${labelOnly ? '' : " or '.'"}, starting and ending with a letter or digit (max ${labelOnly ? 63 : 253})`,
    );
}

/** Parses `name`, `svc/name`, `deploy/name`, `ingress/name`, `httproute/name`, `pod/name` or `namespace/name`. */
export function parseTarget(
  text: string,
  namespace: string | undefined,
  cluster = 'default',
): Target {
  const t = text.trim();
  if (!t)
    throw new TargetError(
      'no target given: name a Service, or svc/NAME, deploy/NAME, ingress/NAME, httproute/NAME, pod/NAME, namespace/NAME',
    );
  const slash = t.indexOf('/');
  let kind: TargetKind = 'Service';
  let name = t;
  if (slash >= 0) {
    const alias = t.slice(0, slash).toLowerCase();
    const k = KIND_ALIASES[alias];
    if (!k)
      throw new TargetError(
        `unknown target kind "${alias}": use one of svc, deploy, ingress, httproute, pod, namespace`,
      );
    kind = k;
    name = t.slice(slash + 1);
  }
  validateName(kind, name);
  if (namespace !== undefined) validateName('Namespace', namespace);
  if (kind === 'Namespace') return { kind, name, namespace: name, cluster };
  return { kind, name, namespace, cluster };
}

export type Resolution =
  | { ok: true; namespace: string; services: Service[] }
  | { ok: false; missing: { kind: TargetKind; name: string; namespace: string; nearest: string[] } }
  | { ok: false; ambiguous: string[] };

function objectsOfKind(
  s: Snapshot,
  kind: TargetKind,
): { metadata: { name: string; namespace?: string } }[] {
  switch (kind) {
    case 'Service':
      return s.services;
    case 'Deployment':
      return s.deployments;
    case 'Ingress':
      return s.ingresses;
    case 'HTTPRoute':
      return s.httpRoutes;
    case 'Pod':
      return s.pods;
    case 'Namespace':
      return [
        ...new Set([
          ...s.namespaces.map((n) => n.metadata.name),
          ...s.services.map((x) => x.metadata.namespace ?? ''),
        ]),
      ].map((name) => ({ metadata: { name } }));
  }
}

/** Finds the Services a target stands for, from the snapshot alone. */
export function resolveTarget(s: Snapshot, target: Target): Resolution {
  const all = objectsOfKind(s, target.kind);
  if (target.kind === 'Namespace') {
    const services = s.services.filter((x) => x.metadata.namespace === target.name);
    if (services.length === 0 && !all.some((o) => o.metadata.name === target.name))
      return {
        ok: false,
        missing: {
          kind: 'Namespace',
          name: target.name,
          namespace: target.name,
          nearest: nearestNames(
            target.name,
            all.map((o) => o.metadata.name),
          ),
        },
      };
    return { ok: true, namespace: target.name, services };
  }
  const named = all.filter((o) => o.metadata.name === target.name);
  const inNs = target.namespace
    ? named.filter((o) => o.metadata.namespace === target.namespace)
    : named;
  if (inNs.length === 0) {
    const scope = target.namespace ?? soleNamespace(all);
    const ns = scope ?? 'default';
    const candidates = all
      .filter((o) => scope === undefined || (o.metadata.namespace ?? 'default') === scope)
      .map((o) => o.metadata.name);
    const elsewhere = named.map((o) => `${o.metadata.name} (namespace ${o.metadata.namespace})`);
    return {
      ok: false,
      missing: {
        kind: target.kind,
        name: target.name,
        namespace: ns,
        nearest: [...elsewhere, ...nearestNames(target.name, candidates)],
      },
    };
  }
  const namespaces = [...new Set(inNs.map((o) => o.metadata.namespace ?? 'default'))];
  if (namespaces.length > 1) return { ok: false, ambiguous: namespaces.sort() };
  const namespace = namespaces[0] as string;
  const servicesInNs = s.services.filter((x) => x.metadata.namespace === namespace);
  switch (target.kind) {
    case 'Service':
      return {
        ok: true,
        namespace,
        services: servicesInNs.filter((x) => x.metadata.name === target.name),
      };
    case 'Deployment': {
      const d = s.deployments.find(
        (x) => x.metadata.name === target.name && x.metadata.namespace === namespace,
      );
      const labels = d?.spec.template.metadata?.labels;
      return { ok: true, namespace, services: servicesInFront(servicesInNs, labels) };
    }
    case 'Pod': {
      const p = s.pods.find(
        (x) => x.metadata.name === target.name && x.metadata.namespace === namespace,
      );
      return { ok: true, namespace, services: servicesInFront(servicesInNs, p?.metadata.labels) };
    }
    case 'Ingress': {
      const ing = s.ingresses.find(
        (x) => x.metadata.name === target.name && x.metadata.namespace === namespace,
      );
      const names = new Set(ingressServiceNames(ing));
      return {
        ok: true,
        namespace,
        services: servicesInNs.filter((x) => names.has(x.metadata.name)),
      };
    }
    case 'HTTPRoute': {
      const route = s.httpRoutes.find(
        (x) => x.metadata.name === target.name && x.metadata.namespace === namespace,
      );
      return { ok: true, namespace, services: routeServices(s, route) };
    }
  }
  return { ok: true, namespace, services: [] };
}

/** Without -n, a dump of one application namespace (plus the kube-system objects read with it)
 * is about that namespace, as `kubectl get -n NS -o json` printed it. */
function soleNamespace(objects: { metadata: { namespace?: string } }[]): string | undefined {
  const namespaces = new Set(
    objects.map((o) => o.metadata.namespace ?? 'default').filter((n) => n !== 'kube-system'),
  );
  return namespaces.size === 1 ? [...namespaces][0] : undefined;
}

/**
 * The Services in front of a workload's pods: those whose selector matches the labels, or, when
 * none does, those whose selector nearly does (a typo, a case change), so that a broken selector
 * is diagnosed instead of the workload being reported healthy with nothing in front of it.
 */
function servicesInFront(
  services: Service[],
  labels: Record<string, string> | undefined,
): Service[] {
  const matching = services.filter((x) => matchesServiceSelector(x.spec.selector, labels));
  if (matching.length > 0 || !labels) return matching;
  const near = (want: string, have: string) =>
    editDistance(want.toLowerCase(), have.toLowerCase()) <=
    Math.max(2, Math.floor(Math.max(want.length, have.length) / 2));
  return services.filter((x) => {
    const entries = Object.entries(x.spec.selector ?? {});
    return (
      entries.length > 0 &&
      entries.every(([k, v]) => {
        const key = Object.keys(labels).find((l) => l.toLowerCase() === k.toLowerCase());
        return key !== undefined && near(v, labels[key] as string);
      })
    );
  });
}

export function ingressServiceNames(ing: Snapshot['ingresses'][number] | undefined): string[] {
  if (!ing) return [];
  const out: string[] = [];
  if (ing.spec.defaultBackend?.service) out.push(ing.spec.defaultBackend.service.name);
  for (const r of ing.spec.rules ?? [])
    for (const p of r.http?.paths ?? []) if (p.backend.service) out.push(p.backend.service.name);
  return out;
}

export function describeTarget(t: Target): string {
  return t.kind === 'Service' ? t.name : `${t.kind.toLowerCase()}/${t.name}`;
}
