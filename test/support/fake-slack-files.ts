// Slack's external file upload flow, as the fake Slack serves it: files.getUploadURLExternal
// hands out an upload URL on the fake's own server and a file id; the bytes are POSTed there
// (their length must be the `length` announced); files.completeUploadExternal shares only files
// whose bytes arrived, once each, into a channel or a thread that exists. Shared files are kept
// so tests can read the bytes back.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface UploadedFile {
  id: string;
  filename: string;
  title?: string;
  altText?: string;
  /** The bytes as they arrived at the upload URL. */
  bytes: Buffer;
  channel: string;
  threadTs?: string;
  /** The message that shares it (a thread reply when threadTs is set). */
  ts: string;
}

interface PendingUpload {
  id: string;
  filename: string;
  length: number;
  altText?: string;
  bytes?: Buffer;
}

/** Slack's limits: alt text up to 1,000 characters; a file up to 1 GB. */
const MAX_ALT_TEXT = 1000;
const MAX_LENGTH = 1024 ** 3;

type Answer = { ok: boolean; error?: string; [key: string]: unknown };

/** Where a shared file appears: the fake's message log (a thread reply or channel message). */
export type ShareFile = (
  channel: string,
  threadTs: string | undefined,
  file: { id: string; name: string; title: string; alt_txt?: string; mimetype: string },
) => { ok: true; ts: string } | { ok: false; error: string };

export class FakeFiles {
  private pending = new Map<string, PendingUpload>();
  private byToken = new Map<string, string>();
  private shared: UploadedFile[] = [];
  private seq = 0;

  constructor(private readonly baseUrl: () => string) {}

  /** Files shared so far, oldest first (their bytes included). */
  get files(): UploadedFile[] {
    return this.shared.map((f) => ({ ...f, bytes: Buffer.from(f.bytes) }));
  }

  /** Uploads asked for but never completed (their ids). */
  get unfinished(): string[] {
    return [...this.pending.keys()];
  }

  reset(): void {
    this.pending = new Map();
    this.byToken = new Map();
    this.shared = [];
  }

  getUploadURLExternal(args: Record<string, unknown>): Answer {
    const filename = typeof args.filename === 'string' ? args.filename : '';
    const length = Number(args.length);
    if (!filename || !Number.isInteger(length) || length < 1 || length > MAX_LENGTH)
      return { ok: false, error: 'invalid_arguments' };
    const altText = typeof args.alt_text === 'string' ? args.alt_text : undefined;
    if (altText !== undefined && altText.length > MAX_ALT_TEXT)
      return { ok: false, error: 'invalid_arguments' };
    this.seq += 1;
    const id = `F0KUBE${String(this.seq).padStart(5, '0')}`;
    const token = randomBytes(12).toString('hex');
    this.pending.set(id, { id, filename, length, altText });
    this.byToken.set(token, id);
    return { ok: true, upload_url: `${this.baseUrl()}upload/v1/${token}`, file_id: id };
  }

  /**
   * POST of the bytes to an upload URL: the raw body (what kubemedic sends) or a multipart form
   * whose file part holds them (what the Slack SDK's filesUploadV2 sends).
   */
  async upload(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    const raw = Buffer.concat(chunks);
    const boundary = /^multipart\/form-data;.*boundary=("?)([^";]+)\1/i.exec(
      req.headers['content-type'] ?? '',
    )?.[2];
    const body = boundary ? filePart(raw, boundary) : raw;
    const id = this.byToken.get(token);
    const pending = id === undefined ? undefined : this.pending.get(id);
    const reply = (status: number, text: string) =>
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    if (req.method !== 'POST') return void reply(405, 'method not allowed');
    if (pending === undefined) return void reply(404, 'unknown upload url');
    if (body === undefined) return void reply(400, 'no file part in the form');
    if (body.length !== pending.length)
      return void reply(400, `length mismatch: announced ${pending.length}, got ${body.length}`);
    pending.bytes = body;
    this.byToken.delete(token);
    reply(200, `OK - ${body.length}`);
  }

  completeUploadExternal(args: Record<string, unknown>, share: ShareFile): Answer {
    const files = args.files;
    if (!Array.isArray(files) || files.length === 0)
      return { ok: false, error: 'invalid_arguments' };
    const wanted: { id: string; title?: string }[] = [];
    for (const f of files as unknown[]) {
      const id = typeof f === 'object' && f !== null ? (f as { id?: unknown }).id : undefined;
      const title =
        typeof f === 'object' && f !== null ? (f as { title?: unknown }).title : undefined;
      if (typeof id !== 'string') return { ok: false, error: 'invalid_arguments' };
      const pending = this.pending.get(id);
      // Unknown, already completed, or its bytes never arrived.
      if (!pending?.bytes) return { ok: false, error: 'file_not_found' };
      wanted.push({ id, ...(typeof title === 'string' ? { title } : {}) });
    }
    const channel = typeof args.channel_id === 'string' ? args.channel_id : undefined;
    const threadTs =
      typeof args.thread_ts === 'string' && args.thread_ts ? args.thread_ts : undefined;
    if (threadTs !== undefined && channel === undefined)
      return { ok: false, error: 'invalid_arguments' };
    const out: { id: string; title: string }[] = [];
    for (const w of wanted) {
      const p = this.pending.get(w.id) as PendingUpload & { bytes: Buffer };
      const title = w.title ?? p.filename;
      if (channel !== undefined) {
        const shared = share(channel, threadTs, {
          id: p.id,
          name: p.filename,
          title,
          ...(p.altText ? { alt_txt: p.altText } : {}),
          mimetype: p.filename.endsWith('.png') ? 'image/png' : 'application/octet-stream',
        });
        if (!shared.ok) return shared;
        this.shared.push({
          id: p.id,
          filename: p.filename,
          title,
          ...(p.altText ? { altText: p.altText } : {}),
          bytes: p.bytes,
          channel,
          ...(threadTs ? { threadTs } : {}),
          ts: shared.ts,
        });
      }
      this.pending.delete(w.id);
      out.push({ id: p.id, title });
    }
    return { ok: true, files: out };
  }
}

/** The content of a multipart form's first part that carries a filename. */
function filePart(raw: Buffer, boundary: string): Buffer | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = raw.indexOf(delimiter);
  while (at !== -1) {
    const next = raw.indexOf(delimiter, at + delimiter.length);
    if (next === -1) return undefined;
    const part = raw.subarray(at + delimiter.length + 2, next - 2); // CRLF after and before
    const split = part.indexOf('\r\n\r\n');
    if (split !== -1 && /filename="/i.test(part.subarray(0, split).toString('utf8')))
      return part.subarray(split + 4);
    at = next;
  }
  return undefined;
}
