import { type CheckDef, defineCheck, finding } from '../../define.js';
import type { Finding } from '../../types.js';
import { evidence } from '../../model/evidence.js';
import { dependencies, errorLines, logEvidence, named, unreadableLogs } from './shared.js';

export const dependencyNotFound: CheckDef<'dependency.not-found'> = defineCheck({
  id: 'dependency.not-found',
  layer: 'app',
  meaning:
    "a cluster host name the app's errors fail to resolve names no Service (a typo or the wrong namespace)",
  explains: ['app.errors-in-logs'],
  reads: ['pods', 'services'],
  skipIf: unreadableLogs,
  run(ctx) {
    const out: Finding[] = [];
    for (const dep of dependencies(ctx)) {
      if (dep.kind !== 'missing') continue;
      const nearest = dep.nearest.length ? `; nearest: ${dep.nearest.join(', ')}` : '';
      out.push(
        finding('dependency.not-found', {
          severity: 'critical',
          title: `the app calls ${named(dep.ref)}, but no Service ${dep.name} exists in ${dep.namespace}${nearest}`,
          detail:
            `${dep.lines} error line(s) fail on ${named(dep.ref)} (${dep.ref.failure}). In the cluster that name is Service ${dep.name} in namespace ${dep.namespace}, which does not exist${nearest}. ` +
            `Every call the app makes to it fails. Correct the host name in the app's configuration (env, ConfigMap) or create the Service it expects.` +
            errorLines(ctx, dep.ref.host),
          evidence: [
            logEvidence(ctx),
            evidence(
              ['get', 'services', '-n', dep.namespace, '-o', 'name'],
              ctx.snapshot.services
                .filter((s) => s.metadata.namespace === dep.namespace)
                .map((s) => `service/${s.metadata.name}`)
                .sort()
                .join('\n') || `No resources found in ${dep.namespace} namespace.`,
            ),
          ],
          objects: [{ kind: 'Service', namespace: dep.namespace, name: dep.name }],
        }),
      );
    }
    return out;
  },
});
