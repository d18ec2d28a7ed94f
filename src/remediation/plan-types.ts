import type { KubeObject } from '../cluster/k8s-types.js';
import type { CheckId, ObjectRef } from '../diagnosis/types.js';

export const REMEDIATION_IDS = [
  'patch-service-selector',
  'patch-service-target-port',
  'rollout-restart',
  'rollout-undo',
  'scale-workload',
  'patch-rollout-strategy',
  'add-startup-probe',
  'patch-resources',
  'allow-netpol-port',
  'patch-ingress-backend',
  'restart-coredns',
  'patch-route-backend',
] as const;
export type RemediationId = (typeof REMEDIATION_IDS)[number];

export type Risk = 'low' | 'medium' | 'high';

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

/**
 * A change to one object. Patches are JSON patches whose `test` ops pin the values the plan
 * was computed from, so the API server itself refuses a plan made stale by a later edit.
 */
export type Mutation =
  | { type: 'json-patch'; ops: JsonPatchOp[] }
  | { type: 'create'; manifest: KubeObject }
  | { type: 'delete'; uid?: string };

export interface ObjectAddress extends ObjectRef {
  apiVersion: string;
}

export interface RemediationPlan {
  id: RemediationId;
  title: string;
  risk: Risk;
  object: ObjectAddress;
  mutation: Mutation;
  /** The kubectl command that makes the same change: `kubectlArgv` shell-quoted (shell.ts). */
  kubectl: string;
  /** The arguments of that command, `kubectl` first. */
  kubectlArgv: string[];
  /** What the command reads on stdin (a manifest to create), when it reads one. */
  kubectlStdin?: string;
  expectedEffect: string;
  /** Human words for what must still hold when the plan is applied. */
  precondition: string;
  /** Restores the previous state; absent when the change cannot be undone (a restart). */
  inverse?: Mutation;
  /** How to tell it worked: what to wait for, and the checks to run again. */
  verify: { waitFor: 'endpoints-ready' | 'rollout-complete' | 'none'; checks: CheckId[] };
  /** Bounds the policy applies at approval (scale and resource plans). */
  bounds?: { replicas?: number; memoryBytes?: number };
}
