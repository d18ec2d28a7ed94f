// patch-ingress-backend: point an Ingress rule's backend at the right Service name and port.
import type { Ingress } from '../../cluster/k8s-types.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { address, jsonPatch, patchCommand, swap } from './shared.js';
import type { RemediationPlan } from './types.js';

type Port = { number?: number; name?: string };
type Backend = { name: string; port?: Port };

export const patchIngressBackendFix: FixDef<
  'patch-ingress-backend',
  [Ingress, string, Backend, Required<Backend>, CheckId[]]
> = defineFix({
  id: 'patch-ingress-backend',
  meaning: "point the Ingress rule's backend at the Service (and port) that serves it",
  offeredBy: ['ingress.backend-missing', 'ingress.backend-port-mismatch'],
  kinds: [{ kind: 'Ingress', verbs: ['get', 'patch'] }],
  undoable: true,
  build: patchIngressBackend,
});

export function patchIngressBackend(
  ing: Ingress,
  backendPath: string,
  current: Backend,
  wanted: Required<Backend>,
  checks: CheckId[],
): RemediationPlan {
  const ops = swap(backendPath, current, wanted);
  const portText = (p?: Port) => String(p?.number ?? p?.name ?? '?');
  return {
    id: 'patch-ingress-backend',
    title: `Point Ingress ${ing.metadata.name} at Service ${wanted.name}:${portText(wanted.port)} (was ${current.name}:${portText(current.port)})`,
    risk: 'low',
    object: address('Ingress', ing),
    mutation: jsonPatch(ops),
    ...patchCommand('Ingress', ing, ops),
    expectedEffect: `the ingress controller routes this rule to ${wanted.name}, which has ready endpoints.`,
    precondition: `the backend is still ${current.name}:${portText(current.port)}`,
    inverse: jsonPatch(swap(backendPath, wanted, current)),
    verify: { waitFor: 'none', checks },
  };
}
