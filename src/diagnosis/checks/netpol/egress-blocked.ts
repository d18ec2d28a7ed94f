import type { Pod, Service, ServicePort } from '../../../cluster/k8s-types.js';
import { allowNetpolEgress } from '../../fixes/allow-netpol-egress.js';
import { ref } from '../../model/objects.js';
import { isLive } from '../../model/pods.js';
import { matchesServiceSelector } from '../../selectors.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { dependencies, errorLines, logEvidence, named, unreadableLogs } from '../app/shared.js';
import {
  describePolicy,
  policiesEvidence,
  groupByPolicies,
  names,
  peerAdmits,
  portAdmits,
  sourceOf,
  targetPortOnPod,
} from './shared.js';

export const egressBlocked: CheckDef<'netpol.egress-blocked'> = defineCheck({
  id: 'netpol.egress-blocked',
  layer: 'network-policy',
  meaning:
    "an egress NetworkPolicy on the backends admits no traffic to a dependency's pods and port (one the app's errors name)",
  explains: ['app.errors-in-logs'],
  reads: ['networkPolicies', 'pods', 'services'],
  skipIf: unreadableLogs,
  run(ctx) {
    const out: Finding[] = [];
    for (const dep of dependencies(ctx)) {
      if (dep.kind !== 'service') continue;
      const svc = dep.service;
      const depPods = podsOf(ctx.snapshot.pods, svc);
      const port = servicePort(svc, dep.ref.port);
      const first = depPods[0];
      if (!first || !port) continue; // no pods to reach: dependency.unhealthy says why
      const target = targetPortOnPod(port, first);
      if (!target) continue;
      for (const g of groupByPolicies(ctx.snapshot, ctx.allBackends, 'Egress')) {
        const admitted = g.policies.some((np) =>
          (np.spec.egress ?? []).some((rule) => {
            if (!portAdmits(rule.ports, target, depPods)) return false;
            const to = rule.to ?? [];
            return (
              to.length === 0 ||
              to.some((peer) =>
                depPods.some((p) =>
                  peerAdmits(peer, np.metadata.namespace ?? '', sourceOf(p), ctx.snapshot),
                ),
              )
            );
          }),
        );
        if (admitted) continue;
        const ns = g.pods[0]?.metadata.namespace ?? ctx.target.namespace;
        const depNs = svc.metadata.namespace ?? ns;
        const selector = ctx.selectingServices.find((s) =>
          ctx.backendsOf(s).some((p) => g.pods.includes(p)),
        )?.spec.selector;
        out.push(
          finding('netpol.egress-blocked', {
            severity: 'critical',
            title: `${names(g.policies)} block${g.policies.length === 1 ? 's' : ''} egress from the backends to ${svc.metadata.name} (${depNs}) on port ${target.number}/${target.protocol}`,
            detail:
              `${dep.lines} error line(s) fail to reach ${named(dep.ref)} (${dep.ref.failure}), which is Service ${svc.metadata.name} in ${depNs}, forwarding to port ${target.number}/${target.protocol} of ${depPods.length} pod(s). ` +
              `${names(g.policies)} select${g.policies.length === 1 ? 's' : ''} ${g.pods.length} backend(s) for Egress, and no egress rule admits that port to those pods, so every connection is dropped ` +
              `(NetworkPolicy sees the pod's port after the Service translated it, not the Service port). ` +
              `Policies: ${g.policies.map((p) => describePolicy(p, 'Egress')).join('; ')}. ` +
              `Fix: add an egress rule to the dependency's pods on port ${target.number}, or the policy below.` +
              errorLines(ctx, dep.ref.ip ?? dep.ref.host),
            evidence: [logEvidence(ctx), policiesEvidence(ctx.snapshot, ns, 'Egress')],
            objects: [ref('Service', svc), ...g.policies.map((p) => ref('NetworkPolicy', p))],
            remediations: selector
              ? [
                  allowNetpolEgress(ns, { ...selector }, svc, target.number, target.protocol, [
                    'netpol.egress-blocked',
                  ]),
                ]
              : [],
          }),
        );
      }
    }
    return out;
  },
});

function podsOf(pods: Pod[], svc: Service): Pod[] {
  if (Object.keys(svc.spec.selector ?? {}).length === 0) return [];
  return pods.filter(
    (p) =>
      p.metadata.namespace === svc.metadata.namespace &&
      isLive(p) &&
      matchesServiceSelector(svc.spec.selector, p.metadata.labels),
  );
}

/** The Service port the error names, or its only port. */
function servicePort(svc: Service, port: number | undefined): ServicePort | undefined {
  const ports = svc.spec.ports ?? [];
  return ports.find((p) => p.port === port) ?? (ports.length === 1 ? ports[0] : undefined);
}
