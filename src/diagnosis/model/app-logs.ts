// What the running backends' logs say: error lines grouped into signatures (the same error with
// its numbers, ids and times stripped), and the dependencies the errors name (a host or address
// the app failed to reach). Pure: the gatherer reads the tails, the app checks read these.
import type { ContainerLog } from '../../cluster/snapshot.js';

export interface LogLine {
  /** When the line was written, from the kubelet's timestamp prefix (`--timestamps`). */
  at?: string;
  text: string;
  pod: string;
}

export interface Signature {
  /** The normalised error: what the occurrences have in common. */
  key: string;
  /** The first occurrence as written (redacted by the gatherer), with its stack when it has one. */
  example: string;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  pods: string[];
  /** The raw lines, to find the dependencies they name. */
  lines: string[];
}

const KUBELET_TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))\s(.*)$/;

/** The lines of a current log tail, with the kubelet's timestamps split off. */
export function logLines(log: ContainerLog): LogLine[] {
  return (log.text ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((raw) => {
      const m = KUBELET_TIMESTAMP.exec(raw);
      return m
        ? { at: new Date(m[1] as string).toISOString(), text: m[2] as string, pod: log.pod }
        : { text: raw, pod: log.pod };
    });
}

// An error line: a level word, an exception or a panic, or an access-log line answering 5xx.
const LEVEL =
  /(^|[\s[("'=|:])(ERROR|FATAL|CRITICAL|SEVERE|PANIC|EMERG|ALERT)\b|\blevel[=:]"?(error|fatal|panic|critical)\b|"level"\s*:\s*"(error|fatal|panic|critical)"/i;
const EXCEPTION =
  /^(panic:|Traceback \(most recent call last\)|Unhandled|Uncaught)|\b[A-Z][A-Za-z0-9_.$]*(Exception|Error)\b(:|$| at )|^\w*Error:/;
const ACCESS_5XX =
  /"\s?(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^"]*"\s+5\d\d\b|\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/\S* 5\d\d\b|\bstatus(?:_code)?["']?\s*[=:]\s*"?5\d\d\b/i;
// Lines that continue the error above them: a stack frame, a cause, a goroutine header.
const CONTINUATION =
  /^(\s+at\s|\s+File "|\s+\.\.\. \d+ more|Caused by:|\s+raise\s|\s+\^|goroutine \d+ \[|\t\S|\s{2,}\S.*\.(go|py|js|ts|java|rb):\d+)/;

export function isErrorLine(text: string): boolean {
  return LEVEL.test(text) || EXCEPTION.test(text) || ACCESS_5XX.test(text);
}

/** The error without what differs between occurrences: times, uuids, hex, ids, numbers. */
export function normalise(text: string): string {
  return (
    text
      .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?/g, '<time>')
      .replace(/\b\d\d:\d\d:\d\d(?:[.,]\d+)?\b/g, '<time>')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
      .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
      .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>')
      // A 5xx status stays: it is what the error is.
      .replace(/(?<![A-Za-z0-9_])(?!5\d\d(?![\d.]))\d+(?:\.\d+)*/g, '<n>')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 300)
  );
}

/** Error signatures of the logs, most frequent first. */
export function errorSignatures(logs: ContainerLog[]): Signature[] {
  const byKey = new Map<string, Signature>();
  for (const log of logs) {
    let current: Signature | undefined;
    let stackLines = 0;
    for (const line of logLines(log)) {
      if (current && CONTINUATION.test(line.text)) {
        // A stack belongs to the error it follows; a few frames are enough to recognise it.
        if (current.count === 1 && stackLines < 6) current.example += `\n${line.text}`;
        current.lines.push(line.text);
        stackLines++;
        continue;
      }
      current = undefined;
      stackLines = 0;
      if (!isErrorLine(line.text)) continue;
      const key = normalise(line.text);
      const sig = byKey.get(key) ?? {
        key,
        example: line.text.slice(0, 500),
        count: 0,
        pods: [],
        lines: [],
      };
      sig.count++;
      if (line.at) {
        if (!sig.firstSeen || line.at < sig.firstSeen) sig.firstSeen = line.at;
        if (!sig.lastSeen || line.at > sig.lastSeen) sig.lastSeen = line.at;
      }
      if (!sig.pods.includes(line.pod)) sig.pods.push(line.pod);
      if (sig.lines.length < 50) sig.lines.push(line.text);
      byKey.set(key, sig);
      current = sig;
    }
  }
  // At equal counts an exception or error line says more than the access-log line it caused.
  const access = (s: Signature) => (ACCESS_5XX.test(s.example) ? 1 : 0);
  return [...byKey.values()].sort(
    (a, b) => b.count - a.count || access(a) - access(b) || a.key.localeCompare(b.key),
  );
}

/** A host or address an error says the app could not reach. */
export interface DependencyRef {
  host?: string;
  ip?: string;
  port?: number;
  /** How the call failed, in the error's words. */
  failure: 'connection refused' | 'timeout' | 'no such host' | 'unreachable';
  /** The line it came from. */
  line: string;
}

const IPV4 = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;
const HOST = String.raw`[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*`;

const PATTERNS: { re: RegExp; failure: DependencyRef['failure'] }[] = [
  // Go: dial tcp 10.96.5.5:5432: connect: connection refused / i/o timeout
  {
    re: new RegExp(
      String.raw`dial (?:tcp|udp)\d? (${IPV4}|${HOST}):(\d+): (?:connect: )?connection refused`,
    ),
    failure: 'connection refused',
  },
  {
    re: new RegExp(
      String.raw`dial (?:tcp|udp)\d? (${IPV4}|${HOST}):(\d+): (?:i/o timeout|connect: connection timed out)`,
    ),
    failure: 'timeout',
  },
  // Go resolver: dial tcp: lookup postgres.db.svc on 10.96.0.10:53: no such host
  {
    re: new RegExp(String.raw`lookup (${HOST})(?: on [^:\s]+:\d+)?: no such host`),
    failure: 'no such host',
  },
  // Node: getaddrinfo ENOTFOUND postgres.db.svc; connect ECONNREFUSED 10.96.5.5:5432
  {
    re: new RegExp(String.raw`getaddrinfo (?:ENOTFOUND|EAI_AGAIN) (${HOST})`),
    failure: 'no such host',
  },
  {
    re: new RegExp(String.raw`ECONNREFUSED (${IPV4}|${HOST}):(\d+)`),
    failure: 'connection refused',
  },
  { re: new RegExp(String.raw`ETIMEDOUT (${IPV4}|${HOST}):(\d+)`), failure: 'timeout' },
  // libpq, Python, Java: could not translate host name "postgres" to address
  {
    re: new RegExp(
      String.raw`(?:could not translate host name|UnknownHostException:?|Name or service not known[^"]*?)\s*"?(${HOST})"?`,
    ),
    failure: 'no such host',
  },
  // Anything naming host:port beside a refusal, a timeout or an unreachable host.
  {
    re: new RegExp(
      String.raw`\b(${IPV4}|${HOST}):(\d{2,5})\b.*?(refused|timed? ?out|timeout|unreachable|no route to host)`,
      'i',
    ),
    failure: 'timeout',
  },
];

const NOT_A_HOST = /^(localhost|127\.0\.0\.1|0\.0\.0\.0|\d+)$/;

/** The dependencies the error lines name, one per host:port (or address:port). */
export function dependenciesIn(lines: string[]): DependencyRef[] {
  const out = new Map<string, DependencyRef>();
  for (const line of lines) {
    for (const { re, failure } of PATTERNS) {
      const m = re.exec(line);
      if (!m) continue;
      const who = (m[1] ?? '').replace(/\.$/, '');
      if (!who || NOT_A_HOST.test(who)) break;
      const port = m[2] && /^\d+$/.test(m[2]) ? Number(m[2]) : undefined;
      const kind: DependencyRef['failure'] =
        failure === 'timeout' && m[3] ? failureWord(m[3]) : failure;
      const isIp = new RegExp(`^${IPV4}$`).test(who);
      const ref: DependencyRef = isIp
        ? { ip: who, port, failure: kind, line }
        : { host: who.toLowerCase(), port, failure: kind, line };
      const k = `${ref.ip ?? ref.host}:${port ?? ''}`;
      if (!out.has(k)) out.set(k, ref);
      break;
    }
  }
  return [...out.values()];
}

function failureWord(w: string): DependencyRef['failure'] {
  const x = w.toLowerCase();
  if (x.includes('refused')) return 'connection refused';
  if (x.includes('unreachable') || x.includes('route')) return 'unreachable';
  return 'timeout';
}

/** A host name as a cluster Service: `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.<domain>`. */
export function serviceName(
  host: string,
  podNamespace: string,
  knownNamespaces: ReadonlySet<string>,
): { name: string; namespace: string } | undefined {
  const parts = host.toLowerCase().split('.');
  const svcAt = parts.indexOf('svc');
  if (svcAt === 2) return { name: parts[0] as string, namespace: parts[1] as string };
  if (svcAt >= 0) return undefined;
  if (parts.length === 1) return { name: parts[0] as string, namespace: podNamespace };
  // `name.ns` is a Service only when ns is a namespace: `api.example` is a host elsewhere.
  if (parts.length === 2 && knownNamespaces.has(parts[1] as string))
    return { name: parts[0] as string, namespace: parts[1] as string };
  return undefined;
}
