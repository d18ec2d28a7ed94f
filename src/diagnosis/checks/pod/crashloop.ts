import { ref } from '../../model/objects.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import {
  containerHits,
  containerLabel,
  describeEvidence,
  getPodsEvidence,
  type Hit,
  lastTermination,
  logEvidence,
  previousLogLines,
  ownerOfHits,
  undoPlan,
} from './shared.js';

export const crashloop: CheckDef<'pod.crashloop'> = defineCheck({
  id: 'pod.crashloop',
  layer: 'pod',
  meaning: 'containers crash and restart in a loop (CrashLoopBackOff)',
  explains: ['rollout.stalled', 'pod.not-ready', 'service.no-endpoints'],
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
        title: `${containerLabel(first)} is in CrashLoopBackOff in ${new Set(hits.map((h) => h.pod)).size} pod(s): last exit ${t?.exitCode ?? '?'} (${t?.reason ?? 'unknown'})`,
        detail:
          `The container exits and is restarted with growing back-off (${first.status.restartCount} restarts). ` +
          `Last termination: reason ${t?.reason ?? 'unknown'}, exit code ${t?.exitCode ?? '?'}${t?.message ? `, "${t.message.slice(0, 200)}"` : ''}. ` +
          'The previous container log usually says why.' +
          previousLogLines(ctx, first),
        evidence: [getPodsEvidence(ctx, hits), describeEvidence(first), ...logEvidence(ctx, first)],
        objects: [...new Set(hits.map((h) => h.pod))].slice(0, 5).map((p) => ref('Pod', p)),
        remediations: undoPlan(ctx, w, ['pod.crashloop', 'service.no-endpoints']),
      }),
    ];
  },
});
