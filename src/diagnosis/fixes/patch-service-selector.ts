// patch-service-selector: point a Service's selector at the labels its pods carry.
import type { Service } from '../../cluster/k8s-types.js';
import { formatSelector } from '../model/labels.js';
import type { CheckId } from '../registry.js';
import { type FixDef, defineFix } from './define.js';
import { address, jsonPatch, patchCommand, swap } from './shared.js';
import type { RemediationPlan } from './types.js';

export const patchServiceSelectorFix: FixDef<
  'patch-service-selector',
  [Service, Record<string, string>, CheckId[]]
> = defineFix({
  id: 'patch-service-selector',
  meaning: "set the Service's selector to the labels of the pods it should select",
  offeredBy: ['service.selector-mismatch'],
  kinds: [{ kind: 'Service', verbs: ['get', 'patch'] }],
  undoable: true,
  build: patchServiceSelector,
});

export function patchServiceSelector(
  svc: Service,
  wanted: Record<string, string>,
  checks: CheckId[],
): RemediationPlan {
  const old = svc.spec.selector ?? {};
  const ops = swap('/spec/selector', old, wanted);
  return {
    id: 'patch-service-selector',
    title: `Set the selector of Service ${svc.metadata.name} to ${formatSelector(wanted)}`,
    risk: 'low',
    object: address('Service', svc),
    mutation: jsonPatch(ops),
    ...patchCommand('Service', svc, ops),
    expectedEffect: `Service ${svc.metadata.name} selects the pods labelled ${formatSelector(wanted)} and gets their ready endpoints.`,
    precondition: `the selector is still ${formatSelector(old)}`,
    inverse: jsonPatch(swap('/spec/selector', wanted, old)),
    verify: { waitFor: 'endpoints-ready', checks },
  };
}
