// What `kubemedic lint` prints: text for people, JSON (a list of reports, the report contract),
// SARIF 2.1.0 for code-scanning UIs, JUnit XML for CI dashboards.
import { STATIC_CHECKS } from '../diagnosis/registry.js';
import type { Severity } from '../diagnosis/types.js';
import { type TextStyle, PLAIN } from '../cli/render-text.js';
import {
  type LintFinding,
  type LintResult,
  type LocatedRef,
  failsOn,
  primarySource,
} from './lint.js';
import type { Source } from './read.js';

export const LINT_OUTPUTS = ['text', 'json', 'sarif', 'junit'] as const;
export type LintOutput = (typeof LINT_OUTPUTS)[number];

function where(s: Source): string {
  return `${s.file}:${s.line}`;
}

function refText(o: LocatedRef): string {
  const name = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
  return o.from === 'manifest' ? `${name} (${where(o.source)})` : `${name} (live in the cluster)`;
}

function counts(findings: LintFinding[]): string {
  const by = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const parts = (['critical', 'warning', 'info'] as const)
    .map((s) => [s, by(s)] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function renderLintText(r: LintResult, style: TextStyle = PLAIN): string {
  const lines: string[] = [];
  for (const f of r.findings) {
    const sev =
      f.severity === 'critical'
        ? style.red('CRITICAL')
        : f.severity === 'warning'
          ? style.yellow('WARNING')
          : style.dim('INFO');
    const at = primarySource(f);
    lines.push(`${at ? `${where(at)}: ` : ''}${sev} ${style.bold(f.check)}: ${f.title}`);
    lines.push(`    ${f.detail}`);
    for (const o of f.objects) lines.push(style.dim(`    - ${refText(o)}`));
  }
  for (const n of r.notes) lines.push(style.yellow(`note: ${n}`));
  const skipped = Object.entries(r.notJudged)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const read = `${r.objects} object(s) from ${r.files.length} input(s)${skipped ? `; kinds no check reads: ${skipped}` : ''}`;
  if (lines.length) lines.push('');
  lines.push(
    r.findings.length
      ? style.dim(`${r.findings.length} finding(s)${counts(r.findings)} in ${read}.`)
      : style.green(`✔ no problems found in ${read}.`),
  );
  return lines.join('\n');
}

export function renderLintJson(r: LintResult): string {
  return JSON.stringify(r.reports, null, 2);
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  warning: 'warning',
  info: 'note',
};

function sarifLocation(s: Source) {
  return {
    physicalLocation: {
      artifactLocation: { uri: s.file.split('\\').join('/') },
      region: { startLine: s.line },
    },
  };
}

/** SARIF 2.1.0: the static checks as rules, one result per finding at its object's line. */
export function renderLintSarif(r: LintResult, version: string): string {
  const rules = STATIC_CHECKS.map((c) => ({
    id: c.id,
    name: c.id,
    shortDescription: { text: c.meaning },
    properties: { layer: c.layer },
  }));
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const results = r.findings.map((f) => {
    const sources = f.objects.flatMap((o) => (o.from === 'manifest' ? [o.source] : []));
    const [primary, ...related] = sources;
    return {
      ruleId: f.check,
      ruleIndex: index.get(f.check) ?? -1,
      level: SARIF_LEVEL[f.severity],
      message: { text: `${f.title}. ${f.detail}` },
      locations: primary ? [sarifLocation(primary)] : [],
      ...(related.length
        ? { relatedLocations: related.map((s, i) => ({ id: i + 1, ...sarifLocation(s) })) }
        : {}),
    };
  });
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'kubemedic',
              version,
              rules,
            },
          },
          results,
        },
      ],
    },
    null,
    2,
  );
}

function xml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/**
 * JUnit XML: a testsuite per input file, a testcase per object read from it, and a failure per
 * finding at or above `--fail-on` that names the object; lower findings are the case's output.
 */
export function renderLintJunit(
  r: LintResult,
  objects: { kind: string; namespace?: string; name: string; source: Source }[],
  failOn: Severity,
): string {
  let failures = 0;
  const suites = r.files.map((file) => {
    const own = objects.filter((o) => o.source.file === file);
    let suiteFailures = 0;
    const cases = own.map((o) => {
      const mine = r.findings.filter((f) => {
        const at = primarySource(f);
        return at?.file === file && at.line === o.source.line;
      });
      const failing = mine.filter((f) => failsOn(f, failOn));
      suiteFailures += failing.length;
      const body = [
        ...failing.map(
          (f) =>
            `      <failure message="${xml(f.title)}" type="${xml(f.check)}">${xml(`${f.severity}: ${f.detail}\n${f.objects.map(refText).join('\n')}`)}</failure>`,
        ),
        ...(mine.length > failing.length
          ? [
              `      <system-out>${xml(
                mine
                  .filter((f) => !failing.includes(f))
                  .map((f) => `${f.severity} ${f.check}: ${f.title}`)
                  .join('\n'),
              )}</system-out>`,
            ]
          : []),
      ];
      const name = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} (line ${o.source.line})`;
      return body.length
        ? `    <testcase name="${xml(name)}" classname="${xml(file)}">\n${body.join('\n')}\n    </testcase>`
        : `    <testcase name="${xml(name)}" classname="${xml(file)}"/>`;
    });
    failures += suiteFailures;
    return `  <testsuite name="${xml(file)}" tests="${own.length}" failures="${suiteFailures}" errors="0">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const tests = objects.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kubemedic lint" tests="${tests}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>`;
}
