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

/** What the requester sees (the ack), and the work to queue before it is sent. */
export interface CommandReply {
  ack: string;
  enqueue?: () => Promise<void>;
}

export const QUEUE_DOWN =
  ':warning: kubemedic could not queue that diagnosis: its Redis is unreachable. Nothing was started; please try again in a minute.';

export const QUEUE_SLOW =
  ':warning: kubemedic could not confirm that diagnosis was queued: its Redis is not answering. If no thread appears within a minute, please try again.';

/** Slack drops an ack after 3 s: past this, the requester is answered without the queue's word. */
const ENQUEUE_TIMEOUT_MS = 2000;

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
      // "Diagnosing…" only once a replica holds the job too (with Sentinel): see queues.durable.
      await deps.queues.durable();
    },
  };
}

/**
 * Queues, then acks: the ack says "Diagnosing…" only once Redis holds the job, so a crash
 * between the two loses nothing silently (the requester sees no ack and Slack says it failed).
 * If the queue refuses, or does not answer in time, the ack itself says so.
 */
async function answer(
  reply: CommandReply,
  input: CommandInput,
  ack: (r: { response_type: 'ephemeral'; text: string }) => Promise<void>,
): Promise<void> {
  if (!reply.enqueue) return ack({ response_type: 'ephemeral', text: reply.ack });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ENQUEUE_TIMEOUT_MS);
  });
  let text = reply.ack;
  try {
    if ((await Promise.race([reply.enqueue(), timedOut])) === 'timeout') {
      log.error({ text: input.text }, 'queueing a diagnosis did not finish in time');
      text = QUEUE_SLOW;
    }
  } catch (err) {
    log.error({ err: reasonOf(err), text: input.text }, 'could not queue a diagnosis');
    text = QUEUE_DOWN;
  } finally {
    clearTimeout(timer);
  }
  await ack({ response_type: 'ephemeral', text });
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
    await answer(handleDiagnoseCommand(i, deps), i, ack);
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
    await answer(reply, i, ack);
  });
}
