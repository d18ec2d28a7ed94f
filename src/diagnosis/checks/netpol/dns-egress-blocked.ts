import { ref } from '../../model/objects.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { admitsDns, describePolicy, groupByPolicies, names, policiesEvidence } from './shared.js';

export const dnsEgressBlocked: CheckDef<'netpol.dns-egress-blocked'> = defineCheck({
  id: 'netpol.dns-egress-blocked',
  layer: 'network-policy',
  meaning: 'an egress NetworkPolicy blocks DNS (port 53) from the backends',
  explains: [],
  reads: ['networkPolicies', 'pods'],
  static: true,
  run(ctx) {
    const out: Finding[] = [];
    for (const g of groupByPolicies(ctx.snapshot, ctx.allBackends, 'Egress')) {
      if (admitsDns(ctx.snapshot, g.policies, 'UDP')) continue;
      const tcp = admitsDns(ctx.snapshot, g.policies, 'TCP');
      const ns = g.pods[0]?.metadata.namespace ?? '';
      const services = ctx.selectingServices.filter((s) =>
        ctx.backendsOf(s).some((p) => g.pods.includes(p)),
      );
      const svcNames = services.map((s) => s.metadata.name).join(', ');
      out.push(
        finding('netpol.dns-egress-blocked', {
          severity: 'warning',
          title: `${names(g.policies)} block${g.policies.length === 1 ? 's' : ''} DNS (UDP 53) from the pods of Service ${svcNames}`,
          detail:
            `${names(g.policies)} select${g.policies.length === 1 ? 's' : ''} ${g.pods.length} pod(s) of ${svcNames} for Egress, and no egress rule admits UDP port 53 to cluster DNS ` +
            `(CoreDNS in kube-system)${tcp ? ' (TCP 53 is admitted, but resolvers query over UDP first)' : ''}. ` +
            `Name lookups from these pods time out, so calls the app makes to other services by name fail, which often surfaces as 5xx. ` +
            `If the app does resolve names, add an egress rule to the policy: ` +
            `to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ` +
            `ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]. ` +
            `Policies: ${g.policies.map((p) => describePolicy(p, 'Egress')).join('; ')}.`,
          evidence: [policiesEvidence(ctx.snapshot, ns, 'Egress')],
          objects: [
            ...services.map((s) => ref('Service', s)),
            ...g.policies.map((p) => ref('NetworkPolicy', p)),
          ],
        }),
      );
    }
    return out;
  },
});
