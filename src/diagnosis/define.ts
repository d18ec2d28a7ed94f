// What a check is, declared in one place: its id, layer, words, the kinds it reads and what it
// explains, beside the code that finds it. Everything else (the list of ids, the catalogue, the
// root-cause order) is derived from the registry of these definitions (registry.ts).
//
// Each check file exports its definition with an explicit annotation naming its id:
//   export const crashloop: CheckDef<'pod.crashloop'> = defineCheck({ id: 'pod.crashloop', ... });
// CheckId is derived from the registry and Finding refers to CheckId, so without the annotation
// TypeScript would have to infer the definition's type through itself (TS7022); with it, the id is
// still checked twice (the annotation and the literal must agree).
import type { ResourceKind } from '../cluster/kinds.js';
import type { Snapshot } from '../cluster/snapshot.js';
import type { DiagnosisContext } from './context.js';
import type { CheckId } from './registry.js';
import type { Evidence, Finding, Layer, ObjectRef, RemediationPlan, Severity } from './types.js';

export interface CheckDef<Id extends string = string> {
  id: Id;
  /** The SPEC layer the finding is reported under. */
  layer: Layer;
  /** What the finding means, in one line (`kubemedic checks`, help text). */
  meaning: string;
  /** Ids this check's finding explains when both are found: they must come after it in the registry. */
  explains: readonly CheckId[];
  /** Snapshot kinds the check needs; when one could not be read the check is reported skipped. */
  reads: readonly ResourceKind[];
  /** A reason the check cannot run on this snapshot beyond an unreadable kind (e.g. kube-system unreadable). */
  skipIf?(snapshot: Snapshot): string | undefined;
  /**
   * Judgeable from manifests alone (`kubemedic lint`): the check reads object specs (selectors,
   * ports, rules, strategies), not status, events or logs, so it is right on the would-be pods
   * lint builds from workload templates (Running and Ready, as after a successful rollout).
   */
  static?: true;
  run(ctx: DiagnosisContext): Finding[];
}

// Layers of the checks defined so far, so `finding` needs no import of the registry (which
// imports every check: a cycle that would break loading one check module on its own).
const LAYER_OF = new Map<string, Layer>();

export function defineCheck<const Id extends string>(def: CheckDef<Id>): CheckDef<Id> {
  LAYER_OF.set(def.id, def.layer);
  return def;
}

export interface FindingInput {
  severity: Severity;
  title: string;
  detail: string;
  evidence?: Evidence[];
  objects?: ObjectRef[];
  remediations?: RemediationPlan[];
}

/** Builds a finding of a check; the layer always comes from the check's definition. */
export function finding(check: CheckId, f: FindingInput): Finding {
  const layer = LAYER_OF.get(check);
  if (!layer) throw new Error(`finding of undefined check ${check}`);
  return {
    check,
    layer,
    severity: f.severity,
    title: f.title,
    detail: f.detail,
    evidence: f.evidence ?? [],
    objects: f.objects ?? [],
    remediations: f.remediations ?? [],
  };
}
