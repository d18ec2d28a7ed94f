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
  it('refuses a field given twice (Bolt would see a list), wherever it is', () => {
    for (const text of [
      'command=%2Fdiagnose&text=a&text=b&user_id=U&user_name=u&channel_id=C',
      'command=%2Fdiagnose&text=a&user_id=U&user_name=u&channel_id=C&command=%2Fdiagnose',
      'payload=%7B%7D&payload=%7B%7D',
    ])
      expect(() => checkShape(text, true, opts)).toThrow(/more than once/);
  });
  it('decodes a form as Slack encodes it, for any text (a generated corpus)', () => {
    // Seeded: the same texts every run. Code points across the planes, `+`, `%`, `&`, `=`.
    let seed = 11;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    const alphabet = ['+', '%', '&', '=', ' ', '%2', '%zz', '__proto__', 'é', '漢', '😀', 'a'];
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: next() % 12 }, () =>
        next() % 3 === 0
          ? String.fromCodePoint(32 + (next() % 0xffff))
          : (alphabet[next() % alphabet.length] as string),
      )
        .join('')
        .replace(/[\uD800-\uDFFF]/g, 'x');
      const form = new URLSearchParams({
        command: '/diagnose',
        text,
        user_id: 'U1',
        user_name: 'u',
        channel_id: 'C1',
      }).toString();
      expect(checkShape(form, true, opts)?.text).toBe(text);
    }
  });
  it('keeps a __proto__ field a field', () => {
    const c = checkShape(
      'command=%2Fdiagnose&text=web&user_id=U&user_name=u&channel_id=C&__proto__=x',
      true,
      opts,
    );
    expect(c?.text).toBe('web');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
