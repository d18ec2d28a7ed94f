// Console mode's keyboard: what a person would type in Slack, typed at a prompt. `/diagnose ...`
// (or `/kubemedic diagnose ...`) goes through the same handler as the slash command, and
// `approve N` / `reject N` / `undo N` press the buttons of card N as the console printed it, and
// `show N` presses its *Show full command*.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { log, reasonOf } from '../log.js';
import { jobId } from '../queue/jobs.js';
import type { WorkQueues } from '../queue/queues.js';
import type { PlanStore } from '../remediation/plan-store.js';
import { showFullCommand } from './actions/remediation.js';
import { ACTION_IDS } from './blocks/plan-card.js';
import { blocksToPlainText } from './blocks/plain.js';
import { handleDiagnoseCommand } from './commands/diagnose.js';
import type { ConsolePoster } from './poster.js';

/** The console's person: a Slack-shaped user id, so KUBEMEDIC_APPROVERS can name it. */
export const CONSOLE_USER = 'UCONSOLE';

export const CONSOLE_HELP = [
  'Type what you would type in Slack:',
  '  /diagnose api-service [-n NAMESPACE]   diagnose a Service (or deploy/NAME, pod/NAME, ...)',
  '  approve N | reject N | undo N          press a button of card N',
  '  show N                                 the full kubectl command of card N',
  '  help                                   this text',
].join('\n');

export interface ConsoleDeps {
  input: Readable;
  write: (text: string) => void;
  queues: WorkQueues;
  poster: ConsolePoster;
  /** Where plans live, for `show N`. */
  plans?: PlanStore;
  clusterName: string;
  channel: string;
}

function plain(mrkdwn: string): string {
  return blocksToPlainText([{ type: 'section', text: { type: 'mrkdwn', text: mrkdwn } }]);
}

/** Handles one typed line; resolves once its work is queued. */
export async function consoleLine(line: string, deps: ConsoleDeps): Promise<void> {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  if (!first) return;
  const say = (text: string) => deps.write(`${text}\n`);
  if (first === '/diagnose' || (first === '/kubemedic' && rest[0] === 'diagnose')) {
    const text = (first === '/diagnose' ? rest : rest.slice(1)).join(' ');
    const reply = handleDiagnoseCommand(
      { text, channel: deps.channel, user: CONSOLE_USER, userName: 'you' },
      { queues: deps.queues, poster: deps.poster, clusterName: deps.clusterName },
    );
    say(plain(reply.ack));
    await reply.enqueue?.();
    return;
  }
  const verb = first.toLowerCase();
  if (verb === 'show' && deps.plans) {
    const n = Number(rest[0]);
    const card = Number.isInteger(n) ? deps.poster.card(n) : undefined;
    if (!card) {
      say(`No card ${rest[0] ?? ''} yet: cards are numbered as printed, e.g. "show 1".`);
      return;
    }
    // The same click Slack would send, answered the same way (to this person alone).
    await showFullCommand(
      {
        type: 'block_actions',
        user: { id: CONSOLE_USER },
        channel: { id: card.channel },
        actions: [{ action_id: ACTION_IDS.showCommand, value: card.planId }],
      },
      { plans: deps.plans, poster: deps.poster },
    );
    return;
  }
  if (verb === 'approve' || verb === 'reject' || verb === 'undo') {
    const n = Number(rest[0]);
    const card = Number.isInteger(n) ? deps.poster.card(n) : undefined;
    if (!card) {
      say(`No card ${rest[0] ?? ''} yet: cards are numbered as printed, e.g. "${verb} 1".`);
      return;
    }
    await deps.queues.remediate(
      {
        action: verb,
        planId: card.planId,
        userId: CONSOLE_USER,
        userName: 'you',
        channel: card.channel,
        messageTs: card.ts,
      },
      jobId('r', card.planId, verb, CONSOLE_USER, String(Date.now())),
    );
    say(`${verb} card ${n}: queued`);
    return;
  }
  say(CONSOLE_HELP);
}

/** Reads lines until the input ends; a failed line is told, never fatal. */
export function startConsoleInput(deps: ConsoleDeps): { close(): void } {
  const rl = createInterface({ input: deps.input, terminal: false });
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    // One line at a time, in order: `approve 1` typed fast after `/diagnose` waits its turn.
    chain = chain.then(() =>
      consoleLine(line, deps).catch((err: unknown) => {
        log.warn({ err: reasonOf(err) }, 'console line failed');
        deps.write(`Could not do that: ${reasonOf(err)}\n`);
      }),
    );
  });
  return { close: () => rl.close() };
}
