// What a Kubernetes object name may be, checked before a name goes into a request path or a
// target. A name read from an object (a claimName, a configMap ref) is whatever its author wrote:
// `../secrets/topsecret` is a valid claimName to the API server but, in a path, a different read.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Services and Namespaces: at most 63 of `a-z0-9-`, alphanumeric at both ends. */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS1123_LABEL.test(name);
}

/** Most other objects (Pods, claims, ConfigMaps, Secrets, Nodes, workloads): labels joined by dots. */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

export type NameRule = 'label' | 'subdomain';

export function isValidName(rule: NameRule, name: string): boolean {
  return rule === 'label' ? isDnsLabel(name) : isDnsSubdomain(name);
}

/** Words for an invalid name, as findings and skip reasons show it. */
export function invalidNameReason(kind: string, name: string, rule: NameRule): string {
  return `${JSON.stringify(name)} is not a valid ${kind} name (DNS-1123 ${rule}), so it was not read`;
}
