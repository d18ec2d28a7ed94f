// `kubemedic checks` reads the registries: every check in root-cause order with the fixes it may
// offer, every fix with whether it can be undone. In-process through runCli, as a user calls it.
import { describe, expect, it } from 'vitest';
import { REMEDIATION_IDS } from '../../src/diagnosis/fixes/registry.js';
import { CHECK_IDS } from '../../src/diagnosis/registry.js';
import { cli } from '../support/cli.js';

interface Catalogue {
  checks: { id: string; layer: string; meaning: string; explains: string[]; fixes: string[] }[];
  fixes: { id: string; meaning: string; undoable: boolean; kinds: string[]; offeredBy: string[] }[];
}

describe('kubemedic checks', () => {
  it('prints every check, deepest cause first, with its layer, meaning and fixes', async () => {
    const { code, out } = await cli(['checks']);
    expect(code).toBe(0);
    const lines = out.split('\n');
    const order = CHECK_IDS.map((id) => lines.findIndex((l) => l.startsWith(`  ${id} `)));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const selector = lines.findIndex((l) => l.startsWith('  service.selector-mismatch '));
    expect(lines[selector]).toMatch(/\[service\]\s+the Service's selector matches no pod/);
    expect(lines[selector + 1]?.trim()).toBe('fixes: patch-service-selector');
    // A check that offers no fix has no fixes line.
    const notFound = lines.findIndex((l) => l.startsWith('  service.not-found '));
    expect(lines[notFound + 1]).not.toMatch(/fixes:/);
    for (const id of REMEDIATION_IDS) expect(out).toMatch(new RegExp(`^  ${id} `, 'm'));
    expect(out).toMatch(
      /^ {2}rollout-restart .*\[cannot be undone; changes Deployment, StatefulSet, DaemonSet\]$/m,
    );
  });

  it('prints the same catalogue as JSON with -o json', async () => {
    const { code, out } = await cli(['checks', '-o', 'json']);
    expect(code).toBe(0);
    const c = JSON.parse(out) as Catalogue;
    expect(c.checks.map((x) => x.id)).toEqual(CHECK_IDS);
    expect(c.fixes.map((x) => x.id)).toEqual(REMEDIATION_IDS);
    expect(c.checks.find((x) => x.id === 'pod.resource-starvation')?.fixes).toEqual([
      'scale-workload',
      'patch-resources',
    ]);
    expect(c.checks.find((x) => x.id === 'service.selector-mismatch')?.explains).toContain(
      'service.no-endpoints',
    );
    // Each fix listed under a check names that check among those offering it, and back.
    for (const check of c.checks)
      for (const f of check.fixes)
        expect(c.fixes.find((x) => x.id === f)?.offeredBy, `${check.id} ${f}`).toContain(check.id);
    expect(c.fixes.find((x) => x.id === 'allow-netpol-port')).toMatchObject({
      undoable: true,
      kinds: ['NetworkPolicy'],
    });
  });

  it('explains itself with --help, and refuses a bad option with the usage', async () => {
    const help = await cli(['checks', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage:\n {2}kubemedic checks \[--output text\|json\]/);
    const bad = await cli(['checks', '-o', 'yaml']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--output must be text or json, not "yaml"[\s\S]*kubemedic checks/);
    const unknown = await cli(['checks', '--verbose']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /^kubemedic: unknown option --verbose\n\nUsage:\n {2}kubemedic checks/,
    );
    expect((await cli(['--help'])).out).toMatch(/kubemedic checks \[--output text\|json\]/);
  });
});
