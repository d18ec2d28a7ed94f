// How the Kubernetes client reaches the API server: over TLS, one HTTP/2 connection carries
// every request when the server offers h2 (the API server does); a server that speaks only
// HTTP/1.1 gets kept-alive connections, reused from one batch of reads to the next. Failures
// (refused, silent, untrusted certificate) are ClusterUnreachableErrors on either transport, and
// a Status answer is a KubeApiError. Local TLS servers with a throwaway certificate stand in for
// the API server, counting the connections they accept.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterUnreachableError, KubeApi, KubeApiError } from '../../src/cluster/client.js';

let cert: string;
let key: string;
const servers: net.Server[] = [];

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'kubemedic-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
  rmSync(dir, { recursive: true });
});

afterAll(() => {
  for (const s of servers) s.close();
});

interface Seen {
  connections: number;
  requests: { method: string; path: string; authorization?: string; body: string }[];
}

/** Answers like the API server: a JSON object for /ok paths, a NotFound Status otherwise. */
function handler(seen: Seen) {
  return (
    req: IncomingMessage | http2.Http2ServerRequest,
    res: ServerResponse | http2.Http2ServerResponse,
  ) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      seen.requests.push({
        method: req.method ?? '',
        path,
        authorization: req.headers.authorization,
        body,
      });
      const ok = path.startsWith('/ok');
      res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          ok
            ? { path, echo: body }
            : { kind: 'Status', reason: 'NotFound', message: `${path} not found` },
        ),
      );
    });
  };
}

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function h2Server(seen: Seen, sessions: http2.ServerHttp2Session[] = []): Promise<number> {
  const server = http2.createSecureServer({ cert, key }, handler(seen));
  server.on('secureConnection', () => seen.connections++);
  server.on('session', (s) => sessions.push(s));
  return listen(server);
}

async function h1Server(seen: Seen): Promise<number> {
  const server = https.createServer({ cert, key, keepAliveTimeout: 30_000 }, handler(seen));
  server.on('secureConnection', () => seen.connections++);
  return listen(server);
}

function client(port: number, opts: { trust?: boolean; token?: string; timeoutMs?: number } = {}) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `https://127.0.0.1:${port}`,
        ...(opts.trust === false ? {} : { caData: Buffer.from(cert).toString('base64') }),
      },
    ],
    users: [{ name: 'u', ...(opts.token ? { token: opts.token } : {}) }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return new KubeApi(kc, { timeoutMs: opts.timeoutMs ?? 5000 });
}

const batch = (api: KubeApi, n: number) =>
  Promise.all(
    Array.from({ length: n }, (_, i) => api.get<{ path: string }>(`/ok/${i}`, { limit: i })),
  );

describe('the Kubernetes client transport', () => {
  it('carries a burst of reads on one HTTP/2 connection when the server offers h2', async () => {
    const seen: Seen = { connections: 0, requests: [] };
    const api = client(await h2Server(seen), { token: 'secret-token' });
    try {
      const first = await batch(api, 24);
      expect(first.map((r) => r.path)).toEqual(
        Array.from({ length: 24 }, (_, i) => `/ok/${i}?limit=${i}`),
      );
      await batch(api, 24);
      expect(seen.connections).toBe(1);
      expect(seen.requests).toHaveLength(48);
      expect(new Set(seen.requests.map((r) => r.authorization))).toEqual(
        new Set(['Bearer secret-token']),
      );
      const posted = await api.request<{ echo: string }>('POST', '/ok/post', {
        body: { kind: 'Thing' },
      });
      expect(JSON.parse(posted.echo)).toEqual({ kind: 'Thing' });
      expect(await api.getText('/ok/text')).toContain('"path":"/ok/text"');
      const missing = await api.get('/nope').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(KubeApiError);
      expect(missing).toMatchObject({ status: 404, reason: 'NotFound' });
      expect((missing as Error).message).toContain('/nope not found');
      expect(api.requestCount).toBe(51);
    } finally {
      api.close();
    }
  });

  it('opens a new connection after the server says GOAWAY (an API server restarting)', async () => {
    const seen: Seen = { connections: 0, requests: [] };
    const sessions: http2.ServerHttp2Session[] = [];
    const api = client(await h2Server(seen, sessions));
    try {
      await batch(api, 8);
      for (const s of sessions) s.goaway();
      await new Promise((r) => setTimeout(r, 50));
      const again = await batch(api, 8);
      expect(again).toHaveLength(8);
      expect(seen.connections).toBe(2);
    } finally {
      api.close();
    }
  });

  it('keeps HTTP/1.1 connections alive when the server speaks only HTTP/1.1', async () => {
    const seen: Seen = { connections: 0, requests: [] };
    const api = client(await h1Server(seen), { token: 'secret-token' });
    try {
      await batch(api, 24);
      const afterFirst = seen.connections;
      expect(afterFirst).toBeGreaterThan(0);
      expect(afterFirst).toBeLessThanOrEqual(16 + 1);
      await batch(api, 24);
      // The second batch reuses the first's connections.
      expect(seen.connections).toBe(afterFirst);
      expect(seen.requests).toHaveLength(48);
      expect(seen.requests.every((r) => r.authorization === 'Bearer secret-token')).toBe(true);
      await expect(api.get('/nope')).rejects.toMatchObject({ status: 404, reason: 'NotFound' });
    } finally {
      api.close();
    }
  });

  it('refuses a server whose certificate it does not trust', async () => {
    const seen: Seen = { connections: 0, requests: [] };
    const api = client(await h2Server(seen), { trust: false });
    try {
      const err = await api.get('/ok/x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterUnreachableError);
      expect((err as Error).message).toMatch(/SELF_SIGNED|self-signed|UNABLE_TO_VERIFY/i);
      expect(seen.requests).toHaveLength(0);
    } finally {
      api.close();
    }
  });

  it('says the API server cannot be reached when the port is closed', async () => {
    const probe = net.createServer();
    const port = await listen(probe);
    probe.close();
    const api = client(port);
    try {
      await expect(api.get('/ok/x')).rejects.toThrow(
        new ClusterUnreachableError(
          `cannot reach the API server at https://127.0.0.1:${port}: ECONNREFUSED`,
        ),
      );
    } finally {
      api.close();
    }
  });

  it('gives up on a server that accepts the connection and never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    const port = await listen(silent);
    const api = client(port, { timeoutMs: 300 });
    try {
      const reads = await Promise.allSettled([api.get('/ok/a'), api.get('/ok/b')]);
      for (const r of reads) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ClusterUnreachableError);
        expect(String((r as PromiseRejectedResult).reason)).toMatch(/did not answer within 0.3s/);
      }
    } finally {
      api.close();
      for (const s of sockets) s.destroy();
    }
  });
});
