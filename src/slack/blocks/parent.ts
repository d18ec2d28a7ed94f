// The thread's parent message: what was asked (a /diagnose or an alert group), the verdict and
// the root cause in one line per target. Rendered from ThreadState only.
import { describeTarget } from '../../diagnosis/target.js';
import type { AlertState, TargetSummary, ThreadState } from '../thread-state.js';
import {
  type Block,
  type SlackMessage,
  code,
  context,
  escapeMrkdwn,
  fallback,
  fitEscaped,
  section,
  userRefs,
} from './text.js';

/** Green for healthy only: a diagnosis that could not decide is a question, never a tick. */
export const VERDICT_ICON: Record<NonNullable<TargetSummary['verdict']>, string> = {
  unhealthy: ':x:',
  degraded: ':warning:',
  healthy: ':white_check_mark:',
  unknown: ':grey_question:',
};

function where(s: TargetSummary): string {
  const ns = s.target.namespace ? ` in ${code(s.target.namespace)}` : '';
  return `${code(describeTarget(s.target))}${ns}`;
}

function plainWhere(s: TargetSummary): string {
  return `${describeTarget(s.target)}${s.target.namespace ? ` in ${s.target.namespace}` : ''}`;
}

/** One target's line, mrkdwn. */
function targetLine(s: TargetSummary): string {
  switch (s.stage) {
    case 'diagnosing':
      return `:mag: *Diagnosing* ${where(s)}…`;
    case 'not-found':
      return `:grey_question: *Not found:* ${fitEscaped(s.error ?? `${plainWhere(s)} does not exist`, 1200)}`;
    case 'failed':
      return `:warning: *Could not diagnose* ${where(s)}: ${fitEscaped(s.error ?? 'unknown error', 1200)}`;
    case 'ready':
    case 'posted': {
      const verdict = s.verdict ?? 'unknown';
      const head = `${VERDICT_ICON[verdict]} *${verdict.toUpperCase()}* ${where(s)}`;
      if (s.rootCause)
        return `${head}\n*Root cause* ${code(s.rootCause)}: ${fitEscaped(s.headline ?? '', 1200)}`;
      return `${head}\n${fitEscaped(s.headline ?? '', 1200)}`;
    }
  }
}

/** The same line as plain text, for notifications and the console. */
function targetPlain(s: TargetSummary): string {
  switch (s.stage) {
    case 'diagnosing':
      return `Diagnosing ${plainWhere(s)}…`;
    case 'not-found':
      return `Not found: ${s.error ?? plainWhere(s)}`;
    case 'failed':
      return `Could not diagnose ${plainWhere(s)}: ${s.error ?? 'unknown error'}`;
    default:
      return `${plainWhere(s)} is ${s.verdict ?? 'unknown'}${s.rootCause ? ` — root cause ${s.rootCause}: ${s.headline ?? ''}` : `: ${s.headline ?? ''}`}`;
  }
}

function statsLine(s: TargetSummary): string {
  if (s.stage === 'ready') return 'findings follow in the thread…';
  if (s.stage !== 'posted') return '';
  const parts = [
    `${s.findings ?? 0} finding${s.findings === 1 ? '' : 's'}`,
    s.plans ? `${s.plans} fix${s.plans === 1 ? '' : 'es'} awaiting approval` : '',
    s.durationMs !== undefined ? `${s.durationMs} ms` : '',
    s.apiRequests !== undefined ? `${s.apiRequests} API requests` : '',
  ].filter(Boolean);
  return `${parts.join(' · ')} · details in the thread`;
}

function mentions(users: string[]): string {
  return (
    userRefs(users.slice(0, 5)).text + (users.length > 5 ? ` and ${users.length - 5} more` : '')
  );
}

function alertHead(a: AlertState): string {
  const name = fitEscaped(a.alertname, 150);
  if (a.status === 'resolved')
    return `:large_green_circle: *${name}* resolved${a.endsAt ? ` at ${clock(a.endsAt)}` : ''}`;
  return `:fire: *${name}* firing · ${a.firing} alert${a.firing === 1 ? '' : 's'}`;
}

/** A timestamp as mrkdwn: a UTC clock, or the value as escaped text when it is not a date. */
function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 2000) return fitEscaped(iso, 64);
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

export function renderParent(state: ThreadState): SlackMessage {
  const blocks: Block[] = [];
  const plain: string[] = [];
  if (state.alert) {
    const a = state.alert;
    blocks.push(section(alertHead(a) + (a.summary ? `\n${fitEscaped(a.summary, 1500)}` : '')));
    plain.push(
      `${a.alertname} ${a.status}${a.status === 'firing' ? ` (${a.firing} alert${a.firing === 1 ? '' : 's'})` : ''}`,
    );
  }
  const shown = state.targets.slice(0, 10);
  for (const t of shown) {
    blocks.push(section(targetLine(t)));
    const stats = statsLine(t);
    if (stats) blocks.push(context(escapeMrkdwn(stats)));
    plain.push(targetPlain(t));
  }
  if (state.targets.length > shown.length)
    blocks.push(context(`…and ${state.targets.length - shown.length} more targets in the thread`));
  if (state.alert && state.targets.length === 0 && state.alert.status === 'firing')
    blocks.push(section('No target to diagnose: the alerts name no service, ingress or workload.'));
  const foot: string[] = [];
  if (state.requestedBy.length) foot.push(`Requested by ${mentions(state.requestedBy)}`);
  if (state.alert) {
    const a = state.alert;
    if (a.startsAt) foot.push(`since ${clock(a.startsAt)}`);
    if (a.notifications > 1) foot.push(`notification #${a.notifications}`);
    if (a.undiagnosed?.length)
      foot.push(`not diagnosed: ${a.undiagnosed.map((t) => escapeMrkdwn(t)).join(', ')}`);
    foot.push(`group ${code(a.groupKey, 120)}`);
  }
  if (foot.length) blocks.push(context(foot.join(' · ')));
  return { text: fallback(plain.join(' — ') || 'kubemedic'), blocks };
}
