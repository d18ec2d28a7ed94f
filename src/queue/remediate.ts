// The remediate worker: validates a button click queued by the Slack layer and hands it to the
// remediation flow, which authorises, applies, verifies and reports through the notifier.
import type { Job } from 'bullmq';
import { remediationsTotal } from '../metrics.js';
import {
  type RemediationDeps,
  type RemediationOutcome,
  RemediationActionSchema,
  runRemediationAction,
} from '../remediation/flow.js';

export async function processRemediation(
  job: Job,
  deps: RemediationDeps,
): Promise<RemediationOutcome> {
  const action = RemediationActionSchema.parse(job.data);
  const outcome = await runRemediationAction(action, deps);
  const record = await deps.store.get(action.planId).catch(() => undefined);
  remediationsTotal.inc({ remediation: record?.plan.id ?? 'unknown', outcome: outcome.kind });
  return outcome;
}
