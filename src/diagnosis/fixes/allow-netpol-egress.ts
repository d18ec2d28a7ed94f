// allow-netpol-egress: a NetworkPolicy letting the app's pods reach a dependency's pods on the
// port its Service forwards to; undone by deleting it. Policies add up, so the new one widens
// what the existing egress policies admit and narrows nothing.
import type { NetworkPolicy, Service } from '../../cluster/k8s-types.js';
import { apiVersionOf, fieldInfo } from '../../cluster/kinds.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { address, command } from './shared.js';
import type { RemediationPlan } from './types.js';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export const allowNetpolEgressFix: FixDef<
  'allow-netpol-egress',
  [string, Record<string, string>, Service, number, string, CheckId[]]
> = defineFix({
  id: 'allow-netpol-egress',
  meaning: "add a NetworkPolicy letting the app's pods reach a dependency's pods on its port",
  offeredBy: ['netpol.egress-blocked'],
  kinds: [{ kind: 'NetworkPolicy', verbs: ['get', 'create', 'delete'] }],
  undoable: true,
  build: allowNetpolEgress,
});

export function allowNetpolEgress(
  namespace: string,
  podLabels: Record<string, string>,
  dependency: Service,
  port: number,
  protocol: string,
  checks: CheckId[],
): RemediationPlan {
  const depNs = dependency.metadata.namespace ?? namespace;
  const name = `kubemedic-egress-${dependency.metadata.name}-${port}`
    .slice(0, 63)
    .replace(/-+$/, '');
  const info = fieldInfo('networkPolicies');
  const manifest: NetworkPolicy = {
    apiVersion: apiVersionOf(info),
    kind: info.kind,
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'kubemedic' },
      annotations: {
        'kubemedic.io/reason': `let the pods reach Service ${dependency.metadata.name} in ${depNs} on port ${port}`,
      },
    },
    spec: {
      podSelector: { matchLabels: podLabels },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: depNs } },
              podSelector: { matchLabels: { ...(dependency.spec.selector ?? {}) } },
            },
          ],
          ports: [{ protocol, port }],
        },
      ],
    },
  };
  return {
    id: 'allow-netpol-egress',
    title: `Add NetworkPolicy ${name} letting the pods reach ${dependency.metadata.name} (${depNs}) on port ${port}`,
    risk: 'medium',
    object: address(info.kind, manifest),
    mutation: { type: 'create', manifest },
    ...command(['create', '-n', namespace, '-f', '-'], `${JSON.stringify(manifest, null, 2)}\n`),
    expectedEffect: `connections from the pods to ${dependency.metadata.name} on port ${port} are admitted again.`,
    precondition: `no NetworkPolicy named ${name} exists yet in ${namespace}`,
    inverse: { type: 'delete' },
    verify: { waitFor: 'none', checks },
  };
}
