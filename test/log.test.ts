// Secrets never reach the log: tokens, passwords, authorization headers and signatures are
// redacted wherever they sit in a logged object.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

describe('log', () => {
  it('redacts tokens, secrets and authorization headers', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger(sink);
    log.info(
      {
        config: {
          slack: { botToken: 'xoxb-secret-1', signingSecret: 'sign-secret-2', appToken: 'xapp-3' },
          alertmanager: { token: 'am-token-4', basic: { username: 'am', password: 'pw-5' } },
        },
        req: { headers: { authorization: 'Bearer am-token-6', 'x-slack-signature': 'v0=abc7' } },
        token: 'top-level-8',
      },
      'starting',
    );
    const out = lines.join('');
    for (const secret of [
      'secret-1',
      'secret-2',
      'xapp-3',
      'token-4',
      'pw-5',
      'token-6',
      'abc7',
      'level-8',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
    expect(JSON.parse(out).config.alertmanager.basic.username).toBe('am');
  });
});
