// patch-service-target-port: point a Service port's targetPort at the port its pods listen on.
import type { Service } from '../../cluster/k8s-types.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { address, jsonPatch, patchCommand, pointer, swap } from './shared.js';
import type { JsonPatchOp, RemediationPlan } from './types.js';

export const patchServiceTargetPortFix: FixDef<
  'patch-service-target-port',
  [Service, number, number | string, CheckId[]]
> = defineFix({
  id: 'patch-service-target-port',
  meaning: "point the Service port's targetPort at the container port the pods listen on",
  offeredBy: ['service.port-mismatch'],
  kinds: [{ kind: 'Service', verbs: ['get', 'patch'] }],
  undoable: true,
  build: patchServiceTargetPort,
});

export function patchServiceTargetPort(
  svc: Service,
  portIndex: number,
  wanted: number | string,
  checks: CheckId[],
): RemediationPlan {
  const port = svc.spec.ports?.[portIndex];
  const path = pointer('spec', 'ports', portIndex, 'targetPort');
  const old = port?.targetPort ?? port?.port;
  // The port number pins which entry the index names; a missing targetPort (only in hand-written
  // dumps: the API server defaults it) is added rather than tested.
  const identity: JsonPatchOp[] =
    port !== undefined
      ? [{ op: 'test', path: pointer('spec', 'ports', portIndex, 'port'), value: port.port }]
      : [];
  const ops: JsonPatchOp[] =
    port?.targetPort === undefined
      ? [...identity, { op: 'add', path, value: wanted }]
      : [...identity, ...swap(path, old, wanted)];
  return {
    id: 'patch-service-target-port',
    title: `Point port ${port?.name ?? port?.port} of Service ${svc.metadata.name} at container port ${wanted}`,
    risk: 'low',
    object: address('Service', svc),
    mutation: jsonPatch(ops),
    ...patchCommand('Service', svc, ops),
    expectedEffect: `traffic to port ${port?.port} reaches the pods on ${wanted}, where they listen.`,
    precondition: `targetPort is still ${String(old)}`,
    inverse: jsonPatch([...identity, ...swap(path, wanted, old)]),
    verify: { waitFor: 'endpoints-ready', checks },
  };
}
