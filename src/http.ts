// The one HTTP server: Slack's /slack/events (HTTP mode), the Alertmanager webhook, and the
// operational endpoints /healthz, /readyz, /metrics. On shutdown it stops accepting
// connections, answers 503 to requests on kept-alive ones, and lets in-flight requests finish.
import {
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
  createServer,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { log, reasonOf } from './log.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface HttpServer {
  listen(port: number, host: string): Promise<string>;
  /** Stops taking requests and waits (up to timeoutMs) for those in flight. */
  close(timeoutMs: number): Promise<void>;
}

/** The path of a request target: cut at `?` (origin form, the usual); a URL parsed otherwise. */
function pathOf(target: string): string {
  if (!target.startsWith('/')) return new URL(target, 'http://localhost').pathname;
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

export function createHttpServer(routes: Record<string, Handler | RequestListener>): HttpServer {
  let stopping = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer((req, res) => {
    const path = pathOf(req.url ?? '/');
    if (stopping && path !== '/healthz') {
      res
        .writeHead(503, { connection: 'close', 'content-type': 'text/plain' })
        .end('shutting down\n');
      req.resume();
      return;
    }
    const route = routes[path];
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      req.resume();
      return;
    }
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    Promise.resolve()
      .then(() => route(req, res))
      .catch((err: unknown) => {
        log.error({ path, err: reasonOf(err) }, 'request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
  });
  // Slack and Alertmanager keep connections open; do not let an idle one hold up shutdown.
  server.keepAliveTimeout = 5000;

  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const a = server.address() as AddressInfo;
          const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : a.address;
          resolve(`http://${shown.includes(':') ? `[${shown}]` : shown}:${a.port}`);
        });
      });
    },
    async close(timeoutMs) {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        const done = new Promise<void>((resolve) => (drained = resolve));
        const expired = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
        await Promise.race([done, expired]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** `p`, or an error naming `what` when it has not settled within `ms` (a probe must answer). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
