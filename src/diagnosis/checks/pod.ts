import type { Container, ContainerStatus, Pod } from '../../cluster/k8s-types.js';
import {
  addStartupProbe,
  patchResources,
  rolloutRestart,
  rolloutUndo,
  scaleWorkload,
} from '../../remediation/plans.js';
import type { RemediationPlan } from '../../remediation/plan-types.js';
import { finding } from '../catalogue.js';
import {
  type DiagnosisContext,
  type Workload,
  condition,
  formatBytes,
  isPodReady,
  parseQuantity,
  ref,
  evidence,
} from '../context.js';
import { formatSelector } from '../selectors.js';
import type { Check, CheckId, Evidence, Finding } from '../types.js';

interface Hit {
  pod: Pod;
  container: Container;
  index: number;
  status: ContainerStatus;
}

/** Container statuses of the backends that satisfy `test`, with their spec. */
function containerHits(
  ctx: DiagnosisContext,
  test: (s: ContainerStatus, p: Pod) => boolean,
): Hit[] {
  const hits: Hit[] = [];
  for (const pod of ctx.allBackends) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const index = pod.spec.containers.findIndex((c) => c.name === status.name);
      const container = pod.spec.containers[index];
      if (container && test(status, pod)) hits.push({ pod, container, index, status });
    }
  }
  return hits;
}

function podsLine(hits: Hit[]): string {
  const pods = [...new Set(hits.map((h) => h.pod.metadata.name))];
  return pods.length > 3
    ? `${pods.slice(0, 3).join(', ')} and ${pods.length - 3} more`
    : pods.join(', ');
}

function getPodsEvidence(ctx: DiagnosisContext, hits: Hit[]): Evidence {
  const svc = ctx.selectingServices[0];
  const ns = hits[0]?.pod.metadata.namespace ?? ctx.target.namespace;
  const lines = [...new Map(hits.map((h) => [h.pod.metadata.name, h])).values()]
    .slice(0, 10)
    .map((h) => {
      const ready = (h.pod.status?.containerStatuses ?? []).filter((s) => s.ready).length;
      const total = h.pod.spec.containers.length;
      const st =
        h.status.state?.waiting?.reason ??
        (h.status.state?.running
          ? (h.pod.status?.phase ?? 'Running')
          : (h.status.state?.terminated?.reason ?? h.pod.status?.phase));
      return `${h.pod.metadata.name}  ${ready}/${total}  ${st}  restarts=${h.status.restartCount}  node=${h.pod.spec.nodeName ?? '<none>'}`;
    });
  return evidence(
    svc
      ? ['get', 'pods', '-n', ns, '-l', formatSelector(svc.spec.selector), '-o', 'wide']
      : ['get', 'pods', '-n', ns, '-o', 'wide'],
    lines.join('\n'),
  );
}

function describeEvidence(hit: Hit, ctx: DiagnosisContext): Evidence {
  const events = ctx
    .eventsFor('Pod', hit.pod.metadata.name, hit.pod.metadata.namespace)
    .slice(-5)
    .map((e) => `${e.type ?? 'Normal'}  ${e.reason ?? ''}  ${e.message ?? e.note ?? ''}`);
  const s = hit.status;
  const state = JSON.stringify({
    state: s.state,
    lastState: s.lastState,
    restartCount: s.restartCount,
  });
  return evidence(
    ['describe', 'pod', hit.pod.metadata.name, '-n', hit.pod.metadata.namespace ?? ''],
    [`container ${s.name}: ${state}`, ...events].join('\n'),
  );
}

/** The workload owning the first hit, for remediations. */
function ownerOfHits(ctx: DiagnosisContext, hits: Hit[]): Workload | undefined {
  for (const h of hits) {
    const w = ctx.ownerOf(h.pod);
    if (w) return w;
  }
  return undefined;
}

/** Roll back when the failing pods come from a revision newer than one that worked. */
export function undoPlan(
  ctx: DiagnosisContext,
  w: Workload | undefined,
  checks: CheckId[],
): RemediationPlan[] {
  if (w?.kind !== 'Deployment') return [];
  const [current, previous] = ctx.replicaSetsOf(w.object);
  if (!current || !previous) return [];
  return [rolloutUndo(w.object, current, previous, checks)];
}

function restartPlan(
  ctx: DiagnosisContext,
  w: Workload | undefined,
  checks: CheckId[],
): RemediationPlan[] {
  return w ? [rolloutRestart(w.kind, w.object, ctx.now, checks)] : [];
}

export const notReady: Check = {
  id: 'pod.not-ready',
  reads: ['pods'],
  run(ctx) {
    // Running, started, and failing readiness: waiting/crashing containers are other checks' business.
    const hits = containerHits(
      ctx,
      (s, p) =>
        p.status?.phase === 'Running' && !isPodReady(p) && !s.ready && Boolean(s.state?.running),
    );
    if (hits.length === 0) return [];
    const pods = new Set(hits.map((h) => h.pod));
    const total = ctx.allBackends.length;
    const first = hits[0] as Hit;
    const w = ownerOfHits(ctx, hits);
    const probe = first.container.readinessProbe;
    const probeText = probe
      ? describeProbe(probe)
      : 'no readinessProbe (readiness gates or a container not started)';
    const remediations: RemediationPlan[] = [];
    if (w && (first.container.livenessProbe || first.container.readinessProbe))
      remediations.push(
        addStartupProbe(w.kind, w.object, first.index, ['pod.not-ready', 'service.no-endpoints']),
      );
    remediations.push(...restartPlan(ctx, w, ['pod.not-ready', 'service.no-endpoints']));
    return [
      finding('pod.not-ready', {
        severity: ctx.podImpact,
        title: `${pods.size} of ${total} pod(s) are Running but not Ready (${podsLine(hits)})`,
        detail:
          `Container ${first.container.name} is running but fails its readiness check (${probeText}); ` +
          `Kubernetes removes unready pods from the endpoints${ctx.nothingServes ? ', and none is left, so requests get 503' : ''}.`,
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first, ctx)],
        objects: [...pods].slice(0, 5).map((p) => ref('Pod', p)),
        remediations,
      }),
    ];
  },
};

function describeProbe(p: NonNullable<Container['readinessProbe']>): string {
  const how = p.httpGet
    ? `HTTP GET ${p.httpGet.path ?? '/'} on port ${p.httpGet.port}`
    : p.tcpSocket
      ? `TCP port ${p.tcpSocket.port}`
      : p.grpc
        ? `gRPC port ${p.grpc.port}`
        : 'exec';
  return `${how}, every ${p.periodSeconds ?? 10}s, ${p.failureThreshold ?? 3} failures allowed, initial delay ${p.initialDelaySeconds ?? 0}s`;
}

function lastTermination(s: ContainerStatus) {
  return s.lastState?.terminated ?? s.state?.terminated;
}

function logEvidence(ctx: DiagnosisContext, hit: Hit): Evidence[] {
  const log = ctx.snapshot.logs.find(
    (l) =>
      l.pod === hit.pod.metadata.name &&
      l.namespace === hit.pod.metadata.namespace &&
      l.container === hit.container.name,
  );
  if (!log) return [];
  return [
    evidence(
      [
        'logs',
        hit.pod.metadata.name,
        '-n',
        hit.pod.metadata.namespace ?? '',
        '-c',
        hit.container.name,
        '--previous',
        '--tail=20',
      ],
      log.text ?? `(log not available: ${log.error ?? 'unknown reason'})`,
    ),
  ];
}

export const crashloop: Check = {
  id: 'pod.crashloop',
  reads: ['pods'],
  run(ctx) {
    const hits = containerHits(
      ctx,
      (s) =>
        s.state?.waiting?.reason === 'CrashLoopBackOff' &&
        lastTermination(s)?.reason !== 'OOMKilled',
    );
    if (hits.length === 0) return [];
    const first = hits[0] as Hit;
    const t = lastTermination(first.status);
    const w = ownerOfHits(ctx, hits);
    return [
      finding('pod.crashloop', {
        severity: ctx.podImpact,
        title: `Container ${first.container.name} is in CrashLoopBackOff in ${new Set(hits.map((h) => h.pod)).size} pod(s): last exit ${t?.exitCode ?? '?'} (${t?.reason ?? 'unknown'})`,
        detail:
          `The container exits and is restarted with growing back-off (${first.status.restartCount} restarts). ` +
          `Last termination: reason ${t?.reason ?? 'unknown'}, exit code ${t?.exitCode ?? '?'}${t?.message ? `, "${t.message.slice(0, 200)}"` : ''}. ` +
          'The previous container log usually says why.',
        evidence: [
          getPodsEvidence(ctx, hits),
          describeEvidence(first, ctx),
          ...logEvidence(ctx, first),
        ],
        objects: [...new Set(hits.map((h) => h.pod))].slice(0, 5).map((p) => ref('Pod', p)),
        remediations: undoPlan(ctx, w, ['pod.crashloop', 'service.no-endpoints']),
      }),
    ];
  },
};

export const oomKilled: Check = {
  id: 'pod.oom-killed',
  reads: ['pods'],
  run(ctx) {
    const hits = containerHits(ctx, (s) => lastTermination(s)?.reason === 'OOMKilled');
    if (hits.length === 0) return [];
    const first = hits[0] as Hit;
    const limit = first.container.resources?.limits?.memory;
    const request = first.container.resources?.requests?.memory;
    const limitBytes = parseQuantity(limit);
    const w = ownerOfHits(ctx, hits);
    const remediations: RemediationPlan[] = [];
    if (w && limitBytes) {
      const raised = Math.ceil((limitBytes * 2) / 1024 ** 2) * 1024 ** 2;
      remediations.push(
        patchResources(w.kind, w.object, first.index, formatBytes(raised), raised, [
          'pod.oom-killed',
          'service.no-endpoints',
        ]),
      );
    }
    const crashing = hits.some((h) => h.status.state?.waiting?.reason === 'CrashLoopBackOff');
    return [
      finding('pod.oom-killed', {
        severity: crashing || !ctx.allBackends.some(isPodReady) ? ctx.podImpact : 'warning',
        title: `Container ${first.container.name} was OOMKilled (exit 137) in ${new Set(hits.map((h) => h.pod)).size} pod(s): memory limit ${limit ?? 'none'}, request ${request ?? 'none'}`,
        detail:
          `The kernel killed the container for using more memory than its limit (${limit ?? 'no limit: node memory pressure'}); ` +
          `it restarted ${first.status.restartCount} time(s)${crashing ? ' and is now in CrashLoopBackOff' : ''}. ` +
          (limit
            ? 'Raise the limit above the working set, or fix the leak.'
            : 'Set a memory request and limit that fit the working set.'),
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first, ctx)],
        objects: [...new Set(hits.map((h) => h.pod))].slice(0, 5).map((p) => ref('Pod', p)),
        remediations,
      }),
    ];
  },
};

const PULL_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
]);

export const imagePull: Check = {
  id: 'pod.image-pull',
  reads: ['pods'],
  run(ctx) {
    const hits = containerHits(ctx, (s) => PULL_REASONS.has(s.state?.waiting?.reason ?? ''));
    if (hits.length === 0) return [];
    const first = hits[0] as Hit;
    return [
      finding('pod.image-pull', {
        severity: ctx.podImpact,
        title: `Image ${first.container.image} cannot be pulled (${first.status.state?.waiting?.reason}) for ${new Set(hits.map((h) => h.pod)).size} pod(s)`,
        detail: `${first.status.state?.waiting?.message ?? 'The kubelet cannot pull the image.'} Check the image name and tag, and the registry credentials (imagePullSecrets).`,
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first, ctx)],
        objects: [...new Set(hits.map((h) => h.pod))].slice(0, 5).map((p) => ref('Pod', p)),
        remediations: undoPlan(ctx, ownerOfHits(ctx, hits), [
          'pod.image-pull',
          'service.no-endpoints',
        ]),
      }),
    ];
  },
};

export const configError: Check = {
  id: 'pod.config-error',
  reads: ['pods'],
  run(ctx) {
    const hits = containerHits(ctx, (s) =>
      ['CreateContainerConfigError', 'CreateContainerError'].includes(
        s.state?.waiting?.reason ?? '',
      ),
    );
    if (hits.length === 0) return [];
    const first = hits[0] as Hit;
    const missing = missingReferences(ctx, first.pod, first.container);
    return [
      finding('pod.config-error', {
        severity: ctx.podImpact,
        title: `Container ${first.container.name} cannot be created: ${first.status.state?.waiting?.message ?? first.status.state?.waiting?.reason}`,
        detail:
          `${first.status.state?.waiting?.reason}: ${first.status.state?.waiting?.message ?? 'no message'}. ` +
          (missing.length
            ? `Not found in ${first.pod.metadata.namespace}: ${missing.join(', ')}. `
            : '') +
          'Create the missing object or key, or fix the reference in the pod template.',
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first, ctx)],
        objects: [...new Set(hits.map((h) => h.pod))].slice(0, 5).map((p) => ref('Pod', p)),
        remediations: undoPlan(ctx, ownerOfHits(ctx, hits), [
          'pod.config-error',
          'service.no-endpoints',
        ]),
      }),
    ];
  },
};

/** ConfigMaps and Secrets a container references that the snapshot holds no trace of. */
function missingReferences(ctx: DiagnosisContext, pod: Pod, c: Container): string[] {
  if (ctx.snapshot.unavailable.configMaps || ctx.snapshot.unavailable.secrets) return [];
  const ns = pod.metadata.namespace;
  const has = (list: { metadata: { name: string; namespace?: string } }[], name: string) =>
    list.some((o) => o.metadata.name === name && o.metadata.namespace === ns);
  const refs = new Set<string>();
  for (const e of c.env ?? []) {
    const cm = e.valueFrom?.configMapKeyRef;
    const sec = e.valueFrom?.secretKeyRef;
    if (cm && !cm.optional && !has(ctx.snapshot.configMaps, cm.name))
      refs.add(`ConfigMap ${cm.name}`);
    if (sec && !sec.optional && !has(ctx.snapshot.secrets, sec.name))
      refs.add(`Secret ${sec.name}`);
  }
  for (const e of c.envFrom ?? []) {
    if (e.configMapRef && !has(ctx.snapshot.configMaps, e.configMapRef.name))
      refs.add(`ConfigMap ${e.configMapRef.name}`);
    if (e.secretRef && !has(ctx.snapshot.secrets, e.secretRef.name))
      refs.add(`Secret ${e.secretRef.name}`);
  }
  return [...refs];
}

export const unschedulable: Check = {
  id: 'pod.unschedulable',
  reads: ['pods'],
  run(ctx) {
    const pending = ctx.allBackends.filter((p) => {
      const c = condition(p, 'PodScheduled');
      return p.status?.phase === 'Pending' && c?.status === 'False' && c.reason === 'Unschedulable';
    });
    if (pending.length === 0) return [];
    const first = pending[0] as Pod;
    const message = condition(first, 'PodScheduled')?.message ?? 'no message';
    const events = ctx
      .eventsFor('Pod', first.metadata.name, first.metadata.namespace)
      .filter((e) => e.reason === 'FailedScheduling');
    return [
      finding('pod.unschedulable', {
        severity: ctx.podImpact,
        title: `${pending.length} pod(s) cannot be scheduled: ${message.slice(0, 160)}`,
        detail: `The scheduler found no node for ${first.metadata.name}: ${message.replace(/\.+$/, '')}. Free capacity, relax requests, tolerate the taints, or fix the affinity rules.`,
        evidence: [
          evidence(
            ['describe', 'pod', first.metadata.name, '-n', first.metadata.namespace ?? ''],
            [
              `PodScheduled=False Unschedulable: ${message}`,
              ...events.map((e) => `Warning  FailedScheduling  ${e.message ?? ''}`),
            ].join('\n'),
          ),
        ],
        objects: pending.slice(0, 5).map((p) => ref('Pod', p)),
      }),
    ];
  },
};

/** A probe's port as a number, resolving names through the container's ports. */
function probePort(p: NonNullable<Container['readinessProbe']>): number | string | undefined {
  return p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;
}

export const probeMisconfigured: Check = {
  id: 'pod.probe-misconfigured',
  reads: ['pods'],
  run(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const pod of ctx.allBackends) {
      const w = ctx.ownerOf(pod);
      pod.spec.containers.forEach((c, index) => {
        const key = `${w ? w.object.metadata.name : pod.metadata.name}/${c.name}`;
        if (seen.has(key)) return;
        const declared = c.ports ?? [];
        for (const [kind, probe] of [
          ['readiness', c.readinessProbe],
          ['liveness', c.livenessProbe],
          ['startup', c.startupProbe],
        ] as const) {
          if (!probe) continue;
          const port = probePort(probe);
          if (port === undefined) continue;
          const named = typeof port === 'string' && !/^\d+$/.test(port);
          const ok = named
            ? declared.some((p) => p.name === port)
            : declared.length === 0 || declared.some((p) => p.containerPort === Number(port));
          if (ok) continue;
          seen.add(key);
          const affected = ctx.allBackends.filter((p) =>
            w ? ctx.ownerOf(p)?.object === w.object : p === pod,
          );
          const failing = affected.some((p) => !isPodReady(p));
          out.push(
            finding('pod.probe-misconfigured', {
              severity: failing && kind !== 'startup' ? ctx.podImpact : 'warning',
              title: `The ${kind} probe of ${c.name} checks port ${port}, which the container does not expose`,
              detail:
                `${kind} probe: ${describeProbe(probe)}. Container ports: ${declared.map((p) => `${p.name ? p.name + '=' : ''}${p.containerPort}`).join(', ') || 'none'}. ` +
                `${named ? 'A named probe port must match a named containerPort.' : 'The probe cannot succeed on a port nothing listens on.'} Point the probe at the port the app serves.`,
              evidence: [
                evidence(
                  [
                    'get',
                    'pod',
                    pod.metadata.name,
                    '-n',
                    pod.metadata.namespace ?? '',
                    '-o',
                    `jsonpath={.spec.containers[${index}].${kind}Probe}`,
                  ],
                  JSON.stringify(probe),
                ),
              ],
              objects: [w ? ref(w.kind, w.object) : ref('Pod', pod)],
            }),
          );
          return;
        }
        // A liveness probe that kills the app before it can start: restarts with "Liveness probe failed".
        const live = c.livenessProbe;
        if (live && !c.startupProbe) {
          const budget =
            (live.initialDelaySeconds ?? 0) +
            (live.periodSeconds ?? 10) * (live.failureThreshold ?? 3);
          const killed = ctx
            .eventsFor('Pod', pod.metadata.name, pod.metadata.namespace)
            .some((e) => /Liveness probe failed/i.test(e.message ?? e.note ?? ''));
          const restarts =
            pod.status?.containerStatuses?.find((s) => s.name === c.name)?.restartCount ?? 0;
          if (killed && restarts >= 2 && w) {
            seen.add(key);
            out.push(
              finding('pod.probe-misconfigured', {
                severity: ctx.podImpact,
                title: `The liveness probe of ${c.name} kills it before it starts (budget ${budget}s, ${restarts} restarts)`,
                detail: `The liveness probe gives the app ${budget}s (initialDelay + period × failureThreshold) and there is no startupProbe; the kubelet restarts it while it is still starting. A startupProbe holds liveness off until the app is up.`,
                evidence: [
                  describeEvidence(
                    {
                      pod,
                      container: c,
                      index,
                      status: pod.status?.containerStatuses?.find(
                        (s) => s.name === c.name,
                      ) as ContainerStatus,
                    },
                    ctx,
                  ),
                ],
                objects: [ref(w.kind, w.object)],
                remediations: [
                  addStartupProbe(w.kind, w.object, index, [
                    'pod.probe-misconfigured',
                    'service.no-endpoints',
                  ]),
                ],
              }),
            );
          }
        }
      });
    }
    return out;
  },
};

export const resourceStarvation: Check = {
  id: 'pod.resource-starvation',
  reads: ['pods', 'podMetrics'],
  run(ctx) {
    const out: Finding[] = [];
    for (const pod of ctx.allBackends) {
      const m = ctx.snapshot.podMetrics.find(
        (x) =>
          x.metadata.name === pod.metadata.name && x.metadata.namespace === pod.metadata.namespace,
      );
      if (!m) continue;
      for (const usage of m.containers) {
        const index = pod.spec.containers.findIndex((c) => c.name === usage.name);
        const c = pod.spec.containers[index];
        if (!c) continue;
        const memLimit = parseQuantity(c.resources?.limits?.memory);
        const cpuLimit = parseQuantity(c.resources?.limits?.cpu);
        const mem = parseQuantity(usage.usage.memory);
        const cpu = parseQuantity(usage.usage.cpu);
        const memRatio = memLimit && mem !== undefined ? mem / memLimit : 0;
        const cpuRatio = cpuLimit && cpu !== undefined ? cpu / cpuLimit : 0;
        if (memRatio < 0.9 && cpuRatio < 0.9) continue;
        const w = ctx.ownerOf(pod);
        const remediations: RemediationPlan[] = [];
        if (w && memRatio >= 0.9 && memLimit) {
          const raised = Math.ceil((memLimit * 1.5) / 1024 ** 2) * 1024 ** 2;
          remediations.push(
            patchResources(w.kind, w.object, index, formatBytes(raised), raised, [
              'pod.resource-starvation',
            ]),
          );
        }
        if (w && w.kind !== 'DaemonSet') {
          const replicas = w.object.spec.replicas ?? 1;
          remediations.push(
            scaleWorkload(w.kind, w.object, replicas + Math.max(1, Math.ceil(replicas / 2)), [
              'pod.resource-starvation',
            ]),
          );
        }
        out.push(
          finding('pod.resource-starvation', {
            severity: 'warning',
            title: `${c.name} in ${pod.metadata.name} runs at ${Math.round(Math.max(memRatio, cpuRatio) * 100)}% of its ${memRatio >= cpuRatio ? 'memory' : 'CPU'} limit`,
            detail: `Usage: memory ${usage.usage.memory ?? '?'} of ${c.resources?.limits?.memory ?? 'no limit'}, CPU ${usage.usage.cpu ?? '?'} of ${c.resources?.limits?.cpu ?? 'no limit'}. Starved pods fail probes intermittently and flap out of the endpoints.`,
            evidence: [
              evidence(
                [
                  'top',
                  'pod',
                  pod.metadata.name,
                  '-n',
                  pod.metadata.namespace ?? '',
                  '--containers',
                ],
                `${c.name}  cpu=${usage.usage.cpu ?? '?'}  memory=${usage.usage.memory ?? '?'}`,
              ),
            ],
            objects: [ref('Pod', pod)],
            remediations,
          }),
        );
        break;
      }
      if (out.length > 0) break;
    }
    return out;
  },
};

export const noPods: Check = {
  id: 'pod.no-pods',
  reads: ['pods'],
  run(ctx) {
    const out: Finding[] = [];
    for (const svc of ctx.selectingServices) {
      if (ctx.backendsOf(svc).length > 0) continue;
      const ns = svc.metadata.namespace as string;
      const workloads = ctx.workloads.filter((w) => w.object.metadata.namespace === ns);
      const podsInNs = ctx.podsIn(ns).length;
      if (workloads.length === 0 && podsInNs > 0) continue; // pods exist with other labels: selector mismatch
      const w = workloads[0];
      const replicas = w && w.kind !== 'DaemonSet' ? (w.object.spec.replicas ?? 1) : undefined;
      const scaledToZero = replicas === 0;
      const remediations =
        w && w.kind !== 'DaemonSet' && scaledToZero
          ? [scaleWorkload(w.kind, w.object, 2, ['pod.no-pods', 'service.no-endpoints'])]
          : [];
      const why = !w
        ? `no pod in ${ns} and no workload whose pod template carries ${formatSelector(svc.spec.selector)}`
        : scaledToZero
          ? `${w.kind} ${w.object.metadata.name} is scaled to 0 replicas`
          : `${w.kind} ${w.object.metadata.name} wants ${replicas ?? 'one per node'} pod(s) but none exists (${replicaFailure(ctx, w) ?? 'check its ReplicaSet events'})`;
      out.push(
        finding('pod.no-pods', {
          severity: 'critical',
          title: `Service ${svc.metadata.name} has no pods: ${why}`,
          detail: `Nothing runs behind ${svc.metadata.name} (selector ${formatSelector(svc.spec.selector)}): ${why}.`,
          evidence: [
            evidence(
              ['get', 'pods', '-n', ns, '-l', formatSelector(svc.spec.selector)],
              'No resources found',
            ),
            ...(w
              ? [
                  evidence(
                    ['get', w.kind.toLowerCase(), w.object.metadata.name, '-n', ns],
                    `replicas: ${replicas ?? 'n/a'}`,
                  ),
                ]
              : []),
          ],
          objects: [ref('Service', svc), ...(w ? [ref(w.kind, w.object)] : [])],
          remediations,
        }),
      );
    }
    return out;
  },
};

function replicaFailure(ctx: DiagnosisContext, w: Workload): string | undefined {
  if (w.kind !== 'Deployment') return undefined;
  const rs = ctx.replicaSetsOf(w.object)[0];
  const c = rs
    ? (
        rs as { status?: { conditions?: { type: string; message?: string }[] } }
      ).status?.conditions?.find((x) => x.type === 'ReplicaFailure')
    : undefined;
  return c?.message;
}

export const podChecks: Check[] = [
  notReady,
  crashloop,
  oomKilled,
  imagePull,
  configError,
  unschedulable,
  probeMisconfigured,
  resourceStarvation,
  noPods,
];
