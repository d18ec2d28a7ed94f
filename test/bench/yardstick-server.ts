// The ack bench's yardstick: the least a Slack front door on node:http does for a slash command,
// and nothing more. It reads the body, checks it with the bot's own signature check (timestamp
// window and HMAC), and answers 200 with an ephemeral JSON message (401 otherwise). No form
// parsing, no queue: the bot's ack p99 read beside this one, under the same load on the same
// cores, shows what the bot adds and what the machine itself allows. Started with fork() by
// startYardstick; answers its port once listening.
import { createSecretKey } from 'node:crypto';
import { createServer } from 'node:http';
import { verifySignature } from '../../src/slack/ingress.js';
import { SIGNING_SECRET } from '../support/app.js';
import { forkScript, nextMessage } from './process.js';

export interface Yardstick {
  url: string;
  pid: number;
  stop(): void;
}

export async function startYardstick(): Promise<Yardstick> {
  const child = forkScript(import.meta.filename, ['--serve']);
  const port = Number(await nextMessage(child, 'the yardstick server'));
  return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, stop: () => child.kill() };
}

const ANSWER = JSON.stringify({ response_type: 'ephemeral', text: 'Diagnosing…' });

function serve(): void {
  const key = createSecretKey(Buffer.from(SIGNING_SECRET, 'utf8'));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = (name: string) => {
        const v = req.headers[name];
        return typeof v === 'string' ? v : undefined;
      };
      let ok = true;
      try {
        verifySignature(
          key,
          Buffer.concat(chunks),
          header('x-slack-request-timestamp'),
          header('x-slack-signature'),
          Math.floor(Date.now() / 1000),
        );
      } catch {
        ok = false;
      }
      res.writeHead(ok ? 200 : 401, {
        'content-type': 'application/json',
        'content-length': ok ? Buffer.byteLength(ANSWER) : 0,
      });
      res.end(ok ? ANSWER : undefined);
    });
  });
  // As the bot's: connections idle for 5 s are closed.
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    process.send?.(address.port);
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.argv.includes('--serve')) serve();
