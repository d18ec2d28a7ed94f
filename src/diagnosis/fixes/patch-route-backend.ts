// patch-route-backend: point an HTTPRoute backendRef at the right Service name and port. A JSON
// patch whose `test` ops pin the route's uid and the backendRef's current name and port, so a
// route that was recreated or edited since the diagnosis is refused, not patched.
import type { GatewayRoute } from '../../cluster/k8s-types.js';
import { apiVersionOf, fieldInfo } from '../../cluster/kinds.js';
import type { CheckId } from '../types.js';
import { type FixDef, defineFix } from './define.js';
import { address, jsonPatch, patchCommand, sameObject } from './shared.js';
import type { JsonPatchOp, RemediationPlan } from './types.js';

export interface RouteBackendChange {
  route: GatewayRoute;
  /** JSON pointer of the backendRef (`/spec/rules/0/backendRefs/1`). */
  path: string;
  current: { name: string; port?: number };
  wanted: { name: string; port: number };
  checks: CheckId[];
}

/** The gateway checks a changed backendRef can clear, run again to verify the fix. */
export const GATEWAY_CHECKS: CheckId[] = [
  'gateway.backend-missing',
  'gateway.backend-port-mismatch',
  'gateway.route-not-accepted',
];

function setOps(
  path: string,
  from: { name: string; port?: number },
  to: RouteBackendChange['wanted'],
) {
  const ops: JsonPatchOp[] = [
    { op: 'test', path: `${path}/name`, value: from.name },
    { op: 'replace', path: `${path}/name`, value: to.name },
  ];
  // A backendRef without a port (only in hand-written objects: the API requires one for a
  // Service) gets it added rather than tested.
  if (from.port === undefined) ops.push({ op: 'add', path: `${path}/port`, value: to.port });
  else
    ops.push(
      { op: 'test', path: `${path}/port`, value: from.port },
      { op: 'replace', path: `${path}/port`, value: to.port },
    );
  return ops;
}

export const patchRouteBackend: FixDef<'patch-route-backend', [RouteBackendChange]> = defineFix({
  id: 'patch-route-backend',
  meaning: "point the HTTPRoute's backendRef at the Service (and port) that serves it",
  offeredBy: ['gateway.backend-missing', 'gateway.backend-port-mismatch'],
  kinds: [{ kind: 'HTTPRoute', verbs: ['get', 'patch'] }],
  undoable: true,
  build({ route, path, current, wanted, checks }: RouteBackendChange): RemediationPlan {
    const info = fieldInfo('httpRoutes');
    const uid = sameObject(route);
    const ops = [...uid, ...setOps(path, current, wanted)];
    const inverse: JsonPatchOp[] =
      current.port === undefined
        ? [
            ...uid,
            { op: 'test', path: `${path}/name`, value: wanted.name },
            { op: 'replace', path: `${path}/name`, value: current.name },
            { op: 'test', path: `${path}/port`, value: wanted.port },
            { op: 'remove', path: `${path}/port` },
          ]
        : [...uid, ...setOps(path, wanted, { name: current.name, port: current.port })];
    const name = route.metadata.name;
    const was = `${current.name}:${current.port ?? '?'}`;
    return {
      id: 'patch-route-backend',
      title: `Point HTTPRoute ${name} at Service ${wanted.name}:${wanted.port} (was ${was})`,
      risk: 'low',
      // The version the route was read at (discovered), else the table's.
      object: { ...address(info.kind, route), apiVersion: route.apiVersion ?? apiVersionOf(info) },
      mutation: jsonPatch(ops),
      ...patchCommand(info.kind, route, ops),
      expectedEffect: `the gateway sends this rule's traffic to Service ${wanted.name} on port ${wanted.port}.`,
      precondition: `the backendRef is still ${was} and the route has not been recreated`,
      inverse: jsonPatch(inverse),
      verify: { waitFor: 'endpoints-ready', checks },
    };
  },
});
