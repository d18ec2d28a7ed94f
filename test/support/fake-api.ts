// A stand-in Kubernetes API on loopback for gatherer tests that count and inspect requests:
// it answers GETs from a table of paths (404 Status otherwise) and records every URL asked for.
import { type Server, createServer } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';
import { KubeApi } from '../../src/cluster/client.js';

export interface FakeApi {
  readonly api: KubeApi;
  /** Every request URL (path and query) since the last `reset`. */
  readonly requested: string[];
  /**
   * Serves `answers` from now on and forgets the requests so far; a path that starts with a key
   * of `delaysMs` is answered that many milliseconds late (a slow list on a busy API server).
   */
  reset(answers: Record<string, unknown>, delaysMs?: Record<string, number>): void;
}

/** Starts the fake before the suite's tests and stops it after; `answers` may be set later. */
export function useFakeApi(answers: Record<string, unknown> = {}): FakeApi {
  let server: Server | undefined;
  let api: KubeApi | undefined;
  let table = answers;
  let delays: [string, number][] = [];
  const requested: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      const path = (req.url ?? '').split('?')[0] ?? '';
      const body = table[path];
      const delay = delays.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 0;
      setTimeout(() => {
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(body ?? { kind: 'Status', reason: 'NotFound', message: 'not found' }),
        );
      }, delay);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      // Plain HTTP on loopback: the client allows it only with skipTLSVerify.
      clusters: [
        { name: 'local', server: `http://127.0.0.1:${address.port}`, skipTLSVerify: true },
      ],
      users: [{ name: 'nobody' }],
      contexts: [{ name: 'local', cluster: 'local', user: 'nobody' }],
      currentContext: 'local',
    });
    api = new KubeApi(kc);
  });
  afterAll(async () => {
    api?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  return {
    get api() {
      if (!api) throw new Error('the fake API server did not start');
      return api;
    },
    requested,
    reset(next, delaysMs = {}) {
      table = next;
      delays = Object.entries(delaysMs);
      requested.length = 0;
    },
  };
}
