// `/diagnose <target> [-n namespace]` (and `/kubemedic diagnose ...`): validates, queues the
// diagnosis and acks at once with an ephemeral "Diagnosing…". Never talks to the cluster.
import type { App } from '@slack/bolt';
import { TargetError, describeTarget, parseTarget } from '../../diagnosis/target.js';
import { log, reasonOf } from '../../log.js';
import { escapeMrkdwn } from '../blocks/text.js';
import type { WorkQueues } from '../../queue/queues.js';
import type { SlackPoster } from '../poster.js';
import type { TargetRef } from '../thread-state.js';

export const USAGE = [
  '*Usage:* `/diagnose <target> [-n <namespace>]`',
  'Targets: `NAME` (a Service), `svc/NAME`, `deploy/NAME`, `ingress/NAME`, `httproute/NAME`, `pod/NAME`, `namespace/NAME`.',
  'Example: `/diagnose api-service -n prod`. The answer arrives in a thread in this channel.',
].join('\n');

export class UsageError extends Error {}

export type ParsedCommand = { kind: 'help' } | { kind: 'diagnose'; target: TargetRef };

/** Parses the command text; throws UsageError or TargetError with what to fix. */
export function parseDiagnoseText(text: string, cluster: string): ParsedCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) throw new UsageError('no target given');
  if (['help', '-h', '--help'].includes(words[0] as string)) return { kind: 'help' };
  let namespace: string | undefined;
  let clusterAsked: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const [flag, inline] = w.startsWith('-') ? w.split(/=(.*)/s, 2) : [w, undefined];
    const value = (): string => {
      const v = inline ?? words[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-n':
      case '--namespace':
        namespace = value();
        break;
      case '--cluster':
        clusterAsked = value();
        break;
      default:
        if (w.startsWith('-')) throw new UsageError(`unknown option ${flag}`);
        positional.push(w);
    }
  }
  if (positional.length !== 1)
    throw new UsageError(
      positional.length ? `one target expected, got "${positional.join(' ')}"` : 'no target given',
    );
  if (clusterAsked !== undefined && clusterAsked !== cluster)
    throw new UsageError(`this kubemedic serves cluster "${cluster}", not "${clusterAsked}"`);
  const target = parseTarget(positional[0] as string, namespace, cluster);
  return { kind: 'diagnose', target };
}

export interface CommandDeps {
  queues: WorkQueues;
  poster: SlackPoster;
  clusterName: string;
}

export interface CommandInput {
  text: string;
  channel: string;
  user: string;
  userName?: string;
}

/** What the requester sees at once (the ack), and the work to queue right after it. */
export interface CommandReply {
  ack: string;
  enqueue?: () => Promise<void>;
}

export const QUEUE_DOWN =
  ':warning: kubemedic could not queue that diagnosis: its Redis is unreachable. Nothing was started; please try again in a minute.';

export function handleDiagnoseCommand(input: CommandInput, deps: CommandDeps): CommandReply {
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
      });
    },
  };
}

/**
 * Acks first (Slack waits for nothing else), then queues. If the queue refuses, the requester
 * is told straight through the Web API, since the queue that would carry the message is down.
 */
async function answer(
  reply: CommandReply,
  input: CommandInput,
  ack: (r: { response_type: 'ephemeral'; text: string }) => Promise<void>,
  deps: CommandDeps,
): Promise<void> {
  await ack({ response_type: 'ephemeral', text: reply.ack });
  if (!reply.enqueue) return;
  try {
    await reply.enqueue();
  } catch (err) {
    log.error({ err: reasonOf(err), text: input.text }, 'could not queue a diagnosis');
    await deps.poster
      .postEphemeral({ channel: input.channel, user: input.user, text: QUEUE_DOWN })
      .catch((e: unknown) =>
        log.error({ err: reasonOf(e) }, 'could not tell the requester either'),
      );
  }
}

export function registerDiagnoseCommands(app: App, deps: CommandDeps): void {
  const input = (
    text: string,
    c: { channel_id: string; user_id: string; user_name: string },
  ): CommandInput => ({ text, channel: c.channel_id, user: c.user_id, userName: c.user_name });
  app.command('/diagnose', async ({ command, ack }) => {
    const i = input(command.text, command);
    await answer(handleDiagnoseCommand(i, deps), i, ack, deps);
  });
  // The same behind one umbrella command: `/kubemedic diagnose api-service -n prod`.
  app.command('/kubemedic', async ({ command, ack }) => {
    const [sub, ...rest] = command.text.trim().split(/\s+/);
    const i = input(rest.join(' '), command);
    const reply =
      sub === 'diagnose'
        ? handleDiagnoseCommand(i, deps)
        : {
            ack: `:wave: kubemedic finds out why a Service fails.\n${USAGE.replace(/\/diagnose/g, '/kubemedic diagnose')}`,
          };
    await answer(reply, i, ack, deps);
  });
}
