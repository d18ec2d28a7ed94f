import { evidence } from '../../model/evidence.js';
import { type CheckDef, defineCheck, finding } from '../../define.js';

export const serviceNotFound: CheckDef<'service.not-found'> = defineCheck({
  id: 'service.not-found',
  layer: 'service',
  meaning: 'the Service does not exist',
  explains: [],
  reads: ['services'],
  run(ctx) {
    const m = ctx.missing;
    if (!m || m.kind !== 'Service') return [];
    const near = m.nearest.length
      ? `Nearest names: ${m.nearest.join(', ')}.`
      : 'The namespace has no Services.';
    return [
      finding('service.not-found', {
        severity: 'critical',
        title: `Service ${m.name} does not exist in namespace ${m.namespace}`,
        detail: `No Service named ${m.name} in ${m.namespace}. ${near}`,
        evidence: [
          // What the command prints: the Services of that namespace only (a nearest name in
          // another namespace is in the detail, never under this command).
          evidence(
            ['get', 'services', '-n', m.namespace, '-o', 'name'],
            ctx.snapshot.services
              .filter((x) => x.metadata.namespace === m.namespace)
              .map((x) => `service/${x.metadata.name}`)
              .sort()
              .join('\n') || `No resources found in ${m.namespace} namespace.`,
          ),
        ],
        objects: [{ kind: 'Service', namespace: m.namespace, name: m.name }],
      }),
    ];
  },
});
