// The README's first alert `curl`, with a kubeconfig whose identity may read nothing (every read
// answered 403, as an API server with RBAC answers a user without a role): the console must say
// the diagnosis could not decide, with a question mark, never a green tick.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApp } from '../../src/app.js';
import {
  deletePrefix,
  postAlert,
  startTestApp,
  testConfig,
  uniquePrefix,
  zeroEndpointsAlert,
} from '../support/app.js';
import { waitFor } from '../support/cluster.js';

const prefix = uniquePrefix('console-unknown');
const printed: string[] = [];
let app: RunningApp;
let dir: string;
let api: Server;

beforeAll(async () => {
  api = createServer((req, res) => {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message: `forbidden: User "nobody" cannot get path "${(req.url ?? '').split('?')[0]}"`,
      }),
    );
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const address = api.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  dir = mkdtempSync(join(tmpdir(), 'kubemedic-unknown-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${address.port}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
    ].join('\n'),
  );
  app = await startTestApp(
    testConfig({
      prefix,
      mode: 'console',
      env: { KUBECONFIG: kubeconfig, KUBEMEDIC_KUBE_TIMEOUT_MS: '2000' },
    }),
    (text) => printed.push(text),
  );
});

afterAll(async () => {
  await app?.stop();
  await deletePrefix(prefix);
  await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an alert the bot cannot diagnose (the cluster refuses every read)', () => {
  it('is printed as undecided with a question mark, not with a green tick', async () => {
    expect((await postAlert(app.url, zeroEndpointsAlert('prod'))).status).toBe(200);
    const output = await waitFor(
      'the printed thread',
      async () => {
        const all = printed.join('');
        return /could not read enough of the cluster/.test(all) &&
          all.includes('· details in the thread')
          ? all
          : undefined;
      },
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}\nprinted:\n${printed.join('')}`);
    });
    const lines = output.split('\n').filter((l) => l.includes('could not read enough'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).not.toContain('✔');
    expect(output).not.toContain('✔');
    expect(output).toMatch(/\? api-service in prod: could not read enough of the cluster/);
    expect(output).toMatch(/\? UNKNOWN `api-service` in `prod`/);
  });
});
