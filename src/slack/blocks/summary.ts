// The incident summary posted into the thread when the alert resolves (seed 002's damage report):
// duration, time to first diagnosis and to fix, root cause, the fix and who approved it, the
// timeline. Rendered from IncidentSummary (slack/incident.ts); every outside value escaped.
import type { IncidentSummary } from '../incident.js';
import {
  type Block,
  type SlackMessage,
  clock,
  code,
  codeBlock,
  context,
  duration,
  fallback,
  fitEscaped,
  section,
  userRefs,
} from './text.js';

const FIX_WORDS: Record<IncidentSummary['fixes'][number]['stage'], string> = {
  approved: 'approved, being applied',
  applied: 'applied, being verified',
  verified: 'applied and verified',
  'not-verified': 'applied, not verified',
  failed: 'failed, nothing changed',
  rejected: 'rejected',
  undone: 'applied, then undone',
};

const TIMELINE_LINES = 25;

export function renderIncidentSummary(s: IncidentSummary, exportRef?: string): SlackMessage {
  const lines: string[] = [`:page_facing_up: *Incident summary: ${fitEscaped(s.title, 150)}*`];
  const span =
    s.duration !== undefined
      ? `*Duration* ${duration(s.duration)}${s.startedAt && s.resolvedAt ? ` (${clock(s.startedAt)} to ${clock(s.resolvedAt)})` : ''}`
      : s.startedAt
        ? `*Started* ${clock(s.startedAt)}`
        : '';
  if (span) lines.push(span + (s.severity ? ` · severity *${fitEscaped(s.severity, 40)}*` : ''));
  lines.push(
    `*Time to first diagnosis* ${s.toDiagnose !== undefined ? duration(s.toDiagnose) : 'none'} · *time to fix* ${s.toFix !== undefined ? duration(s.toFix) : 'no verified fix'} _(from the first notification)_`,
  );
  const causes = s.rootCauses
    .slice(0, 5)
    .map((r) =>
      r.check
        ? `*Root cause* ${fitEscaped(r.target, 200)}: ${code(r.check)} ${fitEscaped(r.headline, 400)}`
        : `*Diagnosed* ${fitEscaped(r.target, 200)}: ${fitEscaped(r.headline, 400)} (no root cause found)`,
    );
  lines.push(...(causes.length ? causes : ['*Root cause* none found']));
  const fixes = s.fixes
    .slice(0, 5)
    .map(
      (f) =>
        `*Fix* ${fitEscaped(f.title, 300)}: ${FIX_WORDS[f.stage]}, ${f.stage === 'rejected' || f.stage === 'undone' ? 'by' : 'approved by'} ${userRefs(f.by, ' and ').text} (${clock(f.at)})`,
    );
  lines.push(...(fixes.length ? fixes : ['*Fix* none applied through kubemedic']));
  const blocks: Block[] = [section(lines.join('\n'))];
  if (s.timeline.length) {
    const shown = s.timeline.slice(-TIMELINE_LINES);
    const body = shown.map((t) => `${clock(t.at)}  ${t.what}`).join('\n');
    blocks.push(
      section(
        `*Timeline*\n${codeBlock(undefined, body, 2800, 'kubemedic incident export has it all')}`,
      ),
    );
  }
  if (exportRef)
    blocks.push(
      context(
        `For the postmortem: ${code(`kubemedic incident export ${exportRef}`)} writes this as Markdown`,
      ),
    );
  return { text: fallback(`Incident summary: ${s.title}`), blocks };
}
