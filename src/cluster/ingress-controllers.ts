// Ingress controllers as their own charts and manifests label their pods: one list, read by the
// gatherer (which pods to fetch) and by the ingress checks (which pods are controllers), so a
// controller the gatherer reads is always one the checks recognise.

export interface IngressControllerKind {
  /** What the findings call it. */
  name: string;
  /** The pod label that marks it, and its value. */
  label: string;
  value: string;
  /** How IngressClasses and the legacy class annotation name it (substrings of spec.controller). */
  classHints: string[];
}

const NAME = 'app.kubernetes.io/name';

export const INGRESS_CONTROLLERS: readonly IngressControllerKind[] = [
  {
    name: 'ingress-nginx',
    label: NAME,
    value: 'ingress-nginx',
    classHints: ['k8s.io/ingress-nginx'],
  },
  // F5 NGINX Ingress Controller (nginx/nginx-ingress), not the community ingress-nginx.
  {
    name: 'nginx-ingress',
    label: NAME,
    value: 'nginx-ingress',
    classHints: ['nginx.org/ingress-controller'],
  },
  { name: 'traefik', label: NAME, value: 'traefik', classHints: ['traefik.io/ingress-controller'] },
  // jcmoraisjr/haproxy-ingress and HAProxy Technologies' kubernetes-ingress.
  {
    name: 'haproxy-ingress',
    label: NAME,
    value: 'haproxy-ingress',
    classHints: ['haproxy-ingress.github.io/controller'],
  },
  {
    name: 'kubernetes-ingress',
    label: NAME,
    value: 'kubernetes-ingress',
    classHints: ['haproxy.org/ingress-controller'],
  },
  // Contour's chart labels both its controller and its Envoy data plane with the name contour.
  { name: 'contour', label: NAME, value: 'contour', classHints: ['projectcontour.io/'] },
  { name: 'kong', label: NAME, value: 'kong', classHints: ['konghq.com/'] },
  {
    name: 'istio-ingressgateway',
    label: 'istio',
    value: 'ingressgateway',
    classHints: ['istio.io/ingress-controller'],
  },
];

/**
 * Label selectors that together read every controller pod. A selector cannot OR across label keys,
 * so there is one per key: `app.kubernetes.io/name in (...)`, `istio in (ingressgateway)`.
 */
export const INGRESS_CONTROLLER_SELECTORS: readonly string[] = [
  ...new Set(INGRESS_CONTROLLERS.map((c) => c.label)),
].map(
  (label) =>
    `${label} in (${INGRESS_CONTROLLERS.filter((c) => c.label === label)
      .map((c) => c.value)
      .join(',')})`,
);

/** The controller a pod belongs to, by its labels. */
export function ingressControllerOf(
  labels: Record<string, string> | undefined,
): IngressControllerKind | undefined {
  return INGRESS_CONTROLLERS.find((c) => labels?.[c.label] === c.value);
}
