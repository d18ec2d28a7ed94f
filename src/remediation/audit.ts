// The audit log of remediations: every step of every click (who, what, when, the plan, the patch,
// the dry-run diff, the outcome), appended to a Redis stream capped at roughly `maxLength`
// entries, and read back newest first (`kubemedic audit`).
import type { Redis } from 'ioredis';
import { redactDeep } from '../redact.js';
import type { Mutation } from '../diagnosis/fixes/types.js';
import type { RemediationStep, StepKind } from './steps.js';

export interface AuditEntry {
  /** Stream id (`<ms>-<seq>`), set when stored. */
  id: string;
  at: string;
  /** Slack user id of the person who clicked. */
  actor: string;
  actorName?: string;
  action: 'approve' | 'reject' | 'undo';
  step: StepKind;
  /** The step as data (absent in entries written before steps were stored). */
  detail?: RemediationStep;
  planId: string;
  remediation?: string;
  /** `Kind namespace/name`. */
  object?: string;
  channel?: string;
  /** The change as sent to the API server. */
  patch?: Mutation;
  /** The server-side dry run's diff. */
  dryRun?: string;
  /** What happened, in plain words (steps.ts stepText; the thread says the same in mrkdwn). */
  outcome: string;
}

export type AuditInput = Omit<AuditEntry, 'id' | 'at'> & { at?: string };

export class AuditLog {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix = 'kubemedic',
    private readonly maxLength = 10_000,
  ) {
    this.key = `${prefix}:audit`;
  }

  async append(input: AuditInput): Promise<AuditEntry> {
    // The stream is read by people and tools outside the bot: no secret and no env value in it.
    const entry = redactDeep({ ...input, at: input.at ?? new Date().toISOString() });
    const id = await this.redis.xadd(
      this.key,
      'MAXLEN',
      '~',
      String(this.maxLength),
      '*',
      'entry',
      JSON.stringify(entry),
    );
    return { ...entry, id: id ?? '' };
  }

  /** The newest entries first. */
  async recent(limit = 20): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', limit);
    return rows.flatMap(([id, fields]) => {
      const i = fields.indexOf('entry');
      const raw = i >= 0 ? fields[i + 1] : undefined;
      if (raw === undefined) return [];
      return [{ ...(JSON.parse(raw) as Omit<AuditEntry, 'id'>), id }];
    });
  }
}
