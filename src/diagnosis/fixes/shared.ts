// Helpers the fix builders share: where an object lives (from the kinds table), the kubectl line a
// plan shows, and the JSON-patch pieces that pin what a plan was computed from.
import type { Container, KubeObject } from '../../cluster/k8s-types.js';
import { apiVersionOf, kindInfo } from '../../cluster/kinds.js';
import { shellJoin, shellJoinWithStdin } from '../../shell.js';
import type { JsonPatchOp, Mutation, ObjectAddress, RemediationPlan } from './types.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

export interface TemplatedWorkload extends KubeObject {
  spec: {
    template: {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: Container[] };
    };
  };
}

function info(kind: string) {
  const i = kindInfo(kind);
  if (!i) throw new Error(`no kinds-table entry for ${kind}`);
  return i;
}

/** The name `kubectl` takes for a kind (`deployment`, `networkpolicy`). */
export function kubectlName(kind: string): string {
  return info(kind).kubectl;
}

export function address(kind: string, o: KubeObject): ObjectAddress {
  return {
    kind,
    apiVersion: apiVersionOf(info(kind)),
    namespace: o.metadata.namespace,
    name: o.metadata.name,
  };
}

/** JSON-pointer escaping of one path segment. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

type Command = Pick<RemediationPlan, 'kubectl' | 'kubectlArgv' | 'kubectlStdin'>;

/** The kubectl command a plan shows, built from its arguments (and stdin) and shell-quoted. */
export function command(args: string[], stdin?: string): Command {
  const argv = ['kubectl', ...args];
  return stdin === undefined
    ? { kubectl: shellJoin(argv), kubectlArgv: argv }
    : { kubectl: shellJoinWithStdin(argv, stdin), kubectlArgv: argv, kubectlStdin: stdin };
}

export function patchCommand(kind: string, o: KubeObject, ops: JsonPatchOp[]): Command {
  return command([
    'patch',
    kubectlName(kind),
    o.metadata.name,
    '-n',
    o.metadata.namespace ?? '',
    '--type=json',
    '-p',
    JSON.stringify(ops),
  ]);
}

export function jsonPatch(ops: JsonPatchOp[]): Mutation {
  return { type: 'json-patch', ops };
}

/** A test op that pins the object's identity, so a deleted-and-recreated object is not patched. */
export function sameObject(o: KubeObject): JsonPatchOp[] {
  return o.metadata.uid ? [{ op: 'test', path: '/metadata/uid', value: o.metadata.uid }] : [];
}

/** `op: replace` of `path` from `from` to `to`, pinned by a test of `from`. */
export function swap(path: string, from: unknown, to: unknown): JsonPatchOp[] {
  return [
    { op: 'test', path, value: from },
    { op: 'replace', path, value: to },
  ];
}

/** Why a plan that needs clamping cannot be: it carries no valid parameters to rebuild it from. */
export function noParams(plan: RemediationPlan): { ok: false; reason: string } {
  return {
    ok: false,
    reason: `the plan "${plan.title}" carries no parameters to rebuild it within the policy's bounds (it was made by an older kubemedic); diagnose again for a new plan`,
  };
}
