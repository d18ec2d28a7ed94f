// The CLI run in-process as a user runs it (runCli, not a terminal), with what it printed.
import { runCli } from '../../src/cli/index.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `kubemedic <argv>`; stdout and stderr lines joined with newlines. */
export async function cli(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    isTTY: false,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
