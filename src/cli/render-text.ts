import type { Finding, Report } from '../diagnosis/types.js';
import { describeTarget } from '../diagnosis/target.js';
import { LONG_COMMAND_CHARS, planDiff } from '../remediation/diff.js';

const ICON: Record<Report['verdict'], string> = {
  healthy: '✔',
  degraded: '▲',
  unhealthy: '✖',
  unknown: '?',
};

export interface TextStyle {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
}

const ansi = (code: number) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
export const COLOR: TextStyle = {
  bold: ansi(1),
  dim: ansi(2),
  red: ansi(31),
  yellow: ansi(33),
  green: ansi(32),
};
export const PLAIN: TextStyle = {
  bold: (s) => s,
  dim: (s) => s,
  red: (s) => s,
  yellow: (s) => s,
  green: (s) => s,
};

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

export interface TextOptions {
  /** Print every fix's kubectl command in full, however long (`--full-commands`). */
  fullCommands?: boolean;
}

/** A report as a person reads it at 3 a.m.: verdict and root cause first, then layer by layer. */
export function renderText(r: Report, style: TextStyle = PLAIN, opts: TextOptions = {}): string {
  const verdictColor =
    r.verdict === 'healthy' ? style.green : r.verdict === 'degraded' ? style.yellow : style.red;
  const lines: string[] = [];
  lines.push(
    verdictColor(style.bold(`${ICON[r.verdict]} ${r.verdict.toUpperCase()}`)) +
      `  ${describeTarget(r.target)} (${r.target.kind}) in namespace ${r.target.namespace}, cluster ${r.target.cluster}`,
  );
  const root = r.findings.find((f) => f.check === r.rootCause);
  lines.push(root ? `${style.bold('Root cause:')} ${root.check} — ${root.title}` : r.summary);
  const layers = [...new Set(r.findings.map((f) => f.layer))];
  for (const layer of layers) {
    lines.push('', style.bold(`[${layer}]`));
    for (const f of r.findings.filter((x) => x.layer === layer))
      lines.push(renderFinding(f, style, opts));
  }
  if (r.skipped.length) {
    lines.push('', style.bold('Skipped checks:'));
    for (const s of r.skipped) lines.push(`  - ${s.check}: ${s.reason}`);
  }
  if (r.notRead?.length) {
    lines.push('', style.bold('Not read (invalid names):'));
    for (const n of r.notRead) lines.push(`  - ${n}`);
  }
  if (r.timeline.length) {
    lines.push('', style.bold('Timeline:'));
    for (const t of r.timeline.slice(-15))
      lines.push(`  ${t.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${t.what}`);
  }
  lines.push(
    '',
    style.dim(
      `${r.findings.length} finding(s); took ${r.durationMs} ms and ${r.apiRequests} API request(s) in ${r.apiRounds} round(s).`,
    ),
  );
  return lines.join('\n');
}

function renderFinding(f: Finding, style: TextStyle, opts: TextOptions): string {
  const sev =
    f.severity === 'critical'
      ? style.red('CRITICAL')
      : f.severity === 'warning'
        ? style.yellow('WARNING')
        : style.dim('INFO');
  const out = [`  ${sev} ${style.bold(f.check)}: ${f.title}`, indent(f.detail, '    ')];
  for (const e of f.evidence) {
    out.push(style.dim(`    $ ${e.command}`));
    if (e.output)
      out.push(
        style.dim(
          indent(
            e.output.length > 1200 ? `${e.output.slice(0, 1200)}\n… (truncated)` : e.output,
            '      ',
          ),
        ),
      );
  }
  for (const p of f.remediations) {
    out.push(`    ${style.green('Fix')} ${p.id} (risk ${p.risk}): ${p.title}`);
    // A command that embeds a whole container spec is shown as the fields it changes.
    if (opts.fullCommands || p.kubectl.length <= LONG_COMMAND_CHARS)
      out.push(style.dim(indent(`$ ${p.kubectl}`, '      ')));
    else
      out.push(
        indent(planDiff(p), '      '),
        style.dim(
          `      (the kubectl command is ${p.kubectl.length} characters: --full-commands prints it, -o json carries it)`,
        ),
      );
  }
  return out.join('\n');
}
