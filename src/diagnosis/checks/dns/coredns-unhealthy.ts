import { rolloutRestart } from '../../fixes/rollout-restart.js';
import { ref } from '../../model/objects.js';
import { endpointSlicesEvidence, evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Evidence } from '../../types.js';
import { corednsDeployment, corednsPods, kubeDnsEndpoints } from './shared.js';
import { labelledPodsEvidence } from '../../model/pods.js';
import { podTrouble } from '../../model/pods.js';

export const corednsUnhealthy: CheckDef<'dns.coredns-unhealthy'> = defineCheck({
  id: 'dns.coredns-unhealthy',
  layer: 'dns',
  meaning: 'CoreDNS is not ready, restarting or has no endpoints',
  explains: [],
  reads: ['pods', 'endpointSlices'],
  skipIf: (s) => s.unavailable['kube-system'],
  run(ctx) {
    const pods = corednsPods(ctx.snapshot);
    const endpoints = kubeDnsEndpoints(ctx.snapshot);
    // Nothing of CoreDNS in the dump is not evidence of a failure (kube-system may not be read).
    if (pods.length === 0 && !endpoints) return [];
    const troubles = pods.map((p) => podTrouble(p, ctx.now));
    const troubled = troubles.filter((t) => t.problems.length > 0);
    const readyPods = troubles.filter((t) => t.ready).length;
    const noReadyPod = pods.length > 0 && readyPods === 0;
    const noEndpoint = endpoints !== undefined && endpoints.ready === 0;
    if (!noReadyPod && !noEndpoint && troubled.length === 0) return [];

    const down = noReadyPod || noEndpoint;
    const oom = troubled.some((t) => t.oomKilled);
    const parts: string[] = [];
    if (pods.length > 0) parts.push(`${readyPods} of ${pods.length} CoreDNS pod(s) ready`);
    if (noEndpoint) parts.push('kube-dns has no ready endpoint');
    const title = down
      ? `CoreDNS is down: ${parts.join(', ')}`
      : `CoreDNS is unstable: ${troubled
          .slice(0, 2)
          .map((t) => `${t.pod.metadata.name} ${t.problems[0] ?? ''}`)
          .join('; ')}`;
    const detail =
      (down
        ? 'Cluster DNS answers no queries, so every pod that calls another service by name fails ' +
          '(lookups time out), which surfaces as 5xx from services that depend on others. '
        : `Some CoreDNS pods are unhealthy (${readyPods} of ${pods.length} ready); lookups that ` +
          'land on them time out or fail intermittently. ') +
      troubled.map((t) => `${t.pod.metadata.name}: ${t.problems.join('; ')}.`).join(' ') +
      (oom
        ? ' CoreDNS was OOMKilled: a restart only buys time; raise the memory limit of the coredns ' +
          'Deployment (the command below) and look for a query storm.'
        : ' Read the logs (the command below) and restart CoreDNS if the pods are stuck.');

    const shown: Evidence[] = [];
    if (pods.length > 0)
      shown.push(labelledPodsEvidence(ctx.snapshot.pods, 'kube-system', 'k8s-app=kube-dns'));
    if (endpoints)
      shown.push(endpointSlicesEvidence(ctx.snapshot.endpointSlices, 'kube-system', 'kube-dns'));
    shown.push(
      oom
        ? evidence(['-n', 'kube-system', 'edit', 'deployment', 'coredns'], '')
        : evidence(['logs', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '--previous'], ''),
    );
    const deployment = corednsDeployment(ctx, pods);
    return [
      finding('dns.coredns-unhealthy', {
        severity: down ? 'critical' : 'warning',
        title,
        detail,
        evidence: shown,
        objects: [
          ...(deployment ? [ref('Deployment', deployment)] : []),
          ...troubled.slice(0, 5).map((t) => ref('Pod', t.pod)),
        ],
        remediations: deployment
          ? [rolloutRestart('Deployment', deployment, new Date(ctx.now), ['dns.coredns-unhealthy'])]
          : [],
      }),
    ];
  },
});
