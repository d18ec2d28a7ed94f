// The thread's parent message: what was asked (a /diagnose or an alert group), the verdict and
// the root cause in one line per target. Rendered from ThreadState only.
import { describeTarget } from '../../diagnosis/target.js';
import type { types } from '@slack/bolt';
import {
  type AlertState,
  type FixState,
  type TargetSummary,
  type ThreadState,
  incidentTimes,
} from '../thread-state.js';
import {
  type Block,
  type SlackMessage,
  button,
  clock,
  code,
  context,
  duration,
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
    s.plans ? `${s.plans} fix${s.plans === 1 ? '' : 'es'} offered` : '',
    s.durationMs !== undefined ? duration(s.durationMs) : '',
    s.apiRequests !== undefined ? `${s.apiRequests} API requests` : '',
  ].filter(Boolean);
  return `${parts.join(' · ')} · details in the thread`;
}

function mentions(users: string[]): string {
  return (
    userRefs(users.slice(0, 5)).text + (users.length > 5 ? ` and ${users.length - 5} more` : '')
  );
}

/** The buttons of an alert thread's parent (links are opened by Slack; these only ack). */
export const PARENT_ACTION_IDS = {
  rediagnose: 'kubemedic_rediagnose',
  link: 'kubemedic_link',
} as const;

function alertHead(a: AlertState): string {
  const name = fitEscaped(a.alertname, 150);
  const severity = a.severity ? ` · severity *${fitEscaped(a.severity, 40)}*` : '';
  if (a.status === 'resolved')
    return `:large_green_circle: *${name}* resolved${a.endsAt ? ` at ${clock(a.endsAt)}` : ''}${severity}`;
  return `:fire: *${name}* firing · ${a.firing} alert${a.firing === 1 ? '' : 's'}${severity}`;
}

/** Fixes offered in the thread that nobody has acted on yet. */
function awaitingApproval(state: ThreadState): number {
  const offered = state.targets.reduce(
    (n, t) => n + (t.stage === 'posted' ? (t.plans ?? 0) : 0),
    0,
  );
  return Math.max(0, offered - (state.fixes?.length ?? 0));
}

/** Where the incident stands, in one mrkdwn line: the first thing a person reads. */
export function statusLine(state: ThreadState): string {
  const fixes = state.fixes ?? [];
  const latest = [...fixes].sort((a, b) => a.at.localeCompare(b.at)).at(-1);
  const fixed = fixes.filter((f) => f.stage === 'verified').at(-1);
  const byAt = (f: FixState) => `by ${mentions(f.by)} at ${clock(f.at)}`;
  if (state.alert?.status === 'resolved') {
    const how = fixed ? ` · fixed and verified ${byAt(fixed)}` : '';
    return `:large_green_circle: *Resolved*${state.alert.endsAt ? ` at ${clock(state.alert.endsAt)}` : ''}${how}`;
  }
  const waiting = awaitingApproval(state);
  const more = waiting
    ? ` · ${waiting} more fix${waiting === 1 ? '' : 'es'} awaiting approval`
    : '';
  if (latest)
    switch (latest.stage) {
      case 'verified':
        return `:white_check_mark: *Fixed and verified* ${byAt(latest)}${more}`;
      case 'not-verified':
        return `:warning: *Fix applied, not verified* (approved ${byAt(latest)})${more}`;
      case 'approved':
      case 'applied':
        return `:gear: *Fix being applied* (approved ${byAt(latest)})`;
      case 'failed':
        return `:x: *Fix failed*: ${fitEscaped(latest.title, 300)}${more}`;
      case 'rejected':
        if (!waiting) return `:no_entry_sign: *Fix rejected* ${byAt(latest)}`;
        break;
      case 'undone':
        return `:leftwards_arrow_with_hook: *Fix undone* ${byAt(latest)}${more}`;
    }
  if (state.targets.some((t) => t.stage === 'diagnosing')) return ':mag: *Diagnosing*…';
  if (waiting)
    return `:hourglass_flowing_sand: *Root cause found · fix awaiting approval*${waiting > 1 ? ` (${waiting} fixes)` : ''}`;
  if (state.targets.some((t) => t.rootCause)) return ':dart: *Root cause found*';
  if (state.targets.some((t) => t.stage === 'ready' || t.stage === 'posted'))
    return state.alert ? ':grey_question: *Firing*, no fault found in the cluster' : '';
  if (state.alert) return ':fire: *Firing*';
  return '';
}

function timesLine(state: ThreadState): string {
  const t = incidentTimes(state);
  const parts = [
    t.toDiagnose !== undefined ? `time to diagnose ${duration(t.toDiagnose)}` : '',
    t.toFix !== undefined ? `time to fix ${duration(t.toFix)}` : '',
  ].filter(Boolean);
  return parts.join(' · ');
}

/** Link buttons (checked http(s) URLs, alerts/context.ts) and Diagnose again. */
function alertButtons(a: AlertState, conversation: string | undefined, canRediagnose: boolean) {
  const links: [string, string | undefined][] = [
    ['Runbook', a.links?.runbook],
    ['Dashboard', a.links?.dashboard],
    ['Prometheus graph', a.links?.graph],
    ['Silence', a.links?.silence],
  ];
  const buttons: types.Button[] = links.flatMap(([label, url]) =>
    url
      ? [
          {
            ...button(
              label,
              `${PARENT_ACTION_IDS.link}_${label.split(' ')[0]?.toLowerCase()}`,
              label,
            ),
            url,
          },
        ]
      : [],
  );
  if (conversation && canRediagnose)
    buttons.push(button('Diagnose again', PARENT_ACTION_IDS.rediagnose, conversation));
  return buttons;
}

/** The parent of a thread; `conversation` (its id) lets Diagnose again name it. */
export function renderParent(state: ThreadState, conversation?: string): SlackMessage {
  const blocks: Block[] = [];
  const plain: string[] = [];
  if (state.alert) {
    const a = state.alert;
    blocks.push(section(alertHead(a) + (a.summary ? `\n${fitEscaped(a.summary, 1500)}` : '')));
    plain.push(
      `${a.alertname} ${a.status}${a.status === 'firing' ? ` (${a.firing} alert${a.firing === 1 ? '' : 's'})` : ''}`,
    );
  }
  const status = statusLine(state);
  if (status) {
    const times = timesLine(state);
    blocks.push(section(`*Status:* ${status}${times ? `\n${times}` : ''}`));
    // The notification says where the incident stands too, as plain words.
    plain.unshift(
      status
        .replace(/:[a-z0-9_+-]+: /g, '')
        .replace(/\*/g, '')
        .replace(/<@([A-Z0-9]+)>/g, '@$1')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
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
  if (state.alert) {
    const buttons = alertButtons(state.alert, conversation, state.targets.length > 0);
    if (buttons.length)
      blocks.push({ type: 'actions', block_id: 'alert-context', elements: buttons });
  }
  const foot: string[] = [];
  if (state.requestedBy.length) foot.push(`Requested by ${mentions(state.requestedBy)}`);
  // One Slack app may serve many clusters: the parent says which one each thread is about.
  const clusters = [...new Set(state.targets.map((t) => t.target.cluster))];
  if (clusters.length)
    foot.push(
      `${clusters.length === 1 ? 'cluster' : 'clusters'} ${clusters.map((c) => code(c, 64)).join(', ')}`,
    );
  if (state.alert) {
    const a = state.alert;
    if (a.startsAt) foot.push(`since ${clock(a.startsAt)}`);
    if (a.notifications > 1) foot.push(`notification #${a.notifications}`);
    if (a.undiagnosed?.length)
      foot.push(`not diagnosed: ${a.undiagnosed.map((t) => escapeMrkdwn(t)).join(', ')}`);
  }
  if (foot.length) blocks.push(context(foot.join(' · ')));
  return { text: fallback(plain.join(' — ') || 'kubemedic'), blocks };
}
