// A report as thread replies: one message per layer with its findings and evidence (as code
// blocks), the remediation cards after the layer that raised them, then a notes message
// (timeline, skipped checks, how to reproduce). Every message stays within Slack's limits.
import { describeTarget } from '../../diagnosis/target.js';
import type { Finding, Layer, Report } from '../../diagnosis/types.js';
import type { RemediationPlan } from '../../diagnosis/fixes/types.js';
import { shellJoin } from '../../shell.js';
import { VERDICT_ICON } from './parent.js';
import {
  type Block,
  LIMITS,
  type SlackMessage,
  clock,
  code,
  duration,
  codeBlock,
  context,
  divider,
  escapeMrkdwn,
  fallback,
  fitEscaped,
  section,
} from './text.js';

export type ThreadItem =
  { kind: 'message'; message: SlackMessage } | { kind: 'card'; plan: RemediationPlan };

const SEVERITY_ICON: Record<Finding['severity'], string> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
};

const LAYER_TITLE: Record<Layer, string> = {
  pod: 'Pods',
  service: 'Service',
  'network-policy': 'Network policy',
  dns: 'DNS and kube-proxy',
  ingress: 'Ingress',
  workload: 'Workload and rollout',
  mesh: 'Service mesh',
  app: 'Application logs and dependencies',
  node: 'Nodes and storage',
  gateway: 'Gateway API',
};

/** Evidence items shown per finding; the rest are named in a note. */
const MAX_EVIDENCE = 4;
/** Fix cards per report: a thread of sixty cards helps nobody; the rest are named in the notes. */
export const MAX_CARDS = 10;

function reproduceCommand(report: Report): string {
  const t = report.target;
  return shellJoin(['kubemedic', 'diagnose', describeTarget(t), '-n', t.namespace]);
}

function findingBlocks(f: Finding, isRoot: boolean): Block[] {
  const root = isRoot ? ' · *root cause*' : '';
  const blocks: Block[] = [
    section(
      `${SEVERITY_ICON[f.severity]} *${fitEscaped(f.title, 600)}*\n${code(f.check)} · ${f.severity}${root}\n${fitEscaped(f.detail, 2000)}`,
    ),
  ];
  for (const e of f.evidence.slice(0, MAX_EVIDENCE))
    // A command shown without output (where to look next) gets no output block.
    blocks.push(
      section(e.output ? codeBlock(e.command, e.output) : codeBlock(undefined, `$ ${e.command}`)),
    );
  const notes: string[] = [];
  if (f.evidence.length > MAX_EVIDENCE)
    notes.push(`${f.evidence.length - MAX_EVIDENCE} more pieces of evidence not shown`);
  if (f.objects.length)
    notes.push(
      'Objects: ' +
        f.objects
          .slice(0, 8)
          .map((o) => escapeMrkdwn(`${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`))
          .join(', ') +
        (f.objects.length > 8 ? ` and ${f.objects.length - 8} more` : ''),
    );
  if (f.remediations.length)
    notes.push(`${f.remediations.length} fix${f.remediations.length === 1 ? '' : 'es'} below`);
  if (notes.length) blocks.push(context(notes.join(' · ')));
  return blocks;
}

/**
 * Packs finding groups into one message of at most 50 blocks; groups that do not fit are
 * counted in a closing note instead of being split across messages.
 */
function packLayer(
  layer: Layer,
  findings: Finding[],
  rootCause: string | null,
  more: string,
): SlackMessage {
  const critical = findings.filter((f) => f.severity === 'critical').length;
  const head = section(
    `*${LAYER_TITLE[layer]}* · ${findings.length} finding${findings.length === 1 ? '' : 's'}${critical ? ` (${critical} critical)` : ''}`,
  );
  const blocks: Block[] = [head];
  let shown = 0;
  for (const f of findings) {
    const group = [...(shown > 0 ? [divider()] : []), ...findingBlocks(f, f.check === rootCause)];
    // Keep one block free for the overflow note.
    if (blocks.length + group.length > LIMITS.blocksPerMessage - 1) break;
    blocks.push(...group);
    shown++;
  }
  if (shown < findings.length)
    blocks.push(
      context(
        `…${findings.length - shown} more finding${findings.length - shown === 1 ? '' : 's'} in this layer not shown: ${code(more)} --output json lists them all`,
      ),
    );
  const titles = findings.map((f) => `${f.check}: ${f.title}`).join('; ');
  return { text: fallback(`[${layer}] ${titles}`), blocks };
}

function planKey(p: RemediationPlan): string {
  return JSON.stringify([p.id, p.object, p.mutation]);
}

function notesMessage(report: Report, cardsLeftOut: number): SlackMessage {
  const blocks: Block[] = [];
  if (cardsLeftOut > 0)
    blocks.push(
      section(
        `:information_source: ${cardsLeftOut} more fix${cardsLeftOut === 1 ? ' is' : 'es are'} not offered here (${MAX_CARDS} per thread): ${code(reproduceCommand(report))} shows them all.`,
      ),
    );
  if (report.timeline.length) {
    const lines = report.timeline.slice(-10).map((t) => `${clock(t.at)}  ${t.what}`);
    blocks.push(section(`*Timeline*\n${codeBlockLines(lines)}`));
  }
  const skipped = skipsThatMatter(report);
  if (skipped.length) {
    const lines = skipped
      .slice(0, 10)
      .map((s) => `• ${code(s.check)}: ${fitEscaped(s.reason, 200)}`);
    if (skipped.length > 10) lines.push(`• …and ${skipped.length - 10} more`);
    blocks.push(section(`*Checks skipped*\n${lines.join('\n')}`));
  }
  if (report.notRead?.length) {
    const lines = report.notRead.slice(0, 5).map((n) => `• ${fitEscaped(n, 300)}`);
    blocks.push(section(`*Not read (invalid names)*\n${lines.join('\n')}`));
  }
  blocks.push(
    context(
      `${duration(report.durationMs)} · ${report.apiRequests} API requests in ${report.apiRounds} rounds · cluster ${code(report.target.cluster)} · reproduce: ${code(reproduceCommand(report))}`,
    ),
  );
  return { text: fallback(`Notes: ${report.summary}`), blocks };
}

/** A check skipped because what it looks at is not installed (no Istio, no metrics-server). */
const ABSENT = /is not served|not installed/;

/**
 * Skipped checks a reader should know about: a read that failed (forbidden, timed out, a check
 * that broke) always; one whose component is not installed only when nothing explains an
 * unhealthy service, since then it might have.
 */
export function skipsThatMatter(report: Report): Report['skipped'] {
  const unexplained = report.verdict !== 'healthy' && report.rootCause === null;
  return report.skipped.filter((s) => unexplained || !ABSENT.test(s.reason));
}

function codeBlockLines(lines: string[]): string {
  const body = fitEscaped(lines.join('\n').replace(/```/g, "'''"), 2800);
  return '```' + body + '```';
}

/** The thread's replies for a report, in posting order. */
export function renderReportThread(report: Report): ThreadItem[] {
  const items: ThreadItem[] = [];
  const more = reproduceCommand(report);
  if (report.findings.length === 0) {
    items.push({
      kind: 'message',
      message: {
        text: fallback(report.summary),
        blocks: [section(`${VERDICT_ICON[report.verdict]} ${fitEscaped(report.summary, 2500)}`)],
      },
    });
  }
  const layers = [...new Set(report.findings.map((f) => f.layer))];
  const seen = new Set<string>();
  let cards = 0;
  for (const layer of layers) {
    const findings = report.findings.filter((f) => f.layer === layer);
    items.push({ kind: 'message', message: packLayer(layer, findings, report.rootCause, more) });
    for (const plan of findings.flatMap((f) => f.remediations)) {
      const key = planKey(plan);
      if (seen.has(key)) continue;
      seen.add(key);
      if (++cards <= MAX_CARDS) items.push({ kind: 'card', plan });
    }
  }
  items.push({ kind: 'message', message: notesMessage(report, Math.max(0, cards - MAX_CARDS)) });
  return items;
}
