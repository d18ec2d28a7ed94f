// `/diagnose <target> [-n namespace]` (and `/kubemedic diagnose ...`), the CLI's grammar
// (cli/args.ts): validates, queues the
// diagnosis, then acks with an ephemeral "Diagnosing…" (or why it could not be queued). Never
// talks to the cluster.
import type { App } from '@slack/bolt';
import { UsageError, parseTargetArgs } from '../../cli/args.js';
import { TargetError, describeTarget, parseTarget } from '../../diagnosis/target.js';
import { log, reasonOf } from '../../log.js';
import { escapeMrkdwn } from '../blocks/text.js';
import type { WorkQueues } from '../../queue/queues.js';
import { type AgentStatus, type ClusterHub, NoAgentError, seenAt } from '../../queue/clusters.js';
import type { SlackPoster } from '../poster.js';
import type { TargetRef } from '../thread-state.js';

export const USAGE = [
  '*Usage:* `/diagnose <target> [-n <namespace>] [--logs]`',
  'Targets: `NAME` (a Service), `svc/NAME`, `deploy/NAME`, `ingress/NAME`, `httproute/NAME`, `pod/NAME`, `namespace/NAME`.',
  "`--logs` also reads the running pods' recent error lines and the dependencies they name.",
  'Example: `/diagnose api-service -n prod`. The answer arrives in a thread in this channel.',
].join('\n');

/** A hub serves several clusters: `--cluster`, and `/diagnose clusters` to list them. */
export const HUB_USAGE = [
  '*Usage:* `/diagnose <target> [-n <namespace>] [--cluster <name>] [--logs]`, or `/diagnose clusters`',
  ...USAGE.split('\n').slice(1, 3),
  "Without `--cluster`: the channel's cluster, or the only one there is. `/diagnose clusters` lists the clusters and their agents.",
  'Example: `/diagnose api-service -n prod --cluster prod-eu`. The answer arrives in a thread in this channel.',
].join('\n');

const CLUSTER_NAME = /^[a-z0-9][-a-z0-9.]{0,62}$/i;

export { UsageError };

export type ParsedCommand =
  { kind: 'help' } | { kind: 'diagnose'; target: TargetRef; logs: boolean };

/** Parses the command text (the CLI's grammar); throws UsageError or TargetError with what to fix. */
export function parseDiagnoseText(text: string, cluster: string): ParsedCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (['help', '-h', '--help'].includes(words[0] as string)) return { kind: 'help' };
  const { target, values } = parseTargetArgs(words, { logs: { type: 'boolean' } });
  if (values.cluster !== undefined && values.cluster !== cluster)
    throw new UsageError(`this kubemedic serves cluster "${cluster}", not "${values.cluster}"`);
  return {
    kind: 'diagnose',
    target: parseTarget(target, values.namespace, cluster),
    logs: values.logs === true,
  };
}

/** A hub's routing: which cluster a command means, and the clusters' queues. */
export interface ClusterRouting {
  /** Channel id or #name -> default cluster (KUBEMEDIC_CHANNEL_CLUSTERS). */
  channelDefaults: Record<string, string>;
  hub: Pick<ClusterHub, 'list' | 'requestDiagnosis'>;
}

export interface CommandDeps {
  queues: WorkQueues;
  poster: SlackPoster;
  clusterName: string;
  /** Set on a hub: jobs go to the named cluster's agent. */
  routing?: ClusterRouting;
}

export interface CommandInput {
  text: string;
  channel: string;
  user: string;
  userName?: string;
  /** The channel's name without `#` (Slack sends it with a slash command). */
  channelName?: string;
}

/** What the requester sees (the ack), and the work to queue before it is sent. */
export interface CommandReply {
  ack: string;
  /** Queues the work; a string it returns is the ack instead (a question, or why not). */
  enqueue?: () => Promise<string | void>;
}

export const QUEUE_DOWN =
  ':warning: kubemedic could not queue that diagnosis: its Redis is unreachable. Nothing was started; please try again in a minute.';

export const QUEUE_SLOW =
  ':warning: kubemedic could not confirm that diagnosis was queued: its Redis is not answering. If no thread appears within a minute, please try again.';

/** Slack drops an ack after 3 s: past this, the requester is answered without the queue's word. */
const ENQUEUE_TIMEOUT_MS = 2000;

function clusterLine(s: AgentStatus): string {
  const name = `\`${escapeMrkdwn(s.cluster)}\``;
  const seen = s.lastSeen ? seenAt(s.lastSeen) : 'never';
  if (!s.online || !s.info) return `• ${name}: *no agent* (last seen ${seen})`;
  const i = s.info;
  const k8s = i.kubernetesVersion ? `, Kubernetes ${escapeMrkdwn(i.kubernetesVersion)}` : '';
  const skipped = i.capabilities.skippedChecks.length
    ? ` (${i.capabilities.skippedChecks.length} skipped: no read access)`
    : '';
  return `• ${name}: online, kubemedic ${escapeMrkdwn(i.version)}${k8s}; ${i.capabilities.checks.length} checks${skipped}, ${i.capabilities.fixes.length} fixes it may apply; last seen ${seen}`;
}

export function clustersText(all: AgentStatus[]): string {
  if (all.length === 0)
    return 'No cluster has an agent yet: install kubemedic with `mode: agent` in each cluster (see the README).';
  return [`*Clusters* (${all.length}):`, ...all.map(clusterLine)].join('\n');
}

function hubCommand(input: CommandInput, routing: ClusterRouting): CommandReply {
  const words = input.text.trim().split(/\s+/).filter(Boolean);
  if (['help', '-h', '--help'].includes(words[0] as string)) return { ack: HUB_USAGE };
  if (words.length === 1 && words[0] === 'clusters')
    return { ack: '', enqueue: async () => clustersText(await routing.hub.list()) };
  let target: string;
  let values: { namespace?: string; cluster?: string; logs?: boolean };
  try {
    ({ target, values } = parseTargetArgs(words, { logs: { type: 'boolean' } }));
    if (values.cluster !== undefined && !CLUSTER_NAME.test(values.cluster))
      throw new UsageError(`"${values.cluster}" is not a cluster name (letters, digits, - and .)`);
    // The target's syntax is checked before any cluster is chosen.
    parseTarget(target, values.namespace, 'any');
  } catch (err) {
    if (err instanceof UsageError || err instanceof TargetError)
      return { ack: `:warning: ${escapeMrkdwn(err.message)}\n${HUB_USAGE}` };
    throw err;
  }
  return {
    ack: '',
    enqueue: async () => {
      let cluster =
        values.cluster ??
        routing.channelDefaults[input.channel] ??
        (input.channelName ? routing.channelDefaults[`#${input.channelName}`] : undefined);
      if (!cluster) {
        const all = await routing.hub.list();
        if (all.length !== 1)
          return all.length === 0
            ? clustersText(all)
            : `Which cluster? Add \`--cluster NAME\`, e.g. \`/diagnose ${escapeMrkdwn(input.text.trim())} --cluster ${escapeMrkdwn(all[0]?.cluster ?? '')}\`.\n${clustersText(all)}`;
        cluster = (all[0] as AgentStatus).cluster;
      }
      const t = parseTarget(target, values.namespace, cluster);
      try {
        await routing.hub.requestDiagnosis(t, {
          kind: 'command',
          channel: input.channel,
          user: input.user,
          userName: input.userName,
          ...(values.logs ? { logs: true } : {}),
        });
      } catch (err) {
        if (err instanceof NoAgentError) return `:warning: ${escapeMrkdwn(err.message)}`;
        throw err;
      }
      const where = t.namespace ? ` in namespace *${t.namespace}*` : '';
      return `:mag: Diagnosing *${describeTarget(t)}*${where} of cluster *${escapeMrkdwn(cluster)}*… The answer will appear in this channel, in a thread.`;
    },
  };
}

export function handleDiagnoseCommand(input: CommandInput, deps: CommandDeps): CommandReply {
  if (deps.routing) return hubCommand(input, deps.routing);
  let parsed: ParsedCommand;
  try {
    parsed = parseDiagnoseText(input.text, deps.clusterName);
  } catch (err) {
    if (err instanceof UsageError || err instanceof TargetError)
      return { ack: `:warning: ${escapeMrkdwn(err.message)}\n${USAGE}` };
    throw err;
  }
  if (parsed.kind === 'help') return { ack: USAGE };
  const { target } = parsed;
  const where = target.namespace ? ` in namespace *${target.namespace}*` : '';
  return {
    ack: `:mag: Diagnosing *${describeTarget(target)}*${where}… The answer will appear in this channel, in a thread.`,
    enqueue: async () => {
      await deps.queues.requestDiagnosis(target, {
        kind: 'command',
        channel: input.channel,
        user: input.user,
        userName: input.userName,
        ...(parsed.logs ? { logs: true } : {}),
      });
      // "Diagnosing…" only once a replica holds the job too (with Sentinel): see queues.durable.
      await deps.queues.durable();
    },
  };
}

/**
 * Queues, then acks: the ack says "Diagnosing…" only once Redis holds the job, so a crash
 * between the two loses nothing silently (the requester sees no ack and Slack says it failed).
 * If the queue refuses, or does not answer in time, the ack itself says so. Resolves with the
 * ack's text.
 */
async function answer(reply: CommandReply, input: CommandInput): Promise<string> {
  if (!reply.enqueue) return reply.ack;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ENQUEUE_TIMEOUT_MS);
  });
  try {
    const done = await Promise.race([reply.enqueue(), timedOut]);
    if (done === 'timeout') {
      log.error({ text: input.text }, 'queueing a diagnosis did not finish in time');
      return QUEUE_SLOW;
    }
    return typeof done === 'string' ? done : reply.ack;
  } catch (err) {
    log.error({ err: reasonOf(err), text: input.text }, 'could not queue a diagnosis');
    return QUEUE_DOWN;
  } finally {
    clearTimeout(timer);
  }
}

/** The slash commands kubemedic serves (the request front door lets only these through). */
export const SLASH_COMMANDS = ['/diagnose', '/kubemedic'] as const;

/** The fields of a slash command kubemedic reads. */
export interface SlashCommandFields {
  command: string;
  text: string;
  channel_id: string;
  user_id: string;
  user_name: string;
  channel_name?: string;
}

/**
 * Answers `/diagnose ...` or `/kubemedic diagnose ...` (the same behind one umbrella command);
 * resolves with the ephemeral ack's text once any diagnosis it asks for is queued.
 */
export function answerSlashCommand(c: SlashCommandFields, deps: CommandDeps): Promise<string> {
  const input = (text: string): CommandInput => ({
    text,
    channel: c.channel_id,
    user: c.user_id,
    userName: c.user_name,
    channelName: c.channel_name,
  });
  if (c.command !== '/kubemedic') {
    const i = input(c.text);
    return answer(handleDiagnoseCommand(i, deps), i);
  }
  const [sub, ...rest] = c.text.trim().split(/\s+/);
  const i = input(rest.join(' '));
  const reply =
    sub === 'diagnose'
      ? handleDiagnoseCommand(i, deps)
      : {
          ack: `:wave: kubemedic finds out why a Service fails.\n${(deps.routing ? HUB_USAGE : USAGE).replace(/\/diagnose/g, '/kubemedic diagnose')}`,
        };
  return answer(reply, i);
}

/** Bolt's listeners (Socket Mode; over HTTP the front door calls answerSlashCommand itself). */
export function registerDiagnoseCommands(app: App, deps: CommandDeps): void {
  for (const name of SLASH_COMMANDS)
    app.command(name, async ({ command, ack }) => {
      await ack({ response_type: 'ephemeral', text: await answerSlashCommand(command, deps) });
    });
}
