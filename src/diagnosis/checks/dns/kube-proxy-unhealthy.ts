import { ref } from '../../model/objects.js';
import { customColumns, evidence } from '../../model/evidence.js';
import type { DaemonSet } from '../../../cluster/k8s-types.js';
import { isLive } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Evidence } from '../../types.js';
import { isKubeProxyPod, kubeProxyDaemonSet } from './shared.js';
import { labelledPodsEvidence } from '../../model/pods.js';
import { podTrouble } from '../../model/pods.js';

export const kubeProxyUnhealthy: CheckDef<'dns.kube-proxy-unhealthy'> = defineCheck({
  id: 'dns.kube-proxy-unhealthy',
  layer: 'dns',
  meaning: 'kube-proxy is not fully available, so Service routing may be stale',
  explains: [],
  reads: ['daemonSets', 'pods'],
  skipIf: (s) => s.unavailable['kube-system'],
  run(ctx) {
    const ds = kubeProxyDaemonSet(ctx.snapshot);
    const pods = ctx.snapshot.pods.filter((p) => isLive(p) && isKubeProxyPod(p));
    // Clusters without kube-proxy (Cilium, kube-router) are fine.
    if (!ds && pods.length === 0) return [];
    const desired = ds?.status?.desiredNumberScheduled ?? 0;
    const available = ds?.status?.numberAvailable ?? 0;
    const short = ds !== undefined && available < desired;
    const troubles = pods.map((p) => podTrouble(p, ctx.now));
    const troubled = troubles.filter((t) => t.problems.length > 0);
    if (!short && troubled.length === 0) return [];

    const noneAvailable =
      (ds !== undefined && desired > 0 && available === 0) ||
      (ds === undefined && troubles.every((t) => !t.ready));
    const counts = ds
      ? `${available} of ${desired} available`
      : `${troubles.filter((t) => t.ready).length} of ${pods.length} pod(s) ready`;
    const nodes = [
      ...new Set(troubled.map((t) => t.pod.spec.nodeName).filter((n): n is string => !!n)),
    ];
    const detail =
      `kube-proxy programs Service routing (iptables/IPVS) on each node; where it is not running, ` +
      `connections to Service IPs use stale rules and fail or reach pods that no longer exist. ` +
      (ds ? `DaemonSet kube-proxy: ${counts}. ` : '') +
      troubled.map((t) => `${t.pod.metadata.name}: ${t.problems.join('; ')}.`).join(' ') +
      (nodes.length ? ` Affected node(s): ${nodes.join(', ')}.` : '') +
      (troubled.length
        ? ' Read the logs, then delete the failing pods so the DaemonSet recreates them (the commands below).'
        : ' The DaemonSet lacks pods: its events say why (the command below).');
    const shown: Evidence[] = [];
    if (ds) shown.push(daemonSetEvidence(ds));
    if (troubles.length > 0)
      shown.push(labelledPodsEvidence(ctx.snapshot.pods, 'kube-system', 'k8s-app=kube-proxy'));
    const failing = troubled.map((t) => t.pod.metadata.name);
    if (failing[0] !== undefined)
      shown.push(
        evidence(['logs', '-n', 'kube-system', failing[0], '--previous'], ''),
        evidence(['delete', 'pod', '-n', 'kube-system', ...failing], ''),
      );
    else shown.push(evidence(['describe', 'daemonset', 'kube-proxy', '-n', 'kube-system'], ''));
    return [
      finding('dns.kube-proxy-unhealthy', {
        severity: noneAvailable ? 'critical' : 'warning',
        title: `kube-proxy is ${noneAvailable ? 'down' : 'not fully available'}: ${counts}${
          troubled.length ? `, ${troubled.length} pod(s) failing` : ''
        }`,
        detail,
        evidence: shown,
        objects: [
          ...(ds ? [ref('DaemonSet', ds)] : []),
          ...troubled.slice(0, 5).map((t) => ref('Pod', t.pod)),
        ],
      }),
    ];
  },
});

/** `kubectl get daemonset kube-proxy` in the columns kubectl prints exactly. */
function daemonSetEvidence(ds: DaemonSet): Evidence {
  const c = customColumns([
    ['DESIRED', '.status.desiredNumberScheduled', ds.status?.desiredNumberScheduled],
    ['READY', '.status.numberReady', ds.status?.numberReady],
    ['AVAILABLE', '.status.numberAvailable', ds.status?.numberAvailable],
    ['UNAVAILABLE', '.status.numberUnavailable', ds.status?.numberUnavailable],
  ]);
  return evidence(['get', 'daemonset', 'kube-proxy', '-n', 'kube-system', '-o', c.arg], c.output);
}
