// `/diagnose <target> [-n namespace]` (and `/kubemedic diagnose ...`), the CLI's grammar
// (cli/args.ts): validates, queues the
// diagnosis and acks at once with an ephemeral "Diagnosing…". Never talks to the cluster.
import type { App } from '@slack/bolt';
import { UsageError, parseTargetArgs } from '../../cli/args.js';
import { TargetError, describeTarget, parseTarget } from '../../diagnosis/target.js';
import { log, reasonOf } from '../../log.js';
import { escapeMrkdwn } from '../blocks/text.js';
import type { WorkQueues } from '../../queue/queues.js';
import type { SlackPoster } from '../poster.js';
import type { TargetRef } from '../thread-state.js';

export const USAGE = [
  '*Usage:* `/diagnose <target> [-n <namespace>] [--logs]`',
  'Targets: `NAME` (a Service), `svc/NAME`, `deploy/NAME`, `ingress/NAME`, `httproute/NAME`, `pod/NAME`, `namespace/NAME`.',
  "`--logs` also reads the running pods' recent error lines and the dependencies they name.",
  'Example: `/diagnose api-service -n prod`. The answer arrives in a thread in this channel.',
].join('\n');

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
        ...(parsed.logs ? { logs: true } : {}),
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

/** The slash commands kubemedic serves (the request front door lets only these through). */
export const SLASH_COMMANDS = ['/diagnose', '/kubemedic'] as const;

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
