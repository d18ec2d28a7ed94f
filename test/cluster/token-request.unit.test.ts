// The fix identity's short-lived tokens: what is asked of the TokenRequest API, when a token is
// reused and when a new one is minted, and that the write client sends only that token.
import { type Server, createServer } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApi } from '../../src/cluster/client.js';
import { serviceAccountTokens, tokenClient } from '../../src/cluster/token-request.js';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

let server: Server;
const seen: Seen[] = [];
let minted = 0;
let base: KubeApi;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      res.writeHead(201, { 'content-type': 'application/json' });
      if (req.url?.endsWith('/token')) {
        minted += 1;
        res.end(
          JSON.stringify({
            kind: 'TokenRequest',
            status: {
              token: `minted-${minted}`,
              expirationTimestamp: new Date(
                Date.parse('2026-01-01T14:00:00Z') + 600_000,
              ).toISOString(),
            },
          }),
        );
      } else res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${address.port}`, skipTLSVerify: true }],
    users: [{ name: 'pod', token: 'pod-identity-token' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'pod' }],
    currentContext: 'c',
  });
  base = new KubeApi(kc);
});

afterAll(async () => {
  base?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('tokens of the remediation ServiceAccount', () => {
  it('are minted with the lifetime and pod binding asked for, reused while fresh, renewed late in life', async () => {
    seen.length = 0;
    minted = 0;
    let now = Date.parse('2026-01-01T14:00:00Z');
    const tokens = serviceAccountTokens(
      base,
      { namespace: 'ops', name: 'kubemedic-remediation' },
      { expirationSeconds: 600, boundPod: { name: 'kubemedic-7f9', uid: 'uid-1' }, now: () => now },
    );
    // Two writes at once share one mint.
    expect(await Promise.all([tokens(), tokens()])).toEqual(['minted-1', 'minted-1']);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/api/v1/namespaces/ops/serviceaccounts/kubemedic-remediation/token');
    // The pod's own identity asks for the token.
    expect(seen[0]?.authorization).toBe('Bearer pod-identity-token');
    expect(JSON.parse(seen[0]?.body ?? '{}')).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        expirationSeconds: 600,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'kubemedic-7f9', uid: 'uid-1' },
      },
    });
    now += 470_000; // under 80% of 600 s
    expect(await tokens()).toBe('minted-1');
    now += 10_000; // past it
    expect(await tokens()).toBe('minted-2');
    expect(seen).toHaveLength(2);
  });

  it('are the only credentials the write client sends', async () => {
    seen.length = 0;
    const writer = tokenClient(base, async () => 'fix-identity-token');
    await writer.request('PATCH', '/apis/apps/v1/namespaces/shop/deployments/web', {
      body: [{ op: 'test', path: '/spec/replicas', value: 1 }],
      contentType: 'application/json-patch+json',
    });
    writer.close();
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer fix-identity-token']);
  });
});
