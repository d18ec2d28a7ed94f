import { type CheckDef, defineCheck, finding } from '../../define.js';
import { describeTarget } from '../../target.js';
import type { Finding } from '../../types.js';
import { dependencies, errorLines, logEvidence, named, unreadableLogs } from './shared.js';

export const dependencyUnhealthy: CheckDef<'dependency.unhealthy'> = defineCheck({
  id: 'dependency.unhealthy',
  layer: 'app',
  meaning:
    "a Service the app's errors name (by ClusterIP or DNS name) is itself unhealthy: its own root cause and fix",
  explains: ['app.errors-in-logs'],
  reads: ['pods', 'services'],
  skipIf: unreadableLogs,
  run(ctx) {
    const out: Finding[] = [];
    for (const dep of dependencies(ctx)) {
      if (dep.kind !== 'service') continue;
      const svc = dep.service;
      const target = {
        kind: 'Service' as const,
        name: svc.metadata.name,
        namespace: svc.metadata.namespace ?? ctx.target.namespace,
        cluster: ctx.target.cluster,
      };
      const report = ctx.diagnoseOther(target);
      if (!report || report.verdict === 'healthy' || report.verdict === 'unknown') continue;
      const root = report.findings.find((f) => f.check === report.rootCause);
      if (!root) continue;
      const where = `${svc.metadata.name} in ${target.namespace}`;
      out.push(
        finding('dependency.unhealthy', {
          severity: root.severity,
          title: `its dependency ${where} is ${report.verdict}: ${root.title}`,
          detail:
            `${dep.lines} error line(s) of the backends fail to reach ${named(dep.ref)} (${dep.ref.failure}), which is Service ${where}. ` +
            `Diagnosed in turn, ${describeTarget(target)} is ${report.verdict}; its root cause is ${root.check}:\n${root.detail}` +
            (report.findings.length > 1
              ? `\nAlso found there: ${report.findings
                  .filter((f) => f !== root)
                  .map((f) => f.check)
                  .join(', ')}.`
              : '') +
            `\nFix the dependency and the errors should stop; the app itself needs no change.` +
            errorLines(ctx, dep.ref.ip ?? dep.ref.host),
          evidence: [logEvidence(ctx), ...root.evidence],
          objects: [
            { kind: 'Service', namespace: target.namespace, name: svc.metadata.name },
            ...root.objects,
          ],
          // The dependency's own plans, on its own objects: approving one fixes the dependency.
          remediations: root.remediations.map((r) => ({
            ...r,
            // Verified on the dependency itself: the app's logs are not read again then.
            verify: {
              ...r.verify,
              checks: [...new Set([...r.verify.checks, 'dependency.unhealthy' as const])],
              target: { kind: 'Service' as const, name: target.name, namespace: target.namespace },
            },
          })),
        }),
      );
    }
    return out;
  },
});
