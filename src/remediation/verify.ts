// Verifies an applied plan by running the diagnosis again with the read-only identity: the plan
// worked when none of the checks that raised it still reports a problem. A check still counts
// when it is critical, or a warning about the very object the plan changed (an unsafe strategy
// is a warning, and its fix must make it go away); info findings (a recent rollout) never count.
import type { KubeApi } from '../cluster/client.js';
import type { Finding, Report, Target } from '../diagnosis/types.js';
import { diagnoseLive } from '../engine.js';
import type { RemediationPlan } from '../diagnosis/fixes/types.js';
import { type Attempt, type PollOptions, poll } from './poll.js';

export interface Verification {
  verified: boolean;
  /** Findings of the plan's checks that still report a problem. */
  remaining: Finding[];
  /** One line for the thread. */
  summary: string;
  report?: Report;
}

export function stillReported(f: Finding, plan: RemediationPlan): boolean {
  if (!plan.verify.checks.includes(f.check)) return false;
  if (f.severity === 'critical') return true;
  if (f.severity === 'info') return false;
  return f.objects.some(
    (o) =>
      o.kind === plan.object.kind &&
      o.name === plan.object.name &&
      (o.namespace ?? '') === (plan.object.namespace ?? ''),
  );
}

/** Re-runs the diagnosis until the plan's checks clear or the bound passes. */
export async function verifyPlan(
  reader: KubeApi,
  plan: RemediationPlan,
  target: Target & { namespace: string },
  opts: PollOptions,
): Promise<Verification> {
  const checks = plan.verify.checks.join(', ');
  const { value } = await poll(async (): Promise<Attempt<Verification>> => {
    try {
      const report = await diagnoseLive(reader, target);
      const remaining = report.findings.filter((f) => stillReported(f, plan));
      if (remaining.length === 0)
        return {
          done: true,
          value: {
            verified: true,
            remaining,
            report,
            summary: `the diagnosis no longer reports ${checks} (verdict: ${report.verdict})`,
          },
        };
      return {
        done: false,
        value: {
          verified: false,
          remaining,
          report,
          summary: `still reported: ${remaining.map((f) => `${f.check}: ${f.title}`).join('; ')}`,
        },
      };
    } catch (err) {
      return {
        done: false,
        value: {
          verified: false,
          remaining: [],
          summary: `the diagnosis could not run: ${err instanceof Error ? err.message : String(err)}`,
        },
      };
    }
  }, opts);
  return value;
}
