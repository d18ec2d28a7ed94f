// allow-netpol-port: a NetworkPolicy admitting the backends' target port; undone by deleting it.
import type { NetworkPolicy, Service } from '../../cluster/k8s-types.js';
import { apiVersionOf, fieldInfo } from '../../cluster/kinds.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { address, command } from './shared.js';
import type { RemediationPlan } from './types.js';

export const allowNetpolPortFix: FixDef<
  'allow-netpol-port',
  [Service, Record<string, string>, number | string, CheckId[]]
> = defineFix({
  id: 'allow-netpol-port',
  meaning: "add a NetworkPolicy admitting traffic to the backends' target port",
  offeredBy: ['netpol.ingress-blocked'],
  kinds: [{ kind: 'NetworkPolicy', verbs: ['get', 'create', 'delete'] }],
  undoable: true,
  build: allowNetpolPort,
});

export function allowNetpolPort(
  svc: Service,
  podLabels: Record<string, string>,
  port: number | string,
  checks: CheckId[],
): RemediationPlan {
  const name = `kubemedic-allow-${svc.metadata.name}-${port}`.slice(0, 63).replace(/-+$/, '');
  const info = fieldInfo('networkPolicies');
  const manifest: NetworkPolicy = {
    apiVersion: apiVersionOf(info),
    kind: info.kind,
    metadata: {
      name,
      namespace: svc.metadata.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'kubemedic' },
      annotations: {
        'kubemedic.io/reason': `admit traffic to Service ${svc.metadata.name} on port ${port}`,
      },
    },
    spec: {
      podSelector: { matchLabels: podLabels },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port }] }],
    },
  };
  return {
    id: 'allow-netpol-port',
    title: `Add NetworkPolicy ${name} admitting port ${port} to the pods of ${svc.metadata.name}`,
    risk: 'medium',
    object: address(info.kind, manifest),
    mutation: { type: 'create', manifest },
    ...command(
      ['create', '-n', svc.metadata.namespace ?? '', '-f', '-'],
      `${JSON.stringify(manifest, null, 2)}\n`,
    ),
    expectedEffect: `connections to port ${port} of the backends are admitted again.`,
    precondition: `no NetworkPolicy named ${name} exists yet`,
    inverse: { type: 'delete' },
    verify: { waitFor: 'none', checks },
  };
}
