// The remediate worker: validates a button click queued by the Slack layer and hands it to the
// remediation flow, which authorises, applies, verifies and reports through the notifier.
import type { Job } from 'bullmq';
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
  return runRemediationAction(action, deps);
}
