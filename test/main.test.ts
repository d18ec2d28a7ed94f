// The process entry as `npm start` runs it: console mode with KUBECONFIG and a webhook token
// (Redis at its default URL), /healthz served, a clean exit on SIGTERM; an open webhook is refused
// unless allowed; a bad variable stops start-up with one line naming it.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, uniquePrefix } from './support/app.js';
import { kubeconfigPath, repoRoot, waitFor } from './support/cluster.js';

const prefix = uniquePrefix('main');
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await deletePrefix(prefix);
});

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    // Only what a shell always has, plus what the test names.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out, exited };
}

describe('main', () => {
  it('starts in console mode with KUBECONFIG and a webhook token, serves /healthz, and stops cleanly on SIGTERM', async () => {
    // PORT 0 and a prefix of its own keep the test off a developer's running bot.
    const { child, out, exited } = run({
      KUBECONFIG: kubeconfigPath,
      ALERTMANAGER_TOKEN: 'a-long-enough-token-here',
      PORT: '0',
      KUBEMEDIC_QUEUE_PREFIX: prefix,
    });
    const url = await waitFor(
      'the start-up log line',
      async () => /"url":"(http:\/\/[^"]+)","mode":"console"/.exec(out.stdout)?.[1],
      30_000,
    );
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.stdout).toContain('"msg":"stopped"');
    expect(out.stderr).toBe('');
  });

  it('refuses to start with an open webhook unless explicitly allowed', async () => {
    const refused = run({ KUBECONFIG: kubeconfigPath, PORT: '0' });
    expect(await refused.exited).toBe(2);
    expect(refused.out.stderr).toBe(
      'kubemedic: invalid configuration: ALERTMANAGER_TOKEN: the Alertmanager webhook would accept anyone; set ALERTMANAGER_TOKEN (or ALERTMANAGER_USERNAME and ALERTMANAGER_PASSWORD), or KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK=true for a local trial\n',
    );

    const allowed = run({
      KUBECONFIG: kubeconfigPath,
      PORT: '0',
      KUBEMEDIC_QUEUE_PREFIX: prefix,
      KUBEMEDIC_ALLOW_UNAUTHENTICATED_WEBHOOK: 'true',
    });
    const url = await waitFor(
      'the start-up log line',
      async () => /"url":"(http:\/\/[^"]+)","mode":"console"/.exec(allowed.out.stdout)?.[1],
      30_000,
    );
    // Open means open: an alert without credentials is taken (an empty one is a bad request,
    // not a 401).
    const res = await fetch(`${url}/alertmanager`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(400);
    allowed.child.kill('SIGTERM');
    expect(await allowed.exited).toBe(0);
  });

  it('stops start-up with one line naming a bad variable', async () => {
    const { out, exited } = run({ KUBECONFIG: kubeconfigPath, PORT: 'eighty' });
    expect(await exited).toBe(2);
    expect(out.stderr).toBe(
      'kubemedic: invalid configuration: PORT: must be a whole number from 0 to 65535\n',
    );
  });
});
