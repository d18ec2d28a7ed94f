// The one way kubemedic talks to the Kubernetes API: a KubeConfig (kubeconfig file, context, or
// in-cluster service account) and raw JSON requests, so live reads have exactly the shape of
// `kubectl get -o json` dumps. Every request is counted.
import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterUnreachableError, KubeApiError } from './errors.js';

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
    const transport = url.protocol === 'http:' ? http : https;
    if (url.protocol === 'https:') reqOpts.agent = reqOpts.agent ?? this.agentFor(reqOpts);
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, reqOpts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            if (opts.text) return resolve(text as T);
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch {
              reject(
                new KubeApiError(status, 'BadResponse', `unparseable response from ${path}`, path),
              );
            }
            return;
          }
          let reason = res.statusMessage ?? 'Error';
          let message = text.slice(0, 300);
          try {
            const st = JSON.parse(text) as { reason?: string; message?: string };
            reason = st.reason ?? reason;
            message = st.message ?? message;
          } catch {
            // not a Status object: keep the raw text
          }
          reject(new KubeApiError(status, reason, message || `${status} ${reason}`, path));
        });
      });
      req.setTimeout(this.timeoutMs, () =>
        req.destroy(
          new ClusterUnreachableError(
            `the API server at ${this.server} did not answer within ${this.timeoutMs / 1000}s`,
          ),
        ),
      );
      req.on('error', (err) => {
        if (err instanceof ClusterUnreachableError) return reject(err);
        const code = (err as NodeJS.ErrnoException).code ?? '';
        reject(
          new ClusterUnreachableError(
            `cannot reach the API server at ${this.server}: ${code || err.message}`,
          ),
        );
      });
      if (body) req.write(body);
      req.end();
    });
  }

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

  close(): void {
    this.agent.destroy();
    this.tlsAgent?.destroy();
  }
}
