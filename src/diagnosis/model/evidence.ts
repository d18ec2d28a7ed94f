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

/** One column of `-o custom-columns`: its header, the field path, and the value the object holds. */
export type Column = readonly [header: string, path: string, value: unknown];

/**
 * `-o custom-columns=H:.path,...` and what kubectl prints with it for one object: its tab writer
 * pads every column but the last to its widest cell plus 3 (at least 6); an absent field is
 * `<none>`.
 */
export function customColumns(columns: readonly Column[]): { arg: string; output: string } {
  const cells = columns.map(([h, , v]) => [
    h,
    v === undefined || v === null ? '<none>' : String(v),
  ]);
  const line = (row: number) =>
    cells
      .map((c, i) => {
        const text = c[row] ?? '';
        if (i === cells.length - 1) return text;
        return text.padEnd(Math.max(6, ...c.map((x) => x.length + 3)));
      })
      .join('');
  return {
    arg: `custom-columns=${columns.map(([h, path]) => `${h}:${path}`).join(',')}`,
    output: `${line(0)}\n${line(1)}`,
  };
}

/**
 * A value as `kubectl get -o jsonpath={...}` prints it: a string bare, anything else as JSON with
 * every object's keys sorted (kubectl marshals what it read as maps), nothing for a missing field.
 */
export function jsonpathText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}
