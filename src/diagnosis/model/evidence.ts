// What findings show: commands built from argv and shell-quoted (shell.ts), and times in words.
import { shellJoin } from '../../shell.js';
import type { Evidence } from '../types.js';

/**
 * Evidence: a kubectl command and what it shows. The command is built from its argv and
 * shell-quoted, so names the cluster holds stay single arguments when the command is pasted.
 */
export function evidence(args: readonly string[], output: string): Evidence {
  return shown(['kubectl', ...args], output);
}

/** Any command a finding shows (kubectl or kubemedic), quoted from its argv. */
export function shown(argv: readonly string[], output: string): Evidence {
  return { command: shellJoin(argv), output, argv: [...argv] };
}

export function ago(from: string | undefined, now: Date): string {
  if (!from) return 'at an unknown time';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}
