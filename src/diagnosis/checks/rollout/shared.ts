// Helpers shared by the rollout checks.
import type {
  Container,
  Deployment,
  IntOrString,
  PodTemplate,
} from '../../../cluster/k8s-types.js';
import { type DiagnosisContext } from '../../context.js';
import { condition } from '../../model/pods.js';

export function deployments(ctx: DiagnosisContext): Deployment[] {
  return ctx.workloads.filter((w) => w.kind === 'Deployment').map((w) => w.object as Deployment);
}

/** Resolves maxUnavailable/maxSurge as the deployment controller does (unavailable rounds down, surge up). */
export function resolveIntOrPercent(
  v: IntOrString | undefined,
  total: number,
  roundUp: boolean,
  dflt: string,
): number {
  const value = v ?? dflt;
  if (typeof value === 'number') return value;
  if (/^\d+$/.test(value)) return Number(value);
  const pct = Number(value.replace('%', '')) / 100;
  return roundUp ? Math.ceil(total * pct) : Math.floor(total * pct);
}

export function rollingOut(d: Deployment): boolean {
  const s = d.status ?? {};
  const desired = d.spec.replicas ?? 1;
  return (
    (s.updatedReplicas ?? 0) < desired ||
    (s.replicas ?? 0) > (s.updatedReplicas ?? 0) ||
    (s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)
  );
}

/** A rollout not finished yet, as `kubectl rollout status` waits on it: also when every pod is
 * updated but not yet available, which is how a maxUnavailable-100% rollout looks while it has
 * drained the Service. Pods lost after the controller declared the rollout complete
 * (NewReplicaSetAvailable) are not a rollout. */
export function rolloutUnfinished(d: Deployment): boolean {
  const s = d.status ?? {};
  const progressing = condition(d, 'Progressing');
  const awaitingAvailability =
    progressing !== undefined &&
    progressing.reason !== 'NewReplicaSetAvailable' &&
    (s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0);
  return rollingOut(d) || awaitingAvailability;
}

/** A revision is "recent" when it was created within this window before the diagnosis. */
export const RECENT_MS = 2 * 60 * 60 * 1000;

/** What changed between two pod templates, in words: images, labels, probes, resources, env, ports. */
export function templateDiff(before: PodTemplate, after: PodTemplate): string[] {
  const out: string[] = [];
  const labels = (t: PodTemplate) => {
    const l = { ...(t.metadata?.labels ?? {}) };
    delete l['pod-template-hash'];
    return l;
  };
  const lb = labels(before);
  const la = labels(after);
  for (const k of new Set([...Object.keys(lb), ...Object.keys(la)]))
    if (lb[k] !== la[k]) out.push(`labels: ${k} ${lb[k] ?? '(none)'} → ${la[k] ?? '(removed)'}`);
  const byName = new Map(before.spec.containers.map((c) => [c.name, c]));
  for (const c of after.spec.containers) {
    const b = byName.get(c.name);
    if (!b) {
      out.push(`containers: ${c.name} added`);
      continue;
    }
    const fields: [string, (x: Container) => unknown][] = [
      ['image', (x) => x.image],
      ['readinessProbe', (x) => x.readinessProbe],
      ['livenessProbe', (x) => x.livenessProbe],
      ['startupProbe', (x) => x.startupProbe],
      ['resources', (x) => x.resources],
      ['ports', (x) => x.ports],
    ];
    out.push(...envDiff(c.name, b.env, c.env));
    for (const [name, get] of fields) {
      const x = JSON.stringify(get(b) ?? null);
      const y = JSON.stringify(get(c) ?? null);
      if (x !== y) out.push(`${name} (${c.name}): ${truncate(x)} → ${truncate(y)}`);
    }
  }
  return out;
}

export type EnvVar = NonNullable<Container['env']>[number];

/** Env changes by name; a literal value may be a secret, so only whether it changed is said. */
export function envDiff(container: string, before: EnvVar[] = [], after: EnvVar[] = []): string[] {
  const b = new Map(before.map((e) => [e.name, e]));
  const a = new Map(after.map((e) => [e.name, e]));
  const out: string[] = [];
  for (const name of new Set([...b.keys(), ...a.keys()])) {
    const x = b.get(name);
    const y = a.get(name);
    if (!x) out.push(`env (${container}): ${name} added`);
    else if (!y) out.push(`env (${container}): ${name} removed`);
    else if (x.value !== y.value) out.push(`env (${container}): ${name} value changed`);
    else if (JSON.stringify(x.valueFrom ?? null) !== JSON.stringify(y.valueFrom ?? null))
      out.push(`env (${container}): ${name} source changed`);
  }
  return out;
}

export function truncate(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}
