// The assertions every scenario makes about a report, whether it came from a dump or live.
import { expect } from 'vitest';
import type { Report } from '../../../src/diagnosis/types.js';
import type { Expected } from './schema.js';

/** One line per finding, so a failed expectation shows what the diagnosis did say. */
export function summarise(r: Report): string {
  return [
    `verdict ${r.verdict}, root cause ${r.rootCause}`,
    ...r.findings.map(
      (f) =>
        `  ${f.severity} ${f.check}: ${f.title} [${f.remediations.map((p) => p.id).join(', ')}]`,
    ),
    ...r.skipped.map((s) => `  skipped ${s.check}: ${s.reason}`),
  ].join('\n');
}

export function expectReport(r: Report, e: Expected): void {
  const seen = summarise(r);
  // A check that threw is a bug: production reports it as skipped, a scenario fails on it.
  expect(
    r.skipped.filter((s) => s.reason.startsWith('check failed')),
    `no check may throw\n${seen}`,
  ).toEqual([]);
  expect(r.verdict, seen).toBe(e.verdict);
  expect(r.rootCause, seen).toBe(e.rootCause);
  const checks = r.findings.map((f) => f.check);
  for (const id of e.findings) expect(checks, `${id} expected\n${seen}`).toContain(id);
  for (const id of e.absent) expect(checks, `${id} must not appear\n${seen}`).not.toContain(id);
  if (e.verdict === 'healthy' || e.verdict === 'degraded')
    expect(
      r.findings.filter((f) => f.severity === 'critical').map((f) => f.check),
      `no critical finding expected\n${seen}`,
    ).toEqual([]);
  const root = r.findings.find((f) => f.check === r.rootCause);
  if (e.rootCause) expect(root, seen).toBeDefined();
  if (root) {
    // The root cause is the first finding of the ranked list: what a person reads first.
    expect(r.findings[0]?.check, seen).toBe(root.check);
    const words = `${root.title}\n${root.detail}`;
    for (const w of e.detailIncludes) expect(words, `root cause should say "${w}"`).toContain(w);
    expect(root.evidence.length, 'the root cause carries evidence').toBeGreaterThan(0);
  }
  if (e.remediation) {
    const plan = root?.remediations.find((p) => p.id === e.remediation);
    expect(plan, `${e.remediation} on the root cause\n${seen}`).toBeDefined();
    expect(plan?.kubectl).toMatch(/^kubectl /);
    expect(plan?.object.name).toBeTruthy();
  }
}

/** The CLI's exit code for a report, as SPEC section 4 defines it. */
export function expectedExitCode(e: Expected): number {
  return e.verdict === 'unhealthy' ? 1 : 0;
}
