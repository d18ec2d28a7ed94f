import type { ContainerStatus } from '../../../cluster/k8s-types.js';
import { addStartupProbe } from '../../fixes/add-startup-probe.js';
import { ref } from '../../model/objects.js';
import { evidence } from '../../model/evidence.js';
import { isPodReady } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { describeEvidence, describeProbe, probePort } from './shared.js';

export const probeMisconfigured: CheckDef<'pod.probe-misconfigured'> = defineCheck({
  id: 'pod.probe-misconfigured',
  layer: 'pod',
  meaning:
    'a probe points at a port no container exposes, or gives the app too little time to start',
  explains: ['pod.crashloop', 'pod.not-ready', 'service.no-endpoints'],
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
});
