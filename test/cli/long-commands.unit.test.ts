// `kubemedic diagnose` in a terminal: a fix whose kubectl command embeds a whole container spec is
// printed as the fields it changes, and `--full-commands` prints the command itself.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

const dump = join(import.meta.dirname, '..', 'scenarios', 'hpa-maxed', 'dump.json');

/** The lines under one fix, up to the next fix or finding. */
function fixBlock(out: string, id: string): string[] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => l.includes(`Fix ${id} `));
  expect(start, out).toBeGreaterThan(-1);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => !l.startsWith('      '));
  return rest.slice(0, end === -1 ? undefined : end).map((l) => l.slice(6));
}

describe('long fix commands in the terminal', () => {
  it('shows the fields add-startup-probe changes, and where the full command is', async () => {
    const { out, code } = await cli(['diagnose', 'search-api', '--from-file', dump]);
    expect(code).toBe(1);
    const lines = fixBlock(out, 'add-startup-probe');
    expect(lines[0]).toMatch(/^Deployment sc-hpa-maxed-\w+\/search-api$/);
    expect(lines.slice(1, -1)).toEqual([
      '+ spec.template.spec.containers[0].startupProbe.failureThreshold: 30',
      '+ spec.template.spec.containers[0].startupProbe.httpGet.path: "/ready"',
      '+ spec.template.spec.containers[0].startupProbe.httpGet.port: "http"',
      '+ spec.template.spec.containers[0].startupProbe.httpGet.scheme: "HTTP"',
      '+ spec.template.spec.containers[0].startupProbe.periodSeconds: 10',
    ]);
    expect(lines.at(-1)).toMatch(
      /^\(the kubectl command is \d+ characters: --full-commands prints it, -o json carries it\)$/,
    );
    expect(out).not.toContain('"op":"test","path":"/spec/template/spec/containers/0"');
    // A short command is still printed as it is.
    expect(fixBlock(out, 'scale-workload')[0]).toMatch(/^\$ kubectl patch hpa search-api /);
  });

  it('--full-commands prints the command the JSON report carries', async () => {
    const full = await cli(['diagnose', 'search-api', '--from-file', dump, '--full-commands']);
    const json = await cli(['diagnose', 'search-api', '--from-file', dump, '-o', 'json']);
    const report = JSON.parse(json.out) as {
      findings: { remediations: { id: string; kubectl: string }[] }[];
    };
    const command = report.findings
      .flatMap((f) => f.remediations)
      .find((p) => p.id === 'add-startup-probe')?.kubectl;
    expect(command?.length).toBeGreaterThan(300);
    expect(fixBlock(full.out, 'add-startup-probe')).toEqual([`$ ${command}`]);
  });
});
