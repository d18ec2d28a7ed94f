// add-startup-probe: give a slow-starting container a startupProbe with 5 minutes to start.
import type { Container, Probe } from '../../cluster/k8s-types.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import {
  type TemplatedWorkload,
  type WorkloadKind,
  WORKLOAD_KINDS,
  address,
  jsonPatch,
  patchCommand,
  pointer,
  sameObject,
} from './shared.js';
import type { JsonPatchOp, RemediationPlan } from './types.js';

export const addStartupProbeFix: FixDef<
  'add-startup-probe',
  [WorkloadKind, TemplatedWorkload, number, CheckId[]]
> = defineFix({
  id: 'add-startup-probe',
  meaning: 'add (or relax) a startupProbe so a slow start is not killed or marked unready',
  offeredBy: ['pod.not-ready', 'pod.probe-misconfigured'],
  kinds: WORKLOAD_KINDS.map((kind) => ({ kind, verbs: ['get', 'patch'] as const })),
  undoable: true,
  build: addStartupProbe,
});

/** A startupProbe with the readiness/liveness handler and a budget of 5 minutes to start. */
export function addStartupProbe(
  kind: WorkloadKind,
  w: TemplatedWorkload,
  containerIndex: number,
  checks: CheckId[],
): RemediationPlan {
  const c = w.spec.template.spec.containers[containerIndex] as Container;
  const handler = pickHandler(c.livenessProbe ?? c.readinessProbe);
  const probe: Probe = { ...handler, periodSeconds: 10, failureThreshold: 30 };
  const containerPath = pointer('spec', 'template', 'spec', 'containers', containerIndex);
  const path = `${containerPath}/startupProbe`;
  const had = c.startupProbe !== undefined;
  // The whole container is pinned: JSON patch cannot test that startupProbe is still absent.
  const ops: JsonPatchOp[] = [
    ...sameObject(w),
    { op: 'test', path: containerPath, value: c },
    had ? { op: 'replace', path, value: probe } : { op: 'add', path, value: probe },
  ];
  const inverse: JsonPatchOp[] = [
    { op: 'test', path, value: probe },
    had ? { op: 'replace', path, value: c.startupProbe } : { op: 'remove', path },
  ];
  return {
    id: 'add-startup-probe',
    title: `${had ? 'Relax the' : 'Add a'} startupProbe on ${c.name} in ${kind} ${w.metadata.name} (up to 300 s to start)`,
    risk: 'low',
    object: address(kind, w),
    mutation: jsonPatch(ops),
    ...patchCommand(kind, w, ops),
    expectedEffect:
      'slow starts are no longer killed or marked unready before the app is up; a new rollout starts.',
    precondition: `container ${containerIndex} (${c.name}) is unchanged since the diagnosis`,
    inverse: jsonPatch(inverse),
    verify: { waitFor: 'rollout-complete', checks },
  };
}

function pickHandler(p: Probe | undefined): Probe {
  if (p?.httpGet) return { httpGet: p.httpGet };
  if (p?.tcpSocket) return { tcpSocket: p.tcpSocket };
  if (p?.grpc) return { grpc: p.grpc };
  if (p?.exec) return { exec: p.exec };
  return { tcpSocket: { port: 8080 } };
}
