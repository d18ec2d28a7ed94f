// The one way kubemedic talks to the Kubernetes API: a KubeConfig (kubeconfig file, context, or
// in-cluster service account) and raw JSON requests, so live reads have exactly the shape of
// `kubectl get -o json` dumps. Every request is counted.
import https from 'node:https';
import http, { STATUS_CODES } from 'node:http';
import tls from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterUnreachableError, KubeApiError } from './errors.js';
import { H2Connection } from './h2.js';

export { ClusterUnreachableError, KubeApiError } from './errors.js';

export interface KubeClientOptions {
  kubeconfig?: string;
  context?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export function loadKubeConfig(opts: KubeClientOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context) {
    if (!kc.getContexts().some((c) => c.name === opts.context))
      throw new ClusterUnreachableError(
        `no context "${opts.context}" in the kubeconfig (have: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster())
    throw new ClusterUnreachableError(
      'no Kubernetes cluster configured: set KUBECONFIG or run inside a cluster',
    );
  return kc;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Resolve with the body as text (a log), not parsed JSON. */
  text?: boolean;
}

export class KubeApi {
  private requests = 0;
  private readonly agent: https.Agent;
  readonly server: string;
  readonly timeoutMs: number;
  /** Credentials from a token source (cluster/token-request.ts) instead of the kubeconfig's user. */
  private readonly bearerToken?: () => Promise<string>;

  constructor(
    readonly kubeConfig: KubeConfig,
    opts: { timeoutMs?: number; bearerToken?: () => Promise<string> } = {},
  ) {
    this.server = kubeConfig.getCurrentCluster()?.server.replace(/\/$/, '') ?? '';
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.bearerToken = opts.bearerToken;
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
    this.proxied = Boolean(kubeConfig.getCurrentCluster()?.proxyUrl);
  }

  static fromOptions(opts: KubeClientOptions = {}): KubeApi {
    return new KubeApi(loadKubeConfig(opts), { timeoutMs: opts.timeoutMs });
  }

  get requestCount(): number {
    return this.requests;
  }

  /** The namespace of the current context, as kubectl defaults to it. */
  get defaultNamespace(): string {
    const ctx = this.kubeConfig.getContextObject(this.kubeConfig.getCurrentContext());
    return ctx?.namespace ?? 'default';
  }

  get contextName(): string {
    return this.kubeConfig.getCurrentContext() || 'in-cluster';
  }

  async get<T>(path: string, query?: RequestOptions['query']): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  async getText(path: string, query?: RequestOptions['query']): Promise<string> {
    // As kubectl asks: the API server refuses `text/plain` on pods/log (406 NotAcceptable, it
    // negotiates only its serializers), answers a log as it is and a failure as a JSON Status.
    return this.request<string>('GET', path, {
      query,
      accept: 'application/json, */*',
      text: true,
    });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    this.requests++;
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const reqOpts: https.RequestOptions = {
      method,
      headers: {
        Accept: opts.accept ?? 'application/json',
        ...(body
          ? {
              'Content-Type': opts.contentType ?? 'application/json',
              'Content-Length': Buffer.byteLength(body),
            }
          : {}),
      },
    };
    await this.kubeConfig.applyToHTTPSOptions(reqOpts);
    if (this.bearerToken)
      (reqOpts.headers as Record<string, string>).Authorization =
        `Bearer ${await this.bearerToken()}`;
    const h2 = !this.proxied && url.protocol === 'https:' ? this.h2For(reqOpts) : undefined;
    const session = await h2?.connect().catch((err: unknown) => {
      throw this.unreachable(err as Error);
    });
    if (h2 && session) {
      const headers = { ...(reqOpts.headers as Record<string, string | number>) };
      if (reqOpts.auth)
        headers.authorization = `Basic ${Buffer.from(reqOpts.auth).toString('base64')}`;
      const res = await h2
        .request(session, {
          method,
          path: url.pathname + url.search,
          headers,
          body,
          timeoutMs: this.timeoutMs,
          onTimeout: () => this.timedOut(),
        })
        .catch((err: unknown) => {
          throw this.unreachable(err as Error);
        });
      return this.answer<T>(res.status, '', res.text, path, opts);
    }
    const transport = url.protocol === 'http:' ? http : https;
    // applyToHTTPSOptions gives every request an agent of its own: a new connection (and TLS
    // handshake) each time. Ours keep connections alive; client-node's is kept for a proxy.
    if (!this.proxied)
      reqOpts.agent = url.protocol === 'https:' ? this.agentFor(reqOpts) : this.httpAgent;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, reqOpts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve(this.answer<T>(res.statusCode ?? 0, res.statusMessage, text, path, opts));
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(this.timedOut()));
      req.on('error', (err) => reject(this.unreachable(err)));
      if (body) req.write(body);
      req.end();
    });
  }

  /** A response as kubemedic takes it: the parsed body (or text), or a KubeApiError. */
  private answer<T>(
    status: number,
    statusMessage: string | undefined,
    text: string,
    path: string,
    opts: RequestOptions,
  ): T {
    if (status >= 200 && status < 300) {
      if (opts.text) return text as T;
      try {
        return (text ? JSON.parse(text) : {}) as T;
      } catch {
        throw new KubeApiError(status, 'BadResponse', `unparseable response from ${path}`, path);
      }
    }
    let reason = statusMessage || STATUS_CODES[status] || 'Error';
    let message = text.slice(0, 300);
    try {
      const st = JSON.parse(text) as { reason?: string; message?: string };
      reason = st.reason ?? reason;
      message = st.message ?? message;
    } catch {
      // not a Status object: keep the raw text
    }
    throw new KubeApiError(status, reason, message || `${status} ${reason}`, path);
  }

  private timedOut(): ClusterUnreachableError {
    return new ClusterUnreachableError(
      `the API server at ${this.server} did not answer within ${this.timeoutMs / 1000}s`,
    );
  }

  private unreachable(err: Error): Error {
    if (err instanceof ClusterUnreachableError) return err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return new ClusterUnreachableError(
      `cannot reach the API server at ${this.server}: ${code || err.message}`,
    );
  }

  /** The HTTP/2 connection for these TLS options (one per client: the options do not change). */
  private h2For(opts: https.RequestOptions): H2Connection {
    return (this.h2 ??= new H2Connection(
      new URL(this.server),
      {
        secureContext: tls.createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key }),
        ...(opts.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
        ...(opts.servername ? { servername: opts.servername } : {}),
      },
      { ms: this.timeoutMs, error: () => this.timedOut() },
    ));
  }

  private h2?: H2Connection;

  private agentFor(opts: https.RequestOptions): https.Agent {
    // Client certificates and custom CAs must travel with the agent for keep-alive to reuse them.
    // One secure context for all its connections: given only ca/cert/key, every new connection
    // would parse them again (some 2 ms each, a diagnosis opens a dozen connections at once).
    if (opts.ca || opts.cert || opts.key || opts.rejectUnauthorized === false) {
      return (this.tlsAgent ??= new https.Agent({
        keepAlive: true,
        maxSockets: 16,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: opts.rejectUnauthorized,
        secureContext: tls.createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key }),
      }));
    }
    return this.agent;
  }

  private tlsAgent?: https.Agent;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  /** The kubeconfig names a proxy: its agent (client-node's) carries every request. */
  private readonly proxied: boolean;

  close(): void {
    this.agent.destroy();
    this.tlsAgent?.destroy();
    this.httpAgent.destroy();
    this.h2?.close();
  }
}
