// A real Prometheus server for the incident-picture tests: built from source by
// test/cluster/build.sh (same version as promtool), started on a free port with a generated
// config and a temp data dir, scraping a tiny exporter of the tests' own every second. A
// recording proxy in front of it shows which queries the bot made and what they returned.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { repoRoot, waitFor } from './cluster.js';

const run = promisify(execFile);

function prometheusPath(): string {
  const script = `. '${join(repoRoot, 'test/cluster/versions.sh')}'; printf '%s' "$PROMETHEUS_BIN"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8' });
}

/** The server binary, built when missing (minutes, once per version; the cache is shared). */
export async function ensurePrometheus(): Promise<string> {
  const bin = prometheusPath();
  if (!existsSync(bin))
    await run('bash', [join(repoRoot, 'test/cluster/build.sh'), 'prometheus'], {
      maxBuffer: 256 * 1024 * 1024,
    });
  if (!existsSync(bin)) throw new Error(`prometheus was not built at ${bin}`);
  return bin;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise((r) => s.close(r));
  return port;
}

/** Serves one gauge in the text exposition format; its value is whatever `value()` says now. */
export async function startExporter(
  name: string,
  labels: Record<string, string>,
  value: () => number,
): Promise<{ target: string; scrapes: () => number; close: () => Promise<void> }> {
  let scrapes = 0;
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(
      `# HELP ${name} A gauge of the tests.\n# TYPE ${name} gauge\n${name}{${inner}} ${value()}\n`,
    );
  });
  const port = await listen(server);
  return {
    target: `127.0.0.1:${port}`,
    scrapes: () => scrapes,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface RecordedQuery {
  path: string;
  params: URLSearchParams;
  status: number;
  body: string;
}

export interface RunningPrometheus {
  /** The server itself. */
  url: string;
  /** The recording proxy in front of it: what the bot is given as PROMETHEUS_URL. */
  proxyUrl: string;
  queries: RecordedQuery[];
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `target` every second, and waits for `samples` samples of `metric`. */
export async function startPrometheus(
  target: string,
  metric: string,
  samples = 3,
): Promise<RunningPrometheus> {
  const bin = await ensurePrometheus();
  const dir = await mkdtemp(join(tmpdir(), 'kubemedic-prom-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: kubemedic-test',
      `    static_configs: [{targets: ['${target}']}]`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let exited = false;
  child.on('exit', () => (exited = true));

  const queries: RecordedQuery[] = [];
  const proxy = createServer((req, res) => {
    const u = new URL(req.url ?? '/', url);
    const upstream = request(
      `${url}${u.pathname}${u.search}`,
      { method: req.method, headers: req.headers },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.concat(chunks);
          // Recorded as text: Prometheus gzips for clients that accept it (fetch does).
          const text = (
            up.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body
          ).toString('utf8');
          queries.push({
            path: u.pathname,
            params: u.searchParams,
            status: up.statusCode ?? 0,
            body: text,
          });
          res.writeHead(up.statusCode ?? 502, up.headers).end(body);
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const proxyPort = await listen(proxy);
  const stop = async () => {
    proxy.close();
    if (!exited) {
      child.kill('SIGTERM');
      await waitFor('prometheus to stop', async () => exited, 10_000).catch(() =>
        child.kill('SIGKILL'),
      );
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'prometheus to have scraped a few samples',
      async () => {
        if (exited) throw new Error(`prometheus exited: ${stderr}`);
        const res = await fetch(
          `${url}/api/v1/query?query=${encodeURIComponent(`count_over_time(${metric}[1m])`)}`,
        ).catch(() => undefined);
        const body = (await res?.json().catch(() => undefined)) as
          { data?: { result?: { value: [number, string] }[] } } | undefined;
        return Number(body?.data?.result?.[0]?.value[1] ?? 0) >= samples;
      },
      60_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, proxyUrl: `http://127.0.0.1:${proxyPort}`, queries, stop };
}
