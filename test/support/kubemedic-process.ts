// kubemedic as a process of its own (`node src/main.ts`, as `npm start` runs it) with the given
// environment only: for suites where a hub and its agents are separate processes that can be
// killed and restarted, and for the bot whose request edge is tested as a process
// (bot-process.ts), so that a request that kills it is seen as an exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { repoRoot, waitFor } from './cluster.js';

export interface KubemedicProcess {
  url: string;
  child: ChildProcess;
  /** What it wrote so far, stream by stream. */
  out: { stdout: string; stderr: string };
  /** Everything it wrote so far. */
  output(): string;
  /** Set once the process has exited: its code or signal. */
  exit(): string | undefined;
  /** SIGTERM (clean stop) or SIGKILL (a crash); resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The start-up log line of any mode, with the URL it listens on. */
const STARTED = /"url":"(http:\/\/[^"]+)"/;

export async function startKubemedic(
  env: Record<string, string>,
  opts: { started?: RegExp; timeoutMs?: number } = {},
): Promise<KubemedicProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const output = () => out.stdout + out.stderr;
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
      if (exit) throw new Error(`kubemedic exited at start-up (${exit}): ${output()}`);
      return (opts.started ?? STARTED).exec(out.stdout)?.[1];
    },
    opts.timeoutMs ?? 90_000,
  );
  return {
    url,
    child,
    out,
    output,
    exit: () => exit,
    async stop(signal = 'SIGTERM') {
      if (exit) return;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
