// CONTRACT (being implemented): the flow of an Approve / Reject / Undo click, run by the
// `remediate` queue worker. Slack handlers validate and enqueue; this authorises and acts.
import { z } from 'zod';
import type { KubeApi } from '../cluster/client.js';
import type { PlanRecord, PlanStore } from './plan-store.js';

export const RemediationActionSchema = z.object({
  action: z.enum(['approve', 'reject', 'undo']),
  planId: z.string().min(8).max(64),
  userId: z.string().min(1),
  userName: z.string().optional(),
  channel: z.string().min(1),
  /** The message holding the card that was clicked. */
  messageTs: z.string().optional(),
});
export type RemediationAction = z.infer<typeof RemediationActionSchema>;

/** How the flow speaks in Slack; implemented over the slack-post queue by the Slack layer. */
export interface RemediationNotifier {
  /** A reply only the clicker sees (refusals). */
  ephemeral(channel: string, user: string, text: string): Promise<void>;
  /** A reply in the plan's thread (each step of the audit is echoed here). */
  threadReply(channel: string, threadTs: string, text: string): Promise<void>;
  /** Re-renders the plan's card for its new state (Undo button when applied and undoable). */
  updateCard(record: PlanRecord, statusText: string): Promise<void>;
}

export interface RemediationDeps {
  store: PlanStore;
  /** The remediation identity: writes only what the enabled remediations need. */
  writer: KubeApi;
  /** The read-only diagnosis identity: re-runs the checks to verify. */
  reader: KubeApi;
  notify: RemediationNotifier;
}

export type RemediationOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'awaiting-approval'; approvals: number; needed: number }
  | { kind: 'rejected' }
  | { kind: 'applied'; verified: boolean; summary: string }
  | { kind: 'undone'; summary: string }
  | { kind: 'failed'; reason: string };

export async function runRemediationAction(_action: RemediationAction, _deps: RemediationDeps): Promise<RemediationOutcome> {
  throw new Error('runRemediationAction is not implemented yet');
}
