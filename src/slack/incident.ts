// An incident's summary, seed 002's damage report: how long it lasted, how soon kubemedic had a
// root cause and a verified fix, what the root cause and the fix were, who approved it, and the
// timeline. Built from the thread's state (Redis) and the remediation audit stream, as data:
// Slack (blocks/summary.ts) and the CLI's Markdown (cli/incident.ts) put it into words.
import { describeTarget } from '../diagnosis/target.js';
import type { AuditEntry } from '../remediation/audit.js';
import { stepText } from '../remediation/steps.js';
import { type FixState, type ThreadState, incidentTimes } from './thread-state.js';

export interface IncidentSummary {
  /** The alert's name, or the targets asked about. */
  title: string;
  status: 'firing' | 'resolved' | 'open';
  severity?: string;
  startedAt?: string;
  resolvedAt?: string;
  /** Alertmanager's firing span, in ms. */
  duration?: number;
  /** From the first notification (or the command) to the first root cause, and to the verified fix. */
  toDiagnose?: number;
  toFix?: number;
  rootCauses: { target: string; check: string | null; headline: string }[];
  fixes: FixState[];
  timeline: { at: string; what: string }[];
}

const valid = (iso: string | undefined): iso is string =>
  Boolean(iso) && !Number.isNaN(Date.parse(iso as string)) && !iso?.startsWith('0001');

function where(t: ThreadState['targets'][number]): string {
  return `${describeTarget(t.target)}${t.target.namespace ? ` in ${t.target.namespace}` : ''}`;
}

/** The audit entries that belong to the thread: those of the plans acted on in it. */
export function entriesOfThread(state: ThreadState, entries: AuditEntry[]): AuditEntry[] {
  const plans = new Set((state.fixes ?? []).map((f) => f.planId));
  return entries.filter((e) => plans.has(e.planId) && e.step !== 'refused');
}

export function incidentSummary(state: ThreadState, audit: AuditEntry[]): IncidentSummary {
  const a = state.alert;
  const times = incidentTimes(state);
  const startedAt = valid(a?.startsAt) ? a?.startsAt : state.openedAt;
  const resolvedAt = a?.status === 'resolved' && valid(a.endsAt) ? a.endsAt : undefined;
  const span = startedAt && resolvedAt ? Date.parse(resolvedAt) - Date.parse(startedAt) : undefined;
  const diagnosed = state.targets.filter((t) => t.stage === 'ready' || t.stage === 'posted');
  const timeline: { at: string; what: string }[] = [];
  if (a && valid(a.startsAt))
    timeline.push({ at: a.startsAt, what: `${a.alertname} started firing` });
  if (state.openedAt)
    timeline.push({
      at: state.openedAt,
      what: a ? 'kubemedic received the alert and opened the thread' : 'diagnosis requested',
    });
  for (const t of diagnosed)
    if (t.diagnosedAt)
      timeline.push({
        at: t.diagnosedAt,
        what: t.rootCause
          ? `${where(t)} diagnosed: root cause ${t.rootCause} (${t.headline ?? ''})`
          : `${where(t)} diagnosed: ${t.verdict ?? 'unknown'}`,
      });
  for (const e of entriesOfThread(state, audit)) {
    const who = e.actorName ? `${e.actor} (${e.actorName})` : e.actor;
    const words = (e.detail ? stepText(e.detail) : e.outcome).split('\n')[0] ?? '';
    timeline.push({ at: e.at, what: `${e.step} by ${who}: ${words}` });
  }
  if (resolvedAt)
    timeline.push({ at: resolvedAt, what: `${a?.alertname ?? 'the alert'} resolved` });
  timeline.sort((x, y) => x.at.localeCompare(y.at));
  return {
    title: a?.alertname ?? (state.targets.map(where).join(', ') || 'kubemedic thread'),
    status: a ? a.status : 'open',
    severity: a?.severity,
    startedAt,
    resolvedAt,
    duration: span !== undefined && span >= 0 ? span : undefined,
    toDiagnose: times.toDiagnose,
    toFix: times.toFix,
    rootCauses: diagnosed.map((t) => ({
      target: where(t),
      check: t.rootCause ?? null,
      headline: t.headline ?? '',
    })),
    fixes: state.fixes ?? [],
    timeline,
  };
}
