import { rolloutUndo } from '../../fixes/rollout-undo.js';
import { ago, evidence } from '../../model/evidence.js';
import { ref } from '../../model/objects.js';
import { revision } from '../../model/pods.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Signature } from '../../model/app-logs.js';
import { deployments, RECENT_MS, templateDiff } from '../rollout/shared.js';
import { currentLogs, logEvidence, signatures, unreadableLogs } from './shared.js';
import type { DiagnosisContext } from '../../context.js';

/** Signatures shown in the detail; the rest are counted. */
const SHOWN = 5;

export const errorsInLogs: CheckDef<'app.errors-in-logs'> = defineCheck({
  id: 'app.errors-in-logs',
  layer: 'app',
  meaning:
    'the running backends log errors (exceptions, ERROR/FATAL/panic, 5xx answers): the app itself fails',
  explains: [],
  reads: ['pods'],
  skipIf: unreadableLogs,
  run(ctx) {
    const sigs = signatures(ctx);
    if (sigs.length === 0) return [];
    const logs = currentLogs(ctx).filter((l) => l.text !== undefined);
    const pods = new Set(sigs.flatMap((s) => s.pods));
    const total = sigs.reduce((n, s) => n + s.count, 0);
    const top = sigs[0] as Signature;
    const first = sigs
      .map((s) => s.firstSeen)
      .filter((t): t is string => Boolean(t))
      .sort()[0];
    const trigger = likelyTrigger(ctx, first);
    const lines = sigs
      .slice(0, SHOWN)
      .map(
        (s) =>
          `• ${s.count}× in ${s.pods.length} pod(s)${s.firstSeen ? `, first ${s.firstSeen}, last ${s.lastSeen}` : ''}: ${s.key}`,
      );
    if (sigs.length > SHOWN) lines.push(`• and ${sigs.length - SHOWN} more signature(s)`);
    const since = logs[0]?.since ? ` since ${logs[0].since}` : '';
    return [
      finding('app.errors-in-logs', {
        severity: 'warning',
        title:
          `${pods.size} of ${logs.length} sampled backend(s) log errors: ${total} error line(s) in ${sigs.length} signature(s), most often "${top.key.slice(0, 120)}"` +
          (trigger ? `; likely trigger: ${trigger.title}` : ''),
        detail:
          `The pods are running and ready, but the application logs errors${since} (the last 200 lines of ${logs.length} pod(s)):\n${lines.join('\n')}\n` +
          `First occurrence:\n${top.example}` +
          (trigger
            ? `\n${trigger.title}, before the first error (${first}). Changes:\n${trigger.diff.map((x) => `• ${x}`).join('\n')}\nRolling back is the quickest way to tell.`
            : first
              ? '\nNo rollout precedes the first error in the last 2 hours: look at what the errors name.'
              : ''),
        evidence: [logEvidence(ctx), ...(trigger ? [trigger.evidence] : [])],
        objects: [
          ...[...pods]
            .slice(0, 5)
            .map((p) => ({ kind: 'Pod', namespace: ctx.target.namespace, name: p })),
          ...(trigger ? trigger.objects : []),
        ],
        remediations: trigger ? [trigger.plan] : [],
      }),
    ];
  },
});

/** A revision rolled out shortly before the first error line: what most likely started them. */
function likelyTrigger(ctx: DiagnosisContext, firstError: string | undefined) {
  if (!firstError) return undefined;
  for (const d of deployments(ctx)) {
    const [current, previous] = ctx.replicaSetsOf(d);
    const created = current?.metadata.creationTimestamp;
    if (!current || !previous || !created) continue;
    const at = Date.parse(created);
    if (at > Date.parse(firstError) || Date.parse(firstError) - at > RECENT_MS) continue;
    const diff = templateDiff(previous.spec.template, current.spec.template);
    if (diff.length === 0) continue;
    const ns = d.metadata.namespace ?? '';
    return {
      title: `Deployment ${d.metadata.name} rolled out revision ${revision(current)} ${ago(created, ctx.now)}`,
      diff,
      evidence: evidence(
        [
          'rollout',
          'history',
          `deployment/${d.metadata.name}`,
          '-n',
          ns,
          `--revision=${revision(current)}`,
        ],
        '', // kubectl prints the whole template; the changes are in the prose
      ),
      objects: [ref('Deployment', d), ref('ReplicaSet', current)],
      plan: rolloutUndo(d, current, previous, ['app.errors-in-logs']),
    };
  }
  return undefined;
}
