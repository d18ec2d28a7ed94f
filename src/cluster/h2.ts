// One HTTP/2 connection to the API server for all of a client's requests. A diagnosis starts some
// twenty reads at once; over HTTP/1.1 each needs its own connection and TLS handshake, which cost
// more than the reads themselves. The API server speaks HTTP/2 (ALPN h2); a server or a
// TLS-terminating front that does not gets `undefined` from connect(), and the caller keeps to
// HTTP/1.1. The connection keeps the process alive only while a request is in flight.
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';

export interface H2Response {
  status: number;
  text: string;
}

export interface H2Request {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string | number>;
  body?: string;
  timeoutMs: number;
  onTimeout: () => Error;
}

/** Closes a connection idle this long (the API server would, later, with a GOAWAY). */
const IDLE_MS = 30_000;

export class H2Connection {
  private session?: http2.ClientHttp2Session;
  private connecting?: Promise<http2.ClientHttp2Session | undefined>;
  /** The server did not agree to HTTP/2: every request goes over HTTP/1.1. */
  private refused = false;
  /** Requests in flight per session: a session holds the process open only while it has any. */
  private readonly inflight = new WeakMap<http2.ClientHttp2Session, number>();

  constructor(
    private readonly server: URL,
    private readonly tlsOptions: tls.ConnectionOptions,
    /** How long connecting may take before it fails as the request would. */
    private readonly connectTimeout: { ms: number; error: () => Error },
  ) {}

  /** The open session, or a new one; undefined when the server does not speak HTTP/2. */
  async connect(): Promise<http2.ClientHttp2Session | undefined> {
    if (this.refused) return undefined;
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    return (this.connecting ??= this.open().finally(() => (this.connecting = undefined)));
  }

  private open(): Promise<http2.ClientHttp2Session | undefined> {
    const host = this.server.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(this.server.port || 443);
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        ...this.tlsOptions,
        host,
        port,
        // SNI is for names; an address is checked against the certificate's IP SANs as it is.
        servername: this.tlsOptions.servername ?? (net.isIP(host) ? undefined : host),
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      socket.once('error', reject);
      socket.setTimeout(this.connectTimeout.ms, () => socket.destroy(this.connectTimeout.error()));
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        socket.setTimeout(0);
        if (socket.alpnProtocol !== 'h2') {
          this.refused = true;
          socket.destroy();
          return resolve(undefined);
        }
        const session = http2.connect(this.server.origin, { createConnection: () => socket });
        session.on('error', () => undefined);
        const drop = () => {
          if (this.session === session) this.session = undefined;
        };
        session.once('close', drop);
        session.once('goaway', drop);
        session.setTimeout(IDLE_MS, () => session.close());
        session.unref();
        this.session = session;
        resolve(session);
      });
    });
  }

  /** Sends one request on the session; rejects on a stream or connection failure. */
  request(session: http2.ClientHttp2Session, r: H2Request): Promise<H2Response> {
    return new Promise((resolve, reject) => {
      const headers: http2.OutgoingHttpHeaders = { ':method': r.method, ':path': r.path };
      for (const [k, v] of Object.entries(r.headers)) {
        const name = k.toLowerCase();
        // Connection-specific headers are not allowed in HTTP/2.
        if (name !== 'connection' && name !== 'host' && name !== 'content-length')
          headers[name] = v;
      }
      const before = this.inflight.get(session) ?? 0;
      this.inflight.set(session, before + 1);
      if (before === 0) session.ref();
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        const left = (this.inflight.get(session) ?? 1) - 1;
        this.inflight.set(session, left);
        if (left === 0 && !session.destroyed) session.unref();
      };
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(headers, { endStream: r.body === undefined });
      } catch (err) {
        finish();
        return reject(err as Error);
      }
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (status = Number(h[':status'] ?? 0)));
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('end', () => {
        finish();
        resolve({ status, text: Buffer.concat(chunks).toString('utf8') });
      });
      stream.once('error', (err) => {
        finish();
        reject(err);
      });
      stream.once('close', () => {
        if (done) return;
        finish();
        reject(
          Object.assign(new Error(`stream closed (code ${stream.rstCode})`), {
            code: 'ERR_HTTP2_STREAM_CLOSED',
          }),
        );
      });
      stream.setTimeout(r.timeoutMs, () => stream.destroy(r.onTimeout()));
      if (r.body !== undefined) stream.end(r.body);
    });
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
