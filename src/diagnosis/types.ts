import type { Service } from '../cluster/k8s-types.js';
import type { ResourceKind, Snapshot } from '../cluster/snapshot.js';
import type { RemediationPlan } from './fixes/types.js';
import type { DiagnosisContext } from './context.js';
import type { CheckId } from './registry.js';

export const LAYERS = [
  'pod',
  'service',
  'network-policy',
  'dns',
  'ingress',
  'workload',
  'mesh',
  'node',
  'gateway',
  'app',
] as const;
export type Layer = (typeof LAYERS)[number];

export type { CheckId } from './registry.js';
export type { RemediationPlan };

export type Severity = 'critical' | 'warning' | 'info';
export type Verdict = 'unhealthy' | 'degraded' | 'healthy' | 'unknown';

export const TARGET_KINDS = [
  'Service',
  'Deployment',
  'Ingress',
  'Pod',
  'Namespace',
  'HTTPRoute',
] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface Target {
  kind: TargetKind;
  name: string;
  /** Absent: search every namespace the snapshot holds. */
  namespace?: string;
  cluster: string;
}

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

export interface Evidence {
  /** `argv` shell-quoted (shell.ts): what a person pastes. */
  command: string;
  output: string;
  /** The command's arguments, `kubectl` first. */
  argv: string[];
}

export interface Finding {
  check: CheckId;
  layer: Layer;
  severity: Severity;
  title: string;
  detail: string;
  evidence: Evidence[];
  objects: ObjectRef[];
  remediations: RemediationPlan[];
}

export interface Skipped {
  check: CheckId;
  reason: string;
}

export interface TimelineEntry {
  at: string;
  what: string;
}

export interface HistoryPoint {
  at: string;
  value: number;
}

/** The incident over time as one snapshot tells it (history.ts); the incident picture's data. */
export interface ReportHistory {
  /** When the snapshot was taken: the series end here. */
  at: string;
  /** Ready endpoints of the target's Service (a step series). */
  ready: HistoryPoint[];
  /** Container restarts of its pods, counted from the first (a step series). */
  restarts: HistoryPoint[];
  /** Rollout revisions of its Deployments, oldest first. */
  revisions: { at: string; workload: string; revision: number }[];
  /** Replicas its Deployments ask for. */
  desired?: number;
}

export interface Report {
  target: Target & { namespace: string };
  verdict: Verdict;
  rootCause: CheckId | null;
  summary: string;
  findings: Finding[];
  skipped: Skipped[];
  /** Names an object gave that were not requested because they are not valid names (a claimName
   *  `../secrets/x`): the checks that needed them say so from the object itself. */
  notRead?: string[];
  timeline: TimelineEntry[];
  history?: ReportHistory;
  durationMs: number;
  apiRequests: number;
  /** Sequential rounds of API reads: the longest chain of requests each waiting on the one
   *  before (0 for a diagnosis of a dump). */
  apiRounds: number;
}

/** What the checks look at: the snapshot, and the Services the target resolved to. */
export interface DiagnosisInput {
  snapshot: Snapshot;
  target: Target & { namespace: string };
  /** Services in scope (the target or the Services in front of it). */
  services: Service[];
  /** Set when the target itself does not exist: the nearest names that do. */
  missing?: { kind: TargetKind; name: string; namespace: string; nearest: string[] };
  now: Date;
  /** Diagnoses another Service of the same snapshot (a dependency the app's errors name);
   *  undefined when the hop budget is spent or the Service was already diagnosed (a loop). */
  diagnoseOther?: (target: Target & { namespace: string }) => Report | undefined;
}

/** TEMPORARY: a check not yet moved to its own file (see define.ts for what a check is now). */
export interface Check {
  id: string;
  /** Snapshot kinds the check needs; when one could not be read the check is reported skipped. */
  reads: readonly ResourceKind[];
  /** A reason the check cannot run on this snapshot beyond an unreadable kind (e.g. kube-system unreadable). */
  skipIf?(snapshot: Snapshot): string | undefined;
  run(ctx: DiagnosisContext): Finding[];
}
