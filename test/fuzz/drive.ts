// Sends generated requests to a running kubemedic and records what came back: the status of
// each, its time, and every answer the bot must never give (a 5xx other than the documented
// 503s, no answer, an answer slower than the hang bound).
import { Agent, request } from 'node:http';
import { summary } from '../bench/stats.js';
import { type FuzzRequest, type FuzzSecrets, generate, prng } from './requests.js';

/** A hang detector, not a benchmark: no request may take longer than this. */
export const HANG_MS = 5000;

export interface FuzzOptions extends FuzzSecrets {
  url: string;
  count: number;
  seed: number;
  concurrency?: number;
  /** Slower than this is a failure (default HANG_MS). */
  slowMs?: number;
  /** Called between requests; a string (why) stops the run, e.g. when the process exited. */
  dead?: () => string | undefined;
}

export interface FuzzFailure {
  index: number;
  kind: string;
  status?: number;
  ms: number;
  problem: string;
  body?: string;
}

export interface FuzzResult {
  requests: number;
  /** Requests answered (a refused huge upload may be reset instead). */
  answered: number;
  statuses: Record<string, number>;
  latencyMs: ReturnType<typeof summary>;
  failures: FuzzFailure[];
  died?: string;
}

/**
 * The 503s kubemedic documents: /readyz when a dependency is down (here the Kubernetes API,
 * which the fuzzed bot is not given), and the Alertmanager webhook when Redis cannot take work.
 */
function allowed(req: FuzzRequest, status: number, body: string): boolean {
  if (status < 500) return true;
  if (status !== 503) return false;
  const path = req.path.split('?')[0];
  // HEAD carries no body to say why; GET of the same path does.
  if (path === '/readyz') return req.method === 'HEAD' || body.includes('not ready');
  return path === '/alertmanager' && body.includes('Redis unavailable');
}

function send(
  agent: Agent,
  url: string,
  req: FuzzRequest,
): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const r = request(
      `${url}${req.path}`,
      {
        method: req.method,
        agent,
        headers: req.body ? { ...req.headers, 'content-length': req.body.length } : req.headers,
        timeout: HANG_MS * 2,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8').slice(0, 500),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer within ${HANG_MS * 2} ms`)));
    r.on('error', reject);
    r.end(req.body);
  });
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const rng = prng(opts.seed);
  const concurrency = opts.concurrency ?? 12;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const fresh = new Agent({ keepAlive: false });
  const statuses: Record<string, number> = {};
  const times: number[] = [];
  const failures: FuzzFailure[] = [];
  // Generated up front, in order, so the sequence depends on the seed only.
  const requests = Array.from({ length: opts.count }, () => generate(rng, opts));
  let nextIndex = 0;
  let died: string | undefined;

  const worker = async () => {
    while (nextIndex < requests.length && !died) {
      const index = nextIndex++;
      const req = requests[index] as FuzzRequest;
      try {
        let res;
        try {
          res = await send(agent, opts.url, req);
        } catch (err) {
          // A reset connection is retried once on a fresh one and counted; a server that died
          // or keeps resetting is a failure. (A refused upload that is still being sent, 413,
          // is reset by design: that one is not retried.)
          const message = (err as Error).message;
          if (!/ECONNRESET|EPIPE|socket hang up/.test(message) || opts.dead?.()) throw err;
          statuses.reset = (statuses.reset ?? 0) + 1;
          if ((req.body?.length ?? 0) > 1024 * 1024) continue;
          res = await send(fresh, opts.url, req);
        }
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        times.push(res.ms);
        if (!allowed(req, res.status, res.body))
          failures.push({
            index,
            kind: req.kind,
            status: res.status,
            ms: res.ms,
            problem: 'status',
            body: res.body,
          });
        else if (res.ms > (opts.slowMs ?? HANG_MS))
          failures.push({ index, kind: req.kind, status: res.status, ms: res.ms, problem: 'slow' });
      } catch (err) {
        statuses.error = (statuses.error ?? 0) + 1;
        failures.push({ index, kind: req.kind, ms: 0, problem: (err as Error).message });
      }
      died = opts.dead?.();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  fresh.destroy();
  return {
    requests: requests.length,
    answered: times.length,
    statuses,
    latencyMs: summary(times),
    failures,
    died,
  };
}
