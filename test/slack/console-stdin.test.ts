// The console as a person uses it: `npm start` as its own process, commands typed on stdin.
// Without a kubeconfig it says so in one line and answers from the bundled dumps, showing what
// Approve would change; with one, `approve 1` patches the Service in the cluster.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, uniquePrefix } from '../support/app.js';
import { kubeconfigPath, kubectlJson, repoRoot, waitFor } from '../support/cluster.js';
import { createSeedNamespace } from '../support/seed.js';

const prefixes: string[] = [];
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const p of prefixes) await deletePrefix(p);
  for (const c of cleanups) await c();
});

async function startConsole(env: Record<string, string>) {
  const prefix = uniquePrefix('stdin');
  prefixes.push(prefix);
  // A HOME of its own: no ~/.kube/config unless the test names a kubeconfig.
  const home = await mkdtemp(join(tmpdir(), 'kubemedic-home-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      PORT: '0',
      KUBEMEDIC_QUEUE_PREFIX: prefix,
      KUBEMEDIC_SLACK_CHANNEL_INTERVAL_MS: '0',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const type = (line: string) => child.stdin?.write(`${line}\n`);
  const url = await waitFor(
    'the start-up log line',
    async () => /"url":"(http:\/\/[^"]+)","mode":"console"/.exec(out.stdout)?.[1],
    30_000,
  );
  const printed = (what: string, test: (s: string) => boolean) =>
    waitFor(what, async () => (test(out.stdout) ? out.stdout : undefined), 30_000);
  return { child, out, type, url, printed };
}

describe('the console on stdin', () => {
  it('without a kubeconfig: one line, the demo, and what Approve would change', async () => {
    const c = await startConsole({});
    expect(c.out.stderr).toBe(
      'kubemedic: no kubeconfig found (KUBECONFIG unset, ~/.kube/config absent): running the demo on bundled dumps\n',
    );
    const ready = await fetch(`${c.url}/readyz`);
    const body = JSON.stringify(await ready.json());
    expect(ready.status).toBe(200);
    expect(body).toContain('no kubeconfig');
    expect(body).not.toMatch(/TLS|skipTLSVerify/);

    c.type('/diagnose api-service');
    await c.printed('the card', (s) => s.includes('(type: approve 1 · reject 1)'));
    expect(c.out.stdout).toMatch(
      /Root cause `service\.selector-mismatch`: Service api-service selects no pods/,
    );
    c.type('approve 1');
    const after = await c.printed('the demo approval', (s) => s.includes('Expected effect'));
    expect(after).toContain('Demo: no cluster is touched and nothing was applied');
    expect(after).toContain("$ kubectl patch service api-service -n prod --type=json -p '[");
    expect(after).toContain('~ spec.selector: app=api-svc → app=api-service');

    // A fix too long to read is shown as its change; `show N` prints the whole command.
    c.type('/diagnose search-api');
    const cards = await c.printed('the search-api cards', (s) =>
      /\(type: approve \d+ · reject \d+ · show \d+\)/.test(s),
    );
    expect(cards).toContain('+ spec.template.spec.containers[0].startupProbe.periodSeconds: 10');
    const n = /\(type: approve (\d+) · reject \d+ · show \d+\)/.exec(cards)?.[1] ?? '';
    c.type(`show ${n}`);
    const shown = await c.printed('the full command', (s) => s.includes('only @UCONSOLE sees'));
    expect(shown).toMatch(
      /kubectl patch deployment search-api -n prod --type=json -p '\[\{"op":"test","path":"\/metadata\/uid"[^\n]*"registry\.example\/search-api:4\.2\.0"[^\n]*\/startupProbe","value":\{[^\n]*\}\]'```/,
    );

    // A typo is answered with the nearest names, not with an outage.
    c.type('/diagnose api-servic');
    const typo = await c.printed('the typo answer', (s) => s.includes('Nearest names'));
    expect(typo).toMatch(
      /Service api-servic does not exist in namespace prod\. Nearest names: api-service/,
    );
    c.child.kill('SIGTERM');
  });

  it('with a kubeconfig: /diagnose reads the cluster and approve 1 patches it', async () => {
    const ns = await createSeedNamespace('stdin');
    cleanups.push(ns.cleanup);
    // One person at a console asks and approves: the policy must say that is allowed.
    const policy = join(await mkdtemp(join(tmpdir(), 'kubemedic-policy-')), 'policy.yaml');
    await writeFile(
      policy,
      "rules:\n  - namespaces: ['*']\n    approvers: [UCONSOLE]\n    allowSelfApproval: true\n",
    );
    // With a cluster the open webhook must be asked for (a local trial).
    const c = await startConsole({
      KUBECONFIG: kubeconfigPath,
      KUBEMEDIC_POLICY: policy,
      KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'true',
    });
    expect(c.out.stderr).toBe('');
    c.type(`/diagnose api-service -n ${ns.name}`);
    await c.printed('the card', (s) => s.includes('(type: approve 1 · reject 1)'));
    c.type('approve 1');
    const selector = await waitFor(
      'the selector patched in the cluster',
      async () => {
        const svc = await kubectlJson<{ spec: { selector: Record<string, string> } }>([
          'get',
          'service',
          'api-service',
          '-n',
          ns.name,
        ]);
        return svc.spec.selector.app === 'api-service' ? svc.spec.selector : undefined;
      },
      60_000,
    );
    expect(selector).toEqual({ app: 'api-service' });
    await c.printed('the undo button', (s) => s.includes('(type: undo 1)'));
    c.child.kill('SIGTERM');
  });
});
