// kubemedic as its own process in HTTP mode (as `npm start` runs it), so that a request that
// kills the process is seen as an exit, not hidden by the test runner. Slack's Web API is the
// fake; the kubeconfig points at a closed port, since what is tested is the request edge.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deletePrefix, testEnv } from './app.js';
import { repoRoot, waitFor } from './cluster.js';
import { FakeSlack } from './fake-slack.js';

export interface BotProcess {
  url: string;
  child: ChildProcess;
  out: { stdout: string; stderr: string };
  /** Set once the process has exited: its code or signal. */
  exit: () => string | undefined;
  stop(): Promise<void>;
}

const NOWHERE_KUBECONFIG = `apiVersion: v1
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
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = `exit code ${code} signal ${signal}`;
      resolve();
    }),
  );
  const url = await waitFor(
    'the start-up log line',
    async () => {
      if (exit) throw new Error(`kubemedic exited at start-up (${exit}): ${out.stderr}`);
      return /"url":"(http:\/\/[^"]+)","mode":"http"/.exec(out.stdout)?.[1];
    },
    60_000,
  );
  return {
    url,
    child,
    out,
    exit: () => exit,
    async stop() {
      if (!exit) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      if (!opts.slack) await slack.close();
      if (!opts.keepKeys) await deletePrefix(prefix);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
