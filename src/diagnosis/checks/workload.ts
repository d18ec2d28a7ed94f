import type { Container, Deployment, IntOrString, PodTemplate } from '../../cluster/k8s-types.js';
import { patchRolloutStrategy, rolloutUndo } from '../../remediation/plans.js';
import { finding } from '../catalogue.js';
import { type DiagnosisContext, ago, condition, ref, revision, evidence } from '../context.js';
import type { Check, Finding } from '../types.js';

function deployments(ctx: DiagnosisContext): Deployment[] {
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

function rollingOut(d: Deployment): boolean {
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
function rolloutUnfinished(d: Deployment): boolean {
  const s = d.status ?? {};
  const progressing = condition(d, 'Progressing');
  const awaitingAvailability =
    progressing !== undefined &&
    progressing.reason !== 'NewReplicaSetAvailable' &&
    (s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0);
  return rollingOut(d) || awaitingAvailability;
}

export const rolloutStalled: Check = {
  id: 'rollout.stalled',
  reads: ['deployments'],
  run(ctx) {
    const out: Finding[] = [];
    for (const d of deployments(ctx)) {
      const progressing = condition(d, 'Progressing');
      const deadline =
        progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded';
      const desired = d.spec.replicas ?? 1;
      const available = d.status?.availableReplicas ?? 0;
      if (!deadline && !(rollingOut(d) && available < desired)) continue;
      if (d.spec.paused) continue;
      const ns = d.metadata.namespace as string;
      const [current, previous] = ctx.replicaSetsOf(d);
      out.push(
        finding('rollout.stalled', {
          severity: deadline && ctx.nothingServes ? 'critical' : 'warning',
          title: `Rollout of Deployment ${d.metadata.name} ${deadline ? 'exceeded its progress deadline' : 'is in progress'}: ${available}/${desired} available, ${d.status?.updatedReplicas ?? 0} updated`,
          detail:
            (deadline
              ? `The Deployment made no progress for ${d.spec.progressDeadlineSeconds ?? 600}s (${progressing?.message ?? 'ProgressDeadlineExceeded'}). `
              : 'New pods are not becoming available, so the rollout cannot finish. ') +
            (current
              ? `The new ReplicaSet ${current.metadata.name} (revision ${revision(current)}) has ${current.status?.readyReplicas ?? 0}/${current.spec.replicas ?? 0} ready.`
              : ''),
          evidence: [
            evidence(
              ['rollout', 'status', `deployment/${d.metadata.name}`, '-n', ns],
              deadline
                ? `error: deployment "${d.metadata.name}" exceeded its progress deadline`
                : `Waiting for deployment "${d.metadata.name}" rollout to finish: ${d.status?.updatedReplicas ?? 0} of ${desired} updated replicas are available...`,
            ),
            evidence(
              [
                'get',
                'deployment',
                d.metadata.name,
                '-n',
                ns,
                '-o',
                'jsonpath={.status.conditions}',
              ],
              JSON.stringify(d.status?.conditions ?? []),
            ),
          ],
          objects: [ref('Deployment', d)],
          remediations:
            current && previous
              ? [rolloutUndo(d, current, previous, ['rollout.stalled', 'service.no-endpoints'])]
              : [],
        }),
      );
    }
    return out;
  },
};

export const unsafeStrategy: Check = {
  id: 'rollout.unsafe-strategy',
  reads: ['deployments'],
  run(ctx) {
    const out: Finding[] = [];
    for (const d of deployments(ctx)) {
      const replicas = d.spec.replicas ?? 1;
      if (replicas === 0) continue;
      const type = d.spec.strategy?.type ?? 'RollingUpdate';
      const ru = d.spec.strategy?.rollingUpdate;
      const maxUnavailable = resolveIntOrPercent(ru?.maxUnavailable, replicas, false, '25%');
      const maxSurge = resolveIntOrPercent(ru?.maxSurge, replicas, true, '25%');
      const unsafe = type === 'Recreate' || replicas - maxUnavailable <= 0;
      if (!unsafe) continue;
      const draining = rolloutUnfinished(d) && ctx.nothingServes;
      out.push(
        finding('rollout.unsafe-strategy', {
          severity: draining ? 'critical' : 'warning',
          title:
            type === 'Recreate'
              ? `Deployment ${d.metadata.name} uses the Recreate strategy: every rollout takes all ${replicas} pod(s) down first`
              : `Deployment ${d.metadata.name} allows all ${replicas} pod(s) to be unavailable during a rollout (maxUnavailable ${ru?.maxUnavailable ?? '25%'} → ${maxUnavailable}, maxSurge ${ru?.maxSurge ?? '25%'} → ${maxSurge})`,
          detail:
            `With ${replicas} replica(s) the strategy lets Kubernetes remove old pods before new ones are ready, so the Service can drop to zero endpoints during every rollout${draining ? ' — which is happening now' : ''}. ` +
            'maxUnavailable 0 with maxSurge 25% keeps capacity while new pods start.',
          evidence: [
            evidence(
              [
                'get',
                'deploy',
                d.metadata.name,
                '-n',
                d.metadata.namespace ?? '',
                '-o',
                'jsonpath={.spec.strategy}',
              ],
              JSON.stringify(d.spec.strategy ?? {}),
            ),
          ],
          objects: [ref('Deployment', d)],
          remediations: [patchRolloutStrategy(d, ['rollout.unsafe-strategy'])],
        }),
      );
    }
    return out;
  },
};

/** A revision is "recent" when it was created within this window before the diagnosis. */
const RECENT_MS = 2 * 60 * 60 * 1000;

export const recentChange: Check = {
  id: 'rollout.recent-change',
  reads: ['deployments', 'replicaSets'],
  run(ctx) {
    const out: Finding[] = [];
    for (const d of deployments(ctx)) {
      const [current, previous] = ctx.replicaSetsOf(d);
      if (!current || !previous) continue;
      const created = current.metadata.creationTimestamp;
      if (!created || ctx.now.getTime() - Date.parse(created) > RECENT_MS) continue;
      const diff = templateDiff(previous.spec.template, current.spec.template);
      if (diff.length === 0) continue;
      const unhealthy =
        ctx.allBackends.length === 0 ||
        ctx.nothingServes ||
        ctx.allBackends.some(
          (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
        );
      out.push(
        finding('rollout.recent-change', {
          severity: unhealthy ? 'warning' : 'info',
          title: `Deployment ${d.metadata.name} rolled out revision ${revision(current)} ${ago(created, ctx.now)}: ${diff.map((x) => x.split(':')[0]).join(', ')} changed`,
          detail: `Revision ${revision(previous)} → ${revision(current)} (ReplicaSet ${current.metadata.name}, created ${created}). Changes:\n${diff.map((x) => `• ${x}`).join('\n')}`,
          evidence: [
            evidence(
              [
                'rollout',
                'history',
                `deployment/${d.metadata.name}`,
                '-n',
                d.metadata.namespace ?? '',
                `--revision=${revision(current)}`,
              ],
              diff.join('\n'),
            ),
          ],
          objects: [ref('Deployment', d), ref('ReplicaSet', current)],
          remediations: unhealthy
            ? [rolloutUndo(d, current, previous, ['rollout.recent-change', 'service.no-endpoints'])]
            : [],
        }),
      );
    }
    return out;
  },
};

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

type EnvVar = NonNullable<Container['env']>[number];

/** Env changes by name; a literal value may be a secret, so only whether it changed is said. */
function envDiff(container: string, before: EnvVar[] = [], after: EnvVar[] = []): string[] {
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

function truncate(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

export const hpaMaxed: Check = {
  id: 'autoscaling.hpa-maxed',
  reads: ['hpas'],
  run(ctx) {
    const out: Finding[] = [];
    const failing =
      ctx.nothingServes ||
      ctx.allBackends.some(
        (p) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True',
      );
    if (!failing) return out;
    for (const w of ctx.workloads) {
      const hpa = ctx.snapshot.hpas.find(
        (h) =>
          h.metadata.namespace === w.object.metadata.namespace &&
          h.spec.scaleTargetRef.kind === w.kind &&
          h.spec.scaleTargetRef.name === w.object.metadata.name,
      );
      if (!hpa) continue;
      const current = hpa.status?.currentReplicas ?? 0;
      if (current < hpa.spec.maxReplicas) continue;
      out.push(
        finding('autoscaling.hpa-maxed', {
          severity: 'warning',
          title: `HPA ${hpa.metadata.name} is at its maximum of ${hpa.spec.maxReplicas} replicas while ${w.object.metadata.name} fails`,
          detail: `The autoscaler wants ${hpa.status?.desiredReplicas ?? current} and cannot add more: load exceeds what ${hpa.spec.maxReplicas} pods serve. Raise maxReplicas (the command below doubles it) or cut per-pod cost.`,
          evidence: [
            evidence(
              ['get', 'hpa', hpa.metadata.name, '-n', hpa.metadata.namespace ?? ''],
              `min=${hpa.spec.minReplicas ?? 1} max=${hpa.spec.maxReplicas} current=${current} desired=${hpa.status?.desiredReplicas ?? '?'}`,
            ),
            evidence(
              [
                'patch',
                'hpa',
                hpa.metadata.name,
                '-n',
                hpa.metadata.namespace ?? '',
                '-p',
                JSON.stringify({ spec: { maxReplicas: hpa.spec.maxReplicas * 2 } }),
              ],
              '(raises maxReplicas; not run)',
            ),
          ],
          objects: [ref('HorizontalPodAutoscaler', hpa)],
        }),
      );
    }
    return out;
  },
};

export const workloadChecks: Check[] = [rolloutStalled, unsafeStrategy, recentChange, hpaMaxed];
