// The one redactor: every string that leaves the process (Slack messages, cards and diffs, the
// audit stream, log lines, CLI output) goes through `redact` or `redactDeep`, so the bot never
// posts, stores or logs a secret, even one an application printed or an operator put in a value.
import { createHmac, randomBytes } from 'node:crypto';

const KEY_WORDS =
  '(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|credentials?|authorization|sig)';
// A key naming a secret (`DB_PASSWORD`, `api-key`, `SESSION_SECRET`) or any `*_KEY`: the key
// ENDS with the word, so object names that merely contain it (`db-secret-3b9f: ...`,
// `secretName: tls`, `PASSWORD_FILE=/run/x`) are left alone.
const KEY = `(?:[A-Za-z0-9_.-]*${KEY_WORDS}s?|[A-Za-z0-9.-]*[A-Za-z0-9]_key)(?![A-Za-z0-9_.-])`;

type Replacement = string | ((match: string, ...groups: string[]) => string);

const PATTERNS: [RegExp, Replacement][] = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    '[REDACTED PRIVATE KEY]',
  ],
  // `Authorization: Bearer x`, `Authorization: Basic x`, `Authorization: x`.
  [
    /\b(authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest)\s+)?(?!\[REDACTED)[^\s"',;]+/gi,
    '$1$2 [REDACTED]',
  ],
  [/\b(bearer|basic)\s+(?!\[REDACTED)[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[REDACTED JWT]'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[REDACTED AWS KEY]'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, '[REDACTED GCP KEY]'],
  [/\bya29\.[0-9A-Za-z_-]{10,}/g, '[REDACTED GCP TOKEN]'],
  [/\bxox[abposre]-[A-Za-z0-9-]{8,}/g, '[REDACTED SLACK TOKEN]'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}/g, '[REDACTED GITHUB TOKEN]'],
  // URLs with user:password, any scheme (https, postgres, mongodb+srv, redis with no user).
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):(?!\[REDACTED\]@)[^\s@]+@/gi, '$1:[REDACTED]@'],
  // Connection strings (`Password=two words;`): the value runs to the `;`.
  [
    /\b((?:password|pwd|accountkey|sharedaccesskey)\s*=\s*)(?!\[REDACTED\])[^;"'\n]*;/gi,
    '$1[REDACTED];',
  ],
  // A quoted value inside serialised JSON (`password=\\"a b\\"`): keep the escaped quotes.
  [
    new RegExp(`\\b(${KEY})(\\s*[:=]\\s*)\\\\"(?!\\[REDACTED)[^"\\n]*?\\\\"`, 'gi'),
    '$1$2\\"[REDACTED]\\"',
  ],
  // `key="a quoted value"`, `key: 'value'`, `"key": "value"`, `key=value`. The value's own
  // quotes are kept, so redacting JSON or YAML text leaves it well-formed.
  [
    new RegExp(
      `\\b(${KEY})(["']?\\s*[:=]\\s*)(?:"(?!\\[REDACTED)[^"\\n]*("?)|'(?!\\[REDACTED)[^'\\n]*('?)|(?![{\\["'])(?!\\[REDACTED)(?:[^\\s"'\\\\,;&]*[=:](?:"[^"\\n]*"?|'[^'\\n]*'?)|[^\\s"'\\\\,;&]+))`,
      'gi',
    ),
    (_m: string, key: string, sep: string, dq?: string, sq?: string) =>
      dq !== undefined
        ? `${key}${sep}"[REDACTED]${dq}`
        : sq !== undefined
          ? `${key}${sep}'[REDACTED]${sq}`
          : `${key}${sep}[REDACTED]`,
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS)
    out = out.replace(re, replacement as (m: string, ...g: string[]) => string);
  return out;
}

// A per-process key: two env values can be told apart in one diff, but a hash cannot be
// looked up or brute-forced offline.
const ENV_KEY = randomBytes(32);

/** A literal env value as it may be shown: never its text, at most a short keyed hash. */
export function concealEnvValue(value: string): string {
  return `(hidden, #${createHmac('sha256', ENV_KEY).update(value).digest('hex').slice(0, 8)})`;
}

const isEnvList = (k: string, v: unknown): v is unknown[] => k === 'env' && Array.isArray(v);

/**
 * A copy of `value` with `redact` applied to every string and every container's literal env
 * values hidden; for audit entries, log objects and anything else serialised out.
 */
export function redactDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redact(value) as T;
  if (depth > 40 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return redactDeep({ message: value.message, stack: value.stack }, depth + 1) as T;
  if (Array.isArray(value)) return value.map((x) => redactDeep(x, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isEnvList(k, v)) {
      out[k] = v.map((e) =>
        e !== null && typeof e === 'object' && typeof (e as { value?: unknown }).value === 'string'
          ? redactDeep({ ...e, value: concealEnvValue((e as { value: string }).value) }, depth + 1)
          : redactDeep(e, depth + 1),
      );
    } else out[k] = redactDeep(v, depth + 1);
  }
  return out as T;
}
