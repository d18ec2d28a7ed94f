// Whole-process timing for the benches: a command is started, and timed from its spawn to its
// exit, its start-up included, the way a person at a terminal waits for it. Runs alternate with
// a yardstick (`node -e 0`) so that a figure can be read against what node itself costs on the
// machine at that moment; min, median and max are reported, never a single run.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Spread {
  n: number;
  min: number;
  median: number;
  max: number;
}

export function spread(values: number[], digits = 1): Spread {
  const s = [...values].sort((a, b) => a - b);
  const round = (v: number | undefined) => Math.round((v ?? NaN) * 10 ** digits) / 10 ** digits;
  const mid =
    s.length % 2
      ? s[(s.length - 1) >> 1]
      : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
  return { n: s.length, min: round(s[0]), median: round(mid), max: round(s.at(-1)) };
}

/** Runs a command to its end; resolves with its wall time in ms and its exit code. */
export function timeProcess(
  argv: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ ms: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ ms: performance.now() - started, code }));
  });
}

/** Resident memory of a process in MiB, from /proc (Linux, where the benches run). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (10 ms ticks). */
export function cpuMs(pid: number): number {
  // Fields after the command name (which may hold spaces), from the third: utime is the 12th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The live heap of a node process started with `--heapsnapshot-signal=SIGUSR2
 * --diagnostic-dir=DIR`, in MiB: a heap snapshot collects garbage fully before it is taken, so
 * the sum of its objects' sizes is what the process really holds, apart from how much memory V8
 * and malloc keep around for later (which RSS includes and gives back lazily, if at all).
 */
export async function liveHeapMiB(pid: number, dir: string): Promise<number> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  let file: string | undefined;
  let size = -1;
  // Written in one go once collected; done when the name exists and its size stops changing.
  for (let i = 0; i < 600 && file === undefined; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const f = readdirSync(dir).find((n) => n.endsWith('.heapsnapshot') && !before.has(n));
    if (!f) continue;
    const now = statSync(join(dir, f)).size;
    if (now > 0 && now === size) file = f;
    size = now;
  }
  if (!file) throw new Error(`no heap snapshot of ${pid} appeared in ${dir}`);
  const path = join(dir, file);
  const snap = JSON.parse(readFileSync(path, 'utf8')) as {
    snapshot: { meta: { node_fields: string[] } };
    nodes: number[];
  };
  rmSync(path);
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const at = fields.indexOf('self_size');
  let bytes = 0;
  for (let i = at; i < snap.nodes.length; i += width) bytes += snap.nodes[i] ?? 0;
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** Runs a TypeScript file of the benches as a process of its own (through tsx), with IPC. */
export function forkScript(file: string, args: string[] = []): ChildProcess {
  return fork(file, args, {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The child's next IPC message; rejects if it exits first. */
export function nextMessage(child: ChildProcess, what: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`${what} exited (${code})`));
    child.once('exit', exited);
    child.once('message', (m) => {
      child.off('exit', exited);
      resolve(m);
    });
  });
}
