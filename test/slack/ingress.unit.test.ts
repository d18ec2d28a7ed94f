// The request front door's signature check: Slack's rule is a window of 5 minutes either way
// around now (a request from the future is as suspect as a stale one), then an exact HMAC.
import { describe, expect, it } from 'vitest';
import { IngressError, checkShape, verifySignature } from '../../src/slack/ingress.js';
import { signSlackRequest } from '../support/slack-signing.js';

const SECRET = 'unit-signing-secret';
const NOW = 1_800_000_000;

function check(skew: number, body = 'a=b', secret = SECRET): number | 'ok' {
  const h = signSlackRequest(secret, body, NOW + skew);
  try {
    verifySignature(
      SECRET,
      Buffer.from(body),
      h['x-slack-request-timestamp'],
      h['x-slack-signature'],
      NOW,
    );
    return 'ok';
  } catch (err) {
    if (err instanceof IngressError) return err.status;
    throw err;
  }
}

describe('verifySignature', () => {
  it.each([0, 299, -299, 300, -300])('accepts a skew of %i s', (skew) => {
    expect(check(skew)).toBe('ok');
  });
  it.each([301, -301, 3600, 10 ** 9])('refuses a skew of %i s with 401', (skew) => {
    expect(check(skew)).toBe(401);
  });
  it('refuses another secret, and a malformed or absent header', () => {
    expect(check(0, 'a=b', 'other')).toBe(401);
    for (const [ts, sig] of [
      [undefined, 'v0=00'],
      ['12x', `v0=${'0'.repeat(64)}`],
      [String(NOW), undefined],
      [String(NOW), `v1=${'0'.repeat(64)}`],
      [String(NOW), `v0=${'g'.repeat(64)}`],
    ])
      expect(() => verifySignature(SECRET, Buffer.from(''), ts, sig, NOW)).toThrow(IngressError);
  });
});

describe('checkShape', () => {
  const opts = { signingSecret: SECRET, commands: ['/diagnose'], actionIds: /^km_/ };
  it.each([
    ['null', false],
    ['{"type":"event_callback","event":null}', false],
    ['payload=null', true],
    ['payload=%7B%22type%22%3A%22block_actions%22%7D', true],
    ['command=%2Fother&text=&user_id=U&user_name=u&channel_id=C', true],
  ])('refuses %s with 400', (text, form) => {
    expect(() => checkShape(text, form, opts)).toThrow(expect.objectContaining({ status: 400 }));
  });
  it('lets a served command and a served button through', () => {
    checkShape('command=%2Fdiagnose&text=web&user_id=U&user_name=u&channel_id=C', true, opts);
    const payload = { type: 'block_actions', user: { id: 'U' }, actions: [{ action_id: 'km_x' }] };
    checkShape(`payload=${encodeURIComponent(JSON.stringify(payload))}`, true, opts);
  });
});
