import type { Pod } from '../../../cluster/k8s-types.js';
import type { RemediationPlan } from '../../fixes/types.js';
import { allowNetpolPort } from '../../fixes/allow-netpol-port.js';
import { ref } from '../../model/objects.js';
import { evidence, jsonpathText } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import { formatSelector } from '../../model/labels.js';
import type { Finding } from '../../types.js';
import { ingressControllerPods } from '../ingress/shared.js';
import {
  type Blocked,
  describePolicy,
  policiesEvidence,
  evaluateIngress,
  groupByPolicies,
  isRouted,
  judge,
  names,
  targetPortOnPod,
  sourcesText,
} from './shared.js';

export const ingressBlocked: CheckDef<'netpol.ingress-blocked'> = defineCheck({
  id: 'netpol.ingress-blocked',
  layer: 'network-policy',
  meaning: 'a NetworkPolicy blocks traffic to the backends on the target port',
  explains: [],
  reads: ['networkPolicies', 'pods', 'namespaces'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    const controllers = ingressControllerPods(ctx.snapshot);
    const controllerNs = [...new Set(controllers.map((c) => c.metadata.namespace ?? ''))];
    for (const svc of ctx.selectingServices) {
      const ns = svc.metadata.namespace ?? '';
      const backends = ctx.backendsOf(svc);
      const groups = groupByPolicies(ctx.snapshot, backends, 'Ingress');
      if (groups.length === 0) continue;
      const ports = svc.spec.ports ?? [];
      const blocked: Blocked[] = [];
      ports.forEach((port, portIndex) => {
        const routed = isRouted(svc, port, ctx.snapshot);
        for (const g of groups) {
          const target = targetPortOnPod(port, g.pods[0] as Pod);
          if (!target) continue;
          const access = evaluateIngress(
            ctx.snapshot,
            g.policies,
            g.pods[0] as Pod,
            target,
            port.port,
            controllers,
          );
          const verdict = judge(access, routed, ns, controllerNs);
          if (verdict)
            blocked.push({
              portIndex,
              port,
              target,
              pods: g.pods,
              policies: g.policies,
              access,
              verdict,
              routed,
            });
        }
      });
      if (blocked.length === 0) continue;

      const brokenPorts = new Set(blocked.map((b) => b.portIndex));
      const everyPortBroken = ports.every((_, i) => brokenPorts.has(i));
      const allPodsOf = (i: number) =>
        blocked
          .filter((b) => b.portIndex === i && b.verdict.severity === 'critical')
          .reduce((n, b) => n + b.pods.length, 0) === backends.length;
      // A blocked side port (metrics, admin) does not take the service down; a blocked only or routed port does.
      const critical = blocked.some(
        (b) =>
          b.verdict.severity === 'critical' &&
          allPodsOf(b.portIndex) &&
          (b.routed || everyPortBroken),
      );
      const lead =
        blocked.find((b) => b.verdict.severity === 'critical') ?? (blocked[0] as Blocked);
      const policies = [...new Set(blocked.flatMap((b) => b.policies))];
      const selector = formatSelector(svc.spec.selector);
      const partPods =
        lead.pods.length < backends.length
          ? ` (${lead.pods.length} of ${backends.length} pods)`
          : '';

      const remediations: RemediationPlan[] = [];
      const planned = new Set<number>();
      for (const b of blocked) {
        if (b.target.protocol !== 'TCP' || planned.has(b.target.number)) continue;
        planned.add(b.target.number);
        remediations.push(
          allowNetpolPort(svc, { ...(svc.spec.selector ?? {}) }, b.target.number, [
            'netpol.ingress-blocked',
          ]),
        );
      }
      const portLines = blocked.map((b) => {
        const hint = b.access.servicePortOnly.length
          ? ` Note: ${b.access.servicePortOnly.join(', ')} admit${b.access.servicePortOnly.length === 1 ? 's' : ''} port ${b.port.port}, the Service port; NetworkPolicy sees the pod's port ${b.target.number} after the Service translated it.`
          : '';
        return (
          `Service port ${b.port.port} forwards to container port ${b.target.number}/${b.target.protocol}${b.target.name ? ` (${b.target.name})` : ''} ` +
          `of ${b.pods.length} pod(s) selected by ${names(b.policies)}: ${b.verdict.reason}. ` +
          `Sources: ${sourcesText(b.access, ns, controllerNs)}.${hint}`
        );
      });
      const detail =
        `The pods of ${svc.metadata.name} (${selector}) are selected by NetworkPolicies with Ingress rules, so they accept only ` +
        `connections some rule admits (policies add up; none can subtract). ` +
        portLines.join(' ') +
        ` Policies: ${policies.map((p) => describePolicy(p, 'Ingress')).join('; ')}.` +
        ` Blocked connections are dropped silently: clients time out, and a proxy or ingress controller in front answers 502/503/504. ` +
        `Fix: admit the container port (not the Service port) to these pods, by widening a rule or adding a policy` +
        (remediations.length ? ' (the proposed fix adds one that admits it from anywhere).' : '.');
      out.push(
        finding('netpol.ingress-blocked', {
          severity: critical ? 'critical' : 'warning',
          title: `${names(lead.policies)} block${lead.policies.length === 1 ? 's' : ''} port ${lead.target.number}/${lead.target.protocol} to the pods of Service ${svc.metadata.name}${partPods} ${lead.verdict.from}`,
          detail,
          evidence: [
            policiesEvidence(ctx.snapshot, ns, 'Ingress'),
            evidence(
              ['get', 'service', svc.metadata.name, '-n', ns, '-o', 'jsonpath={.spec.ports}'],
              jsonpathText(svc.spec.ports),
            ),
          ],
          objects: [ref('Service', svc), ...policies.map((p) => ref('NetworkPolicy', p))],
          remediations,
        }),
      );
    }
    return out;
  },
});
