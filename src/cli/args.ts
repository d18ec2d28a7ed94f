// The diagnose grammar shared by the terminal (`kubemedic diagnose`) and Slack (`/diagnose`):
// one target, `-n/--namespace`, `--cluster`, parsed by node's parseArgs with the same errors
// in both places. The CLI adds its own options (kubeconfig, files, output) on top; its other
// commands (checks, audit) parse their options and --output here too.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where a command writes: stdout and stderr lines, and whether stdout is a terminal (colour). */
export interface CliIO {
  out: (s: string) => void;
  err: (s: string) => void;
  isTTY: boolean;
}

/** The CLI's output with the redactor on every line; `raw` for text redacted before it was made. */
export interface RedactingIO extends CliIO {
  raw: (s: string) => void;
}

/** Bad words on the command line; `usage` is the command's own usage text, when it has one. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

/** A command could not do its work for a reason the person can act on: exit 2, no usage text. */
export class CommandError extends Error {}

type ErrorClass = abstract new (...args: never[]) => Error;

/** Runs `fn`; an error of one of `userErrors` (what a person can act on: a bad target, an
 *  unreadable file, no cluster) becomes a CommandError: one line and exit 2, no stack trace. */
export async function asCommand<T>(userErrors: ErrorClass[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (userErrors.some((E) => err instanceof E)) throw new CommandError((err as Error).message);
    throw err;
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export const TARGET_OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  cluster: { type: 'string' },
} as const satisfies Options;

/** node's parseArgs messages, said the way the usage text says them. */
function usageError(err: unknown, usage?: string): UsageError {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = /'([^']+)'/.exec(message)?.[1];
    return new UsageError(`unknown option ${name ?? message}`, usage);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // "Option '-n, --namespace <value>' argument missing" -> "-n/--namespace needs a value"
    const m = /Option '(?:(-\w)(?:, )?)?(--[\w-]+)?/.exec(message);
    const flags = [m?.[1], m?.[2]].filter(Boolean).join('/');
    return new UsageError(`${flags || 'an option'} needs a value`, usage);
  }
  return new UsageError(message, usage);
}

/** Parses a command's options (no positionals); throws UsageError carrying the command's usage. */
export function parseCommandArgs<const O extends Options>(
  args: string[],
  options: O,
  usage: string,
) {
  return parseCommandLine(args, options, usage, false).values;
}

/** Parses a command's options and positionals; throws UsageError carrying the command's usage. */
export function parseCommandLine<const O extends Options, const P extends boolean = true>(
  args: string[],
  options: O,
  usage?: string,
  allowPositionals: P = true as P,
) {
  try {
    return parseArgs({ args, allowPositionals, strict: true, options });
  } catch (err) {
    throw usageError(err, usage);
  }
}

export const OUTPUT_OPTION = { output: { type: 'string', short: 'o', default: 'text' } } as const;

/** The `--output` value, one of `formats` (text or json unless given); else a UsageError. */
export function outputFormat<const F extends string = 'text' | 'json'>(
  output: string | undefined,
  usage?: string,
  formats: readonly F[] = ['text', 'json'] as unknown as readonly F[],
): F {
  if ((formats as readonly (string | undefined)[]).includes(output)) return output as F;
  const words = `${formats.slice(0, -1).join(', ')} or ${formats.at(-1)}`;
  throw new UsageError(`--output must be ${words}, not "${output}"`, usage);
}

/** Parses `<target> [-n NAMESPACE] [--cluster NAME]` plus `extra` options; throws UsageError. */
export function parseTargetArgs<const O extends Options>(args: string[], extra: O) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...TARGET_OPTIONS, ...extra },
    });
  } catch (err) {
    throw usageError(err);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length
        ? `one target expected, got "${positionals.join(' ')}"`
        : 'no target given',
    );
  return { target: positionals[0] as string, values };
}

/** The package's version: package.json above this file (src/cli/ or dist/cli/bundle/). */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'kubemedic' && pkg.version) return pkg.version;
  }
  return 'unknown';
}
