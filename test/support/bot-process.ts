// kubemedic as its own process in HTTP mode (as `npm start` runs it), so that a request that
// kills the process is seen as an exit, not hidden by the test runner. Slack's Web API is the
// fake; the kubeconfig points at a closed port, since what is tested is the request edge.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deletePrefix, testEnv } from './app.js';
import { FakeSlack } from './fake-slack.js';
import { type KubemedicProcess, startKubemedic } from './kubemedic-process.js';

export interface BotProcess extends KubemedicProcess {
  /** Stops it, then removes its fake Slack (unless shared) and its keys (unless kept). */
  stop(): Promise<void>;
}

/** A kubeconfig whose API server is a closed port: for tests of the request edge, not the cluster. */
export const NOWHERE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: nowhere, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]
users: [{name: nobody, user: {token: none}}]
contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody}}]
current-context: nowhere
`;

export interface BotProcessOptions {
  /** A fake Slack shared with other bots (the caller closes it); default: one of its own. */
  slack?: FakeSlack;
  /** Variables over the test defaults (REDIS_SENTINELS, a real KUBECONFIG, ...). */
  env?: Record<string, string>;
  /** Leave the prefix's keys in Redis at stop (a throwaway Redis, e.g. a Sentinel set). */
  keepKeys?: boolean;
}

export async function startBotProcess(
  prefix: string,
  opts: BotProcessOptions = {},
): Promise<BotProcess> {
  const slack = opts.slack ?? (await FakeSlack.start());
  const dir = mkdtempSync(join(tmpdir(), 'kubemedic-bot-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, NOWHERE_KUBECONFIG);
  const env = testEnv({
    prefix,
    mode: 'http',
    slack,
    env: {
      KUBECONFIG: kubeconfig,
      LOG_LEVEL: 'info',
      KUBEMEDIC_KUBE_TIMEOUT_MS: '1000',
      ...opts.env,
    },
  });
  const bot = await startKubemedic(env, {
    started: /"url":"(http:\/\/[^"]+)","mode":"http"/,
    timeoutMs: 60_000,
  });
  return {
    ...bot,
    async stop() {
      await bot.stop();
      if (!opts.slack) await slack.close();
      if (!opts.keepKeys) await deletePrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
