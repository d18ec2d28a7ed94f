// `kubemedic incident export <thread ts | groupKey | conversation id>`: the incident summary
// posted when the alert resolved (duration, time to first diagnosis and to fix, root cause, the
// fix and who approved it, the timeline), as Markdown for the postmortem, read from Redis.
// Exit codes: 0 written, 2 usage error, unknown thread, or Redis unreachable.
import { setLogLevel } from '../log.js';
import { connectRedis, openRedis } from '../queue/redis.js';
import { AuditLog } from '../remediation/audit.js';
import { Conversations } from '../slack/delivery/conversations.js';
import { type IncidentSummary, incidentSummary } from '../slack/incident.js';
import { type CliIO, CommandError, UsageError, outputFormat, parseCommandLine } from './args.js';

export const INCIDENT_USAGE = `Usage:
  kubemedic incident export <THREAD_TS | GROUP_KEY | CONVERSATION> [--channel ID]
                            [--redis URL] [--prefix PREFIX] [--output markdown|json]

Writes an incident's summary as Markdown (or JSON): duration, time to first diagnosis and to
fix, root cause, the fix and who approved it, and the timeline, from the thread kubemedic kept
in Redis. THREAD_TS is the thread parent's ts (1700000000.000100; --channel narrows it),
GROUP_KEY an Alertmanager groupKey (its latest thread). --redis defaults to REDIS_URL or
redis://127.0.0.1:6379, --prefix to KUBEMEDIC_QUEUE_PREFIX or kubemedic.`;

/** Outside text made inert in Markdown: its control characters escaped, on one line. */
function esc(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/([\\`*_{}[\]<>#|~])/g, '\\$1');
}

const time = (iso: string) => esc(iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC'));

function span(ms: number | undefined): string {
  if (ms === undefined) return 'none';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function incidentMarkdown(s: IncidentSummary): string {
  const out = [`# Incident: ${esc(s.title)} (${s.status})`, ''];
  if (s.severity) out.push(`- **Severity:** ${esc(s.severity)}`);
  if (s.startedAt) out.push(`- **Started:** ${time(s.startedAt)}`);
  if (s.resolvedAt) out.push(`- **Resolved:** ${time(s.resolvedAt)}`);
  out.push(`- **Duration:** ${span(s.duration)}`);
  out.push(`- **Time to first diagnosis:** ${span(s.toDiagnose)} (from the first notification)`);
  out.push(`- **Time to fix:** ${s.toFix === undefined ? 'no verified fix' : span(s.toFix)}`);
  out.push('', '## Root cause', '');
  if (s.rootCauses.length === 0) out.push('None found.');
  for (const r of s.rootCauses)
    out.push(
      r.check
        ? `- ${esc(r.target)}: \`${r.check.replace(/`/g, "'")}\` ${esc(r.headline)}`
        : `- ${esc(r.target)}: no root cause found (${esc(r.headline)})`,
    );
  out.push('', '## Fix', '');
  if (s.fixes.length === 0) out.push('None applied through kubemedic.');
  for (const f of s.fixes)
    out.push(`- ${esc(f.title)}: ${f.stage}, by ${esc(f.by.join(' and '))} at ${time(f.at)}`);
  out.push('', '## Timeline', '', '| Time | What |', '| --- | --- |');
  for (const t of s.timeline) out.push(`| ${time(t.at)} | ${esc(t.what)} |`);
  return out.join('\n');
}

export async function incidentCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(
    args,
    {
      channel: { type: 'string' },
      redis: { type: 'string' },
      prefix: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'markdown' },
    },
    INCIDENT_USAGE,
  );
  const [sub, ref, ...extra] = positionals;
  if (sub !== 'export')
    throw new UsageError(
      sub ? `unknown incident command "${sub}"` : 'no incident command given',
      INCIDENT_USAGE,
    );
  if (!ref) throw new UsageError('name the thread: its ts, groupKey or id', INCIDENT_USAGE);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`, INCIDENT_USAGE);
  const output = outputFormat(values.output, INCIDENT_USAGE, ['markdown', 'json'] as const);
  const url = values.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = values.prefix ?? process.env.KUBEMEDIC_QUEUE_PREFIX ?? 'kubemedic';
  setLogLevel('silent');
  const redis = openRedis(url, 'command');
  try {
    await connectRedis(redis, url, 5000).catch((err: unknown) => {
      throw new CommandError(err instanceof Error ? err.message : String(err));
    });
    const conversations = new Conversations(redis, prefix);
    const id = await conversations.find(ref, values.channel);
    if (!id)
      throw new CommandError(
        `no kubemedic thread "${ref}" under ${prefix} (threads are kept 30 days)`,
      );
    const state = await conversations.get(id);
    const summary = incidentSummary(state, await new AuditLog(redis, prefix).recent(2000));
    io.out(output === 'json' ? JSON.stringify(summary, null, 2) : incidentMarkdown(summary));
    return 0;
  } finally {
    redis.disconnect();
  }
}
