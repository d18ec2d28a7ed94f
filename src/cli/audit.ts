// `kubemedic audit`: the newest entries of the remediation audit log (a Redis stream), one line
// each, or as JSON. Exit codes: 0 listed (possibly nothing), 2 usage or connection error.
import { setLogLevel } from '../log.js';
import { clusterPrefix } from '../queue/clusters.js';
import { connectRedis, openRedis } from '../queue/redis.js';
import { type AuditEntry, AuditLog } from '../remediation/audit.js';
import { stepText } from '../remediation/steps.js';
import { type CliIO, OUTPUT_OPTION, UsageError, outputFormat, parseCommandArgs } from './args.js';

export const AUDIT_USAGE = `Usage:
  kubemedic audit [--limit N] [--redis URL] [--prefix PREFIX] [--cluster NAME] [--output text|json]

Lists the newest remediation audit entries first (who approved, rejected or undid which fix,
the dry-run diff, the outcome). --redis defaults to REDIS_URL or redis://127.0.0.1:6379,
--prefix to KUBEMEDIC_QUEUE_PREFIX or kubemedic, --limit to 20. With a hub and agents, each
cluster keeps its own log: --cluster NAME reads that one.`;

/** Lines of an outcome shown under an entry; the JSON output has every line. */
const MAX_LINES = 40;

/** Slack mentions (`<@U123>`, `<@U123|alice>`) as the plain user id a terminal can show. */
export function plainMentions(text: string): string {
  return text.replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, '$1');
}

function clip(line: string, max = 200): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** What happened, line by line: the dry run's diff whole (code fences of old entries dropped). */
function outcomeLines(e: AuditEntry): string[] {
  // The stored step is put into words here; entries older than stored steps keep their outcome.
  const outcome = plainMentions(e.detail ? stepText(e.detail) : e.outcome);
  let lines = outcome.split('\n').filter((l) => !/^```/.test(l));
  // Entries that kept the diff beside the words (`dryRun`) show it under their first line.
  if (e.step === 'dry-run' && e.dryRun && !outcome.includes(e.dryRun))
    lines = [lines[0] ?? '', ...e.dryRun.split('\n')];
  if (lines.length > MAX_LINES)
    lines = [
      ...lines.slice(0, MAX_LINES - 1),
      `… ${lines.length - MAX_LINES + 1} more line(s): --output json has them all`,
    ];
  return lines.map((l) => clip(l));
}

/** One entry: when, which step of which fix, by whom; then what happened, in words, indented. */
export function renderAuditEntry(e: AuditEntry): string {
  const who = e.actorName ? `${e.actor} (${e.actorName})` : e.actor;
  const what = [e.remediation, e.object].filter(Boolean).join(' ');
  const head = `${e.at}  ${e.step.padEnd(17)} ${what || '-'}  by ${who}  plan ${e.planId}`;
  return [head, ...outcomeLines(e).map((l) => `    ${l}`)].join('\n');
}

export async function auditCommand(args: string[], io: CliIO): Promise<number> {
  const values = parseCommandArgs(
    args,
    {
      limit: { type: 'string', default: '20' },
      redis: { type: 'string' },
      prefix: { type: 'string' },
      cluster: { type: 'string' },
      ...OUTPUT_OPTION,
    },
    AUDIT_USAGE,
  );
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw new UsageError('--limit must be a whole number from 1 to 10000', AUDIT_USAGE);
  const output = outputFormat(values.output, AUDIT_USAGE);
  const url = values.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const base = values.prefix ?? process.env.KUBEMEDIC_QUEUE_PREFIX ?? 'kubemedic';
  if (values.cluster !== undefined && !/^[a-z0-9][-a-z0-9.]{0,62}$/i.test(values.cluster))
    throw new UsageError(`"${values.cluster}" is not a cluster name`, AUDIT_USAGE);
  const prefix = values.cluster ? clusterPrefix(base, values.cluster) : base;
  // The terminal gets one line on failure, not the bot's structured reconnect logs.
  setLogLevel('silent');
  const redis = openRedis(url, 'command');
  try {
    await connectRedis(redis, url, 5000);
    const entries = await new AuditLog(redis, prefix).recent(limit);
    if (output === 'json') io.out(JSON.stringify(entries, null, 2));
    else if (entries.length === 0) io.out(`no audit entries under ${prefix}:audit`);
    else io.out(entries.map(renderAuditEntry).join('\n'));
    return 0;
  } catch (err) {
    io.err(`kubemedic: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  } finally {
    redis.disconnect();
  }
}
