// Seeded generator of hostile HTTP requests for kubemedic's server: /slack/events (signed and
// not; slash commands, block_actions, view submissions, event callbacks, url_verification),
// /alertmanager (with and without the token; valid, truncated, wrong-typed, huge, non-UTF-8) and
// the operational endpoints, with garbage shapes, types, sizes and encodings. The same seed gives
// the same sequence of requests (timestamps and signatures aside, which follow the clock).
import { createHmac } from 'node:crypto';
import { FAKE_SLACK_DEFAULTS } from '../support/fake-slack.js';
import { FORM_CONTENT_TYPE, nowSeconds } from '../support/slack-signing.js';

export interface FuzzRequest {
  /** What was generated, for the failure report. */
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface FuzzSecrets {
  signingSecret: string;
  alertToken: string;
}

/** mulberry32: small, fast, good enough to drive a fuzzer, and reproducible from a seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

const NASTY = [
  '',
  ' ',
  '\u0000',
  '\n\r\t',
  "'; DROP TABLE x; --",
  '$(touch /tmp/pwned)',
  '`id`',
  '<!channel>',
  '<@U0ADMIN>',
  '<https://evil.example|click>',
  '../../etc/passwd',
  '%00%ff',
  '\u202e\u200b\ufeff',
  '😀'.repeat(20),
  'null',
  'undefined',
  '{}',
  '[]',
  '-1',
  '1e309',
  'NaN',
  '__proto__',
  'constructor',
  'api-service -n prod',
  'web -n default --context x',
  'help',
  'diagnose api-service',
];

function text(r: Rng): string {
  switch (r.int(5)) {
    case 0:
      return r.pick(NASTY);
    case 1:
      return Array.from({ length: r.int(40) }, () => String.fromCharCode(r.int(0x3000))).join('');
    case 2:
      return 'x'.repeat(r.pick([0, 1, 255, 256, 4000, 4001, 70_000]));
    case 3:
      return `${r.pick(NASTY)} ${r.pick(NASTY)}`;
    default:
      return `svc-${r.int(5)} -n ns-${r.int(3)}`;
  }
}

/** A random JSON value, `depth` levels at most. */
function value(r: Rng, depth = 3): unknown {
  const k = r.int(depth > 0 ? 9 : 6);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308]);
    case 3:
    case 4:
      return text(r);
    case 5:
      return r.pick([{}, [], '', 0]);
    case 6:
    case 7:
      return Object.fromEntries(
        Array.from({ length: r.int(5) }, () => [
          r.pick(['type', 'user', 'id', 'actions', 'event', 'value', '__proto__', text(r)]),
          value(r, depth - 1),
        ]),
      );
    default:
      return Array.from({ length: r.int(4) }, () => value(r, depth - 1));
  }
}

/** Replaces a random field of an object (deep) with a random value, or deletes it. */
function mutate(r: Rng, obj: unknown, times = 1 + r.int(3)): unknown {
  if (typeof obj !== 'object' || obj === null) return obj;
  const copy = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
  for (let i = 0; i < times; i++) {
    let node: Record<string, unknown> = copy;
    for (let d = 0; d < 3; d++) {
      const keys = Object.keys(node);
      if (!keys.length) break;
      const key = r.pick(keys);
      const child = node[key];
      if (typeof child === 'object' && child !== null && r.chance(0.5)) {
        node = child as Record<string, unknown>;
        continue;
      }
      if (r.chance(0.3)) delete node[key];
      else node[key] = value(r, 2);
      break;
    }
  }
  return copy;
}

function command(r: Rng): Record<string, string> {
  return {
    token: 'legacy',
    team_id: FAKE_SLACK_DEFAULTS.teamId,
    channel_id: r.pick(['C0FUZZ1', 'C0FUZZ2', text(r)]),
    user_id: r.pick(['U0FUZZ1', 'U0FUZZ2', text(r)]),
    user_name: r.pick(['fuzz', text(r)]),
    command: r.pick(['/diagnose', '/kubemedic', '/kubemedic', '/other', text(r)]),
    // Mostly answers that queue nothing (help, typos), some real targets (which join one run).
    text: r.pick(['help', '', 'diagnose', text(r), text(r), 'api-service -n fuzz']),
    response_url: `https://hooks.slack.com/commands/${FAKE_SLACK_DEFAULTS.teamId}/1/fuzz`,
    trigger_id: `1.1.${r.int(1e9)}`,
  };
}

function interaction(r: Rng): unknown {
  const user = { id: r.pick(['U0FUZZ1', 'U0FUZZ2', '']), name: 'fuzz' };
  const base = {
    user,
    team: { id: FAKE_SLACK_DEFAULTS.teamId },
    api_app_id: FAKE_SLACK_DEFAULTS.appId,
    token: 'legacy',
    trigger_id: `1.1.${r.int(1e9)}`,
  };
  switch (r.int(5)) {
    case 0:
    case 1:
      return {
        ...base,
        type: 'block_actions',
        container: { type: 'message', message_ts: '1700000000.000100', channel_id: 'C0FUZZ1' },
        channel: { id: 'C0FUZZ1' },
        actions: [
          {
            action_id: r.pick(['kubemedic_approve', 'kubemedic_reject', 'kubemedic_undo', 'x']),
            value: r.pick(['plan-0000000000001', 'abc', '', text(r)]),
            type: 'button',
            action_ts: `${nowSeconds()}.0001`,
          },
        ],
      };
    case 2:
      return {
        ...base,
        type: 'view_submission',
        view: { id: 'V0FUZZ', callback_id: text(r), state: { values: value(r) } },
      };
    case 3:
      return { ...base, type: r.pick(['shortcut', 'message_action', 'view_closed']) };
    default:
      return value(r);
  }
}

function eventBody(r: Rng): unknown {
  switch (r.int(4)) {
    case 0:
      return { type: 'url_verification', token: 'legacy', challenge: text(r) };
    case 1:
      return {
        type: 'event_callback',
        team_id: FAKE_SLACK_DEFAULTS.teamId,
        api_app_id: FAKE_SLACK_DEFAULTS.appId,
        event: {
          type: r.pick(['app_mention', 'message', 'app_home_opened', text(r)]),
          user: 'U0FUZZ1',
          text: text(r),
          channel: 'C0FUZZ1',
          ts: '1700000000.000100',
        },
        event_id: `Ev${r.int(1e9)}`,
        event_time: nowSeconds(),
      };
    case 2:
      return { type: r.pick(['app_rate_limited', 'event_callback', text(r)]) };
    default:
      return value(r);
  }
}

function alert(r: Rng): Record<string, unknown> {
  const ns = `fuzz-${r.int(3)}`;
  const labels = { alertname: 'ServiceZeroEndpoints', service: 'api-service', namespace: ns };
  return {
    version: '4',
    groupKey: `{}:{alertname="ServiceZeroEndpoints",namespace="${ns}"}`,
    truncatedAlerts: 0,
    status: r.pick(['firing', 'resolved']),
    receiver: 'kubemedic',
    groupLabels: { alertname: 'ServiceZeroEndpoints' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: text(r) },
        startsAt: r.pick(['2026-01-01T14:02:00Z', text(r)]),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example/graph',
        fingerprint: `fp${r.int(1000)}`,
      },
    ],
  };
}

function randomBytes(r: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

/** Serialises a JSON value, sometimes cut short, sometimes not UTF-8, sometimes huge. */
function encode(r: Rng, v: unknown): { body: Buffer; how: string } {
  const json = JSON.stringify(v) ?? 'undefined';
  switch (r.int(12)) {
    case 0:
      return { body: Buffer.from(json.slice(0, r.int(json.length + 1))), how: 'truncated' };
    case 1:
      return {
        body: Buffer.concat([Buffer.from(json), Buffer.from([0xff, 0xfe, 0xc3])]),
        how: 'non-utf8',
      };
    case 2:
      return { body: randomBytes(r, r.int(512)), how: 'random-bytes' };
    case 3:
      if (r.chance(0.15))
        return { body: Buffer.alloc(r.pick([1.5, 2.5]) * 1024 * 1024, 0x7b), how: 'huge' };
      return { body: Buffer.from(json), how: 'plain' };
    default:
      return { body: Buffer.from(json), how: 'plain' };
  }
}

const METHODS = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

/** One generated request. */
export function generate(r: Rng, s: FuzzSecrets): FuzzRequest {
  const roll = r.next();
  if (roll < 0.62) return slack(r, s);
  if (roll < 0.9) return alertmanager(r, s);
  const path = r.pick(['/healthz', '/readyz', '/metrics', '/', '/nope', '/slack/events/x', '/%ff']);
  const method = r.pick(['GET', 'GET', 'POST', ...METHODS]);
  const q = r.chance(0.3) ? `?${encodeURIComponent(text(r)).slice(0, 200)}` : '';
  return {
    kind: `ops ${method} ${path}`,
    method,
    path: `${path}${q}`,
    headers: {},
    body: method === 'GET' || method === 'HEAD' ? undefined : randomBytes(r, r.int(64)),
  };
}

function slack(r: Rng, s: FuzzSecrets): FuzzRequest {
  const surface = r.pick(['command', 'interaction', 'event', 'raw'] as const);
  let body: Buffer;
  let contentType: string;
  let how = 'plain';
  if (surface === 'command') {
    let fields = command(r);
    if (r.chance(0.3)) fields = mutate(r, fields) as Record<string, string>;
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
    if (r.chance(0.1)) form.append('command', '/diagnose');
    body = Buffer.from(form.toString());
    contentType = FORM_CONTENT_TYPE;
  } else if (surface === 'interaction') {
    let payload = interaction(r);
    if (r.chance(0.4)) payload = mutate(r, payload);
    const raw = r.chance(0.1)
      ? r.pick(['null', '', '[', '"x"', '5', 'true'])
      : JSON.stringify(payload);
    body = Buffer.from(new URLSearchParams({ payload: raw ?? 'undefined' }).toString());
    contentType = FORM_CONTENT_TYPE;
  } else if (surface === 'event') {
    let v = eventBody(r);
    if (r.chance(0.4)) v = mutate(r, v);
    ({ body, how } = encode(r, v));
    contentType = 'application/json';
  } else {
    ({ body, how } = encode(r, value(r)));
    contentType = r.pick([
      FORM_CONTENT_TYPE,
      'application/json',
      'text/plain',
      '',
      'multipart/form-data; boundary=x',
    ]);
  }
  if (r.chance(0.1)) contentType = `${contentType}; charset=${r.pick(['utf-8', 'latin1', 'x'])}`;

  const headers: Record<string, string> = { 'content-type': contentType };
  const auth = r.pick([
    'signed',
    'signed',
    'signed',
    'unsigned',
    'bad-signature',
    'future',
    'stale',
    'garbage-ts',
  ]);
  if (auth !== 'unsigned') {
    const skew = auth === 'future' ? 301 + r.int(1e6) : auth === 'stale' ? -301 - r.int(1e6) : 0;
    // Signed over the exact bytes sent, UTF-8 or not, as Slack signs.
    const ts = String(nowSeconds() + skew);
    const hmac = createHmac('sha256', s.signingSecret).update(`v0:${ts}:`).update(body);
    headers['x-slack-request-timestamp'] = ts;
    headers['x-slack-signature'] = `v0=${hmac.digest('hex')}`;
    if (auth === 'bad-signature') headers['x-slack-signature'] = `v0=${'ab'.repeat(32)}`;
    if (auth === 'garbage-ts')
      headers['x-slack-request-timestamp'] = r.pick([
        '',
        'abc',
        '-5',
        '1e3',
        '99999999999999999999',
      ]);
  }
  const method = r.chance(0.08) ? r.pick(METHODS) : 'POST';
  return {
    kind: `slack ${surface} ${auth} ${how} ${method}`,
    method,
    path: '/slack/events',
    headers,
    body,
  };
}

function alertmanager(r: Rng, s: FuzzSecrets): FuzzRequest {
  const valid = alert(r);
  const v = r.chance(0.1) ? valid : r.chance(0.6) ? mutate(r, valid) : value(r);
  const { body, how } = encode(r, v);
  const auth = r.pick(['token', 'token', 'none', 'wrong', 'basic', 'garbage']);
  const headers: Record<string, string> = {
    'content-type': r.pick(['application/json', 'application/json', 'text/plain', '']),
  };
  if (auth === 'token') headers.authorization = `Bearer ${s.alertToken}`;
  if (auth === 'wrong') headers.authorization = `Bearer ${s.alertToken}x`;
  if (auth === 'basic') headers.authorization = `Basic ${Buffer.from('a:b').toString('base64')}`;
  if (auth === 'garbage')
    headers.authorization = r.pick(['Bearer', 'Bearer  ', '   ', 'Basic !!!', 'x'.repeat(8000)]);
  const method = r.chance(0.08) ? r.pick(METHODS) : 'POST';
  return {
    kind: `alertmanager ${auth} ${how} ${method}`,
    method,
    path: '/alertmanager',
    headers,
    body,
  };
}
