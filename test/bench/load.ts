// A light load generator for the ack figures: the bench process shares the machine's two cores
// with the bot, so every microsecond it spends is one the bot may wait for. Requests are built
// and signed before the clock starts, and sent as prepared bytes over kept-alive raw sockets
// (no http.ClientRequest, no agent bookkeeping); a response is complete when its declared
// length (or the last chunk) has arrived. The bench's own CPU time is measured alongside.
import { connect, type Socket } from 'node:net';
import { SIGNING_SECRET } from '../support/app.js';
import { FORM_CONTENT_TYPE, signSlackRequest, slashCommandBody } from '../support/slack-signing.js';

/** A signed /diagnose command as the bytes of one HTTP request. */
export function signedCommand(host: string, text: string, user: string): Buffer {
  const body = slashCommandBody({
    command: '/diagnose',
    text,
    channel_id: 'C0BENCHCMD',
    user_id: user,
  });
  const sig = signSlackRequest(SIGNING_SECRET, body);
  return Buffer.from(
    `POST /slack/events HTTP/1.1\r\nhost: ${host}\r\ncontent-type: ${FORM_CONTENT_TYPE}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-slack-request-timestamp: ${sig['x-slack-request-timestamp']}\r\n` +
      `x-slack-signature: ${sig['x-slack-signature']}\r\n\r\n${body}`,
  );
}

const HEAD_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

/** Where the response in `buf` ends, or -1 while it is incomplete. */
function responseEnd(buf: Buffer): number {
  const head = buf.indexOf(HEAD_END);
  if (head < 0) return -1;
  const headers = buf.subarray(0, head).toString('latin1');
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers)?.[1];
  if (length !== undefined) {
    const end = head + 4 + Number(length);
    return buf.length >= end ? end : -1;
  }
  const last = buf.indexOf(LAST_CHUNK, head);
  return last < 0 ? -1 : last + LAST_CHUNK.length;
}

/**
 * One kept-alive connection, one request at a time. The bot closes a connection idle for 5 s
 * (as it does Slack's): the next request then opens a new one before it is timed.
 */
class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: (r: string) => void; reject: (e: Error) => void };
  private socket?: Socket;

  constructor(
    private readonly port: number,
    private readonly host: string,
  ) {}

  /** Opens the connection unless it is open. */
  open(): Promise<void> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const s = connect(this.port, this.host, () => {
        s.off('error', reject);
        resolve();
      });
      s.once('error', reject);
      s.setNoDelay(true);
      this.buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
        const end = responseEnd(this.buf);
        if (end < 0) return;
        const response = this.buf.subarray(0, end).toString('utf8');
        this.buf = this.buf.subarray(end);
        const w = this.waiting;
        this.waiting = undefined;
        w?.resolve(response);
      });
      s.on('error', (err) => this.waiting?.reject(err));
      s.on('close', () => this.waiting?.reject(new Error('the bot closed the connection')));
      this.socket = s;
    });
  }

  send(request: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket?.write(request);
    });
  }

  close(): void {
    this.socket?.destroy();
  }
}

export interface Burst {
  /** Each command's ack latency, ms: from the burst's start to its complete response. */
  acksMs: number[];
  /** CPU time of this (the generating) process during the burst, ms. */
  clientCpuMs: number;
}

/** N connections to the bot, kept open across bursts (as Slack's would be). */
export class CommandLoad {
  private constructor(
    private readonly conns: Connection[],
    private readonly host: string,
  ) {}

  static async open(url: string, n: number): Promise<CommandLoad> {
    const u = new URL(url);
    const load = new CommandLoad(
      Array.from({ length: n }, () => new Connection(Number(u.port), u.hostname)),
      u.host,
    );
    await load.connect();
    return load;
  }

  /** (Re)opens the connections, a few at a time: a thousand at once overflow the backlog. */
  private async connect(): Promise<void> {
    for (let i = 0; i < this.conns.length; i += 50)
      await Promise.all(this.conns.slice(i, i + 50).map((c) => c.open()));
  }

  /** Sends one command per connection at once; `text(i)` and `user(i)` make each. */
  async burst(text: (i: number) => string, user: (i: number) => string): Promise<Burst> {
    const requests = this.conns.map((_, i) => signedCommand(this.host, text(i), user(i)));
    await this.connect();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const acksMs = await Promise.all(
      this.conns.map(async (c, i) => {
        const response = await c.send(requests[i] as Buffer);
        const ms = performance.now() - started;
        if (!response.startsWith('HTTP/1.1 200') || !response.includes('ephemeral'))
          throw new Error(`command was not acked: ${response.slice(0, 300)}`);
        return ms;
      }),
    );
    const used = process.cpuUsage(cpu);
    return { acksMs, clientCpuMs: (used.user + used.system) / 1000 };
  }

  close(): void {
    for (const c of this.conns) c.close();
  }
}
