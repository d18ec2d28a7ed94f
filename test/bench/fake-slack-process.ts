// The fake Slack Web API in a process of its own, for the ack bench: the load generator must do
// nothing but send commands and time their acks. In the same process, the fake's handling of the
// bot's posts (an ephemeral per requester) ran on the event loop that timestamps the acks, and
// was measured as ack latency. Started with fork(); answers { url } once listening, and the
// number of Web API calls so far on every 'calls' message.
import { FakeSlack } from '../support/fake-slack.js';
import { forkScript, nextMessage } from './process.js';

export interface FakeSlackProcess {
  url: string;
  calls(): Promise<number>;
  close(): Promise<void>;
}

type Reply = { url: string } | { calls: number };

export async function startFakeSlackProcess(): Promise<FakeSlackProcess> {
  const child = forkScript(import.meta.filename, ['--serve']);
  const next = () => nextMessage(child, 'the fake Slack') as Promise<Reply>;
  const started = (await next()) as { url: string };
  return {
    url: started.url,
    async calls() {
      const reply = next();
      child.send('calls');
      return ((await reply) as { calls: number }).calls;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv.includes('--serve')) {
  const fake = await FakeSlack.start();
  process.on('message', () => process.send?.({ calls: fake.calls.length }));
  process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
  process.send?.({ url: fake.url });
}
