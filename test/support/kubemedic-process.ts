// kubemedic as a process of its own (`node src/main.ts`, as `npm start` runs it) with the given
// environment only: for suites where a hub and its agents are separate processes that can be
// killed and restarted.
import { type ChildProcess, spawn } from 'node:child_process';
import { repoRoot, waitFor } from './cluster.js';

export interface KubemedicProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote so far. */
  output(): string;
  /** SIGTERM (clean stop) or SIGKILL (a crash); resolves once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startKubemedic(env: Record<string, string>): Promise<KubemedicProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
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
      if (exit) throw new Error(`kubemedic exited at start-up (${exit}): ${out}`);
      return /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1];
    },
    90_000,
  );
  return {
    url,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (exit) return;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
