import type { ContainerStatus } from '../../../cluster/k8s-types.js';
import { addStartupProbe } from '../../fixes/add-startup-probe.js';
import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { isPodReady } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import type { DiagnosisContext, Workload } from '../../context.js';
import type { Container, Pod } from '../../../cluster/k8s-types.js';
import { describeEvidence, describeProbe, probePort, templateIndex } from './shared.js';

export const probeMisconfigured: CheckDef<'pod.probe-misconfigured'> = defineCheck({
  id: 'pod.probe-misconfigured',
  layer: 'pod',
  meaning:
    'a probe points at a port no container exposes, or gives the app too little time to start',
  explains: ['pod.crashloop', 'pod.not-ready', 'service.no-endpoints'],
  reads: ['pods'],
  static: true,
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
          const affected = ctx.allBackends.filter((p) =>
            w ? ctx.ownerOf(p)?.object === w.object : p === pod,
          );
          // containerPort is informational: a numeric port nobody declares may well be served
          // (istio-proxy's 15021, a probe rewritten to 15020 at admission). Only a named port that
          // resolves to nothing is certain; a numeric one needs the kubelet's word that nothing
          // listens there, and alone is a note, never the cause.
          const refused = named || probeRefused(ctx, affected, Number(port));
          if (!refused && !ownProbe(w, c.name, kind, port)) continue;
          seen.add(key);
          const failing = affected.some((p) => !isPodReady(p));
          out.push(
            finding('pod.probe-misconfigured', {
              severity: !refused
                ? 'info'
                : failing && kind !== 'startup'
                  ? ctx.podImpact
                  : 'warning',
              title: `The ${kind} probe of ${c.name} checks port ${port}, which the container does not ${refused ? 'expose' : 'declare'}`,
              detail:
                `${kind} probe: ${describeProbe(probe)}. Container ports: ${declared.map((p) => `${p.name ? p.name + '=' : ''}${p.containerPort}`).join(', ') || 'none'}. ` +
                (named
                  ? 'A named probe port must match a named containerPort. Point the probe at the port the app serves.'
                  : refused
                    ? `The kubelet's probes get "connection refused" on port ${port}: nothing listens there. Point the probe at the port the app serves.`
                    : 'containerPort is informational, so the app may still listen there; no probe event says otherwise.'),
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
                  jsonpathText(probe),
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
          const at = w ? templateIndex(w, c.name) : undefined;
          if (killed && restarts >= 2 && w && at !== undefined) {
            seen.add(key);
            out.push(
              finding('pod.probe-misconfigured', {
                severity: ctx.podImpact,
                title: `The liveness probe of ${c.name} kills it before it starts (budget ${budget}s, ${restarts} restarts)`,
                detail: `The liveness probe gives the app ${budget}s (initialDelay + period × failureThreshold) and there is no startupProbe; the kubelet restarts it while it is still starting. A startupProbe holds liveness off until the app is up.`,
                evidence: [
                  describeEvidence({
                    pod,
                    container: c,
                    index,
                    init: false,
                    status: pod.status?.containerStatuses?.find(
                      (s) => s.name === c.name,
                    ) as ContainerStatus,
                  }),
                ],
                objects: [ref(w.kind, w.object)],
                remediations: [
                  addStartupProbe(w.kind, w.object, at, [
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

/** Probe events of these pods saying the port refuses connections: `dial tcp IP:PORT: ... refused`. */
function probeRefused(ctx: DiagnosisContext, pods: Pod[], port: number): boolean {
  const onPort = new RegExp(
    `:${port}\\b[^]*connection refused|connection refused[^]*:${port}\\b`,
    'i',
  );
  return pods.some((p) =>
    ctx.eventsFor('Pod', p.metadata.name, p.metadata.namespace).some((e) => {
      const text = e.message ?? e.note ?? '';
      return /probe failed/i.test(text) && onPort.test(text);
    }),
  );
}

/**
 * The probe is the workload's own: the container and the same probe port are in its template. A
 * container injected at admission, or a probe a mesh rewrote there (Istio's 15020), is not ours to
 * note, let alone fix.
 */
function ownProbe(
  w: Workload | undefined,
  name: string,
  kind: 'readiness' | 'liveness' | 'startup',
  port: number | string,
): boolean {
  if (!w) return true;
  const i = templateIndex(w, name);
  if (i === undefined) return false;
  const c = w.object.spec.template.spec.containers[i] as Container;
  const probe = c[`${kind}Probe`];
  return probe !== undefined && String(probePort(probe)) === String(port);
}
