// The ack bench's yardstick: the least a Slack front door on node:http does for a slash command,
// and nothing more. It reads the body, checks the timestamp and the signature as Slack signs
// them, and answers 200 with an ephemeral JSON message (401 if the signature is wrong). No form
// parsing, no queue: the bot's ack p99 read beside this one, under the same load on the same
// cores, shows what the bot adds and what the machine itself allows.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { SIGNING_SECRET } from '../support/app.js';

const ANSWER = JSON.stringify({ response_type: 'ephemeral', text: 'Diagnosing…' });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const ts = String(req.headers['x-slack-request-timestamp'] ?? '');
    const given = Buffer.from(String(req.headers['x-slack-signature'] ?? ''));
    const mine = Buffer.from(
      `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:`).update(body).digest('hex')}`,
    );
    const fresh = Math.abs(Date.now() / 1000 - Number(ts)) < 300;
    const ok = fresh && given.length === mine.length && timingSafeEqual(given, mine);
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
