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
          evidence(['get', 'services', '-n', m.namespace], m.nearest.join('\n') || '(none)'),
        ],
        objects: [{ kind: 'Service', namespace: m.namespace, name: m.name }],
      }),
    ];
  },
});
