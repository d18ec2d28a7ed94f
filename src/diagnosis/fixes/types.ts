// The vocabulary of a fix plan: what it changes, how to undo it, how to tell it worked. Plans are
// built by the fixes beside the checks (diagnosis/fixes/) and carried out by the approval runtime
// (remediation/), which reads these types and nothing else of the diagnosis' internals.
import type { KubeObject } from '../../cluster/k8s-types.js';
import type { CheckId } from '../registry.js';
import type { ObjectRef } from '../types.js';
import type { RemediationId } from './registry.js';

export type { RemediationId } from './registry.js';

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
  verify: {
    waitFor: 'endpoints-ready' | 'rollout-complete' | 'none';
    checks: CheckId[];
    /** The Service to diagnose again, when it is not the thread's target: a dependency's fix is
     *  verified on the dependency, where its checks can see it. */
    target?: { kind: 'Service'; name: string; namespace: string };
  };
  /**
   * The typed arguments the plan was built from, for fixes the policy bounds (scale, resources):
   * the fix's `clamp` validates them and rebuilds the plan within the bounds. Plans stored before
   * they were kept have none, and a clamp they need is refused.
   */
  params?: Record<string, unknown>;
}

/** The policy's bounds on scale and resource plans. */
export interface PlanBounds {
  maxReplicas: number;
  /** As written in the policy ("4Gi"), and in bytes. */
  maxMemory: string;
  maxMemoryBytes: number;
}

export type BoundedPlan =
  { ok: true; plan: RemediationPlan; clamped?: string } | { ok: false; reason: string };
