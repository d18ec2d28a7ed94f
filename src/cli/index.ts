// The terminal entry: `kubemedic diagnose <target>`, the same engine as the bot; `checks` and
// `audit` say what it looks at and what it changed, `lint` judges manifests before deploy.
// A command's modules are imported when it runs, so `--help` loads next to nothing, `diagnose`
// does not load Redis, and `audit` does not load the diagnosis.
import { redact } from '../redact.js';
import { type CliIO, CommandError, type RedactingIO, UsageError, version } from './args.js';

export const DIAGNOSE_USAGE = `Usage:
  kubemedic diagnose <target> [-n NAMESPACE] [--context NAME] [--kubeconfig PATH]
                              [--from-file DUMP ...] [-o text|json|yaml] [--full-commands]

Targets: NAME (a Service), svc/NAME, deploy/NAME, ingress/NAME, httproute/NAME, pod/NAME, namespace/NAME.
--from-file reads what \`kubectl get ... -o json\` or \`-o yaml\` prints (a List, single objects,
several YAML documents); repeat it for several files (an object in two files counts once).
Exit codes: 0 no critical finding, 1 critical findings, 2 usage error, unknown target (the
nearest names are listed) or no cluster to read. The JSON/YAML report follows
schema/report.schema.json. A fix whose kubectl command is long (a whole container spec) is shown
as the fields it changes; --full-commands prints every command in full.`;

export const LINT_USAGE = `Usage:
  kubemedic lint [FILE|DIR|-]... [-n NAMESPACE] [--output text|json|sarif|junit]
                 [--fail-on critical|warning|info] [--ignore ID,...]
                 [--cluster [--context NAME] [--kubeconfig PATH]]

Runs the checks judgeable from manifests on rendered YAML/JSON (files, directories, - for stdin:
\`helm template ... | kubemedic lint -\`). Exit codes: 0 clean, 1 findings at or above --fail-on
(default critical), 2 unreadable input. Annotate an object kubemedic.io/ignore: ID,... to
silence it.`;

export const USAGE = `Usage:
  kubemedic diagnose <target> [-n NAMESPACE] [--context NAME] [--kubeconfig PATH]
                              [--from-file DUMP ...] [-o text|json|yaml] [--full-commands]
  kubemedic checks [--output text|json]
  kubemedic audit [--limit N] [--redis URL] [--prefix PREFIX] [--output text|json]
  kubemedic incident export <THREAD_TS | GROUP_KEY> [--channel ID] [--redis URL]
                            [--prefix PREFIX] [--output markdown|json]
  kubemedic lint [FILE|DIR|-]... [-n NAMESPACE] [--output text|json|sarif|junit]
                 [--fail-on critical|warning|info] [--ignore ID,...]
                 [--cluster [--context NAME] [--kubeconfig PATH]]
  kubemedic completion bash|zsh|fish

Targets: NAME (a Service), svc/NAME, deploy/NAME, ingress/NAME, httproute/NAME, pod/NAME, namespace/NAME.
--from-file reads what \`kubectl get ... -o json\` or \`-o yaml\` prints (a List, or single objects);
repeat it for several files. Exit codes: 0 no critical finding, 1 critical findings, 2 usage error,
unknown target or connection error.
Every command takes --help. --version prints the version. Colour: on a terminal unless NO_COLOR is
set; --color=always|never|auto overrides (--no-color is never).
\`checks\` lists what kubemedic checks and the fixes it may offer.
\`audit\` lists the newest remediation audit entries (who approved what, the diff, the outcome).
\`incident export\` writes an incident's summary (duration, time to diagnose and to fix, root cause,
the fix and its approver, the timeline) as Markdown for the postmortem.
\`lint\` runs the checks judgeable from manifests on rendered YAML/JSON (files, directories, - for
stdin: \`helm template ... | kubemedic lint -\`); it exits 1 on findings at or above --fail-on
(default critical), 2 on unreadable input. Annotate an object kubemedic.io/ignore: ID,... to silence it.
\`completion\` prints a shell completion script: source <(kubemedic completion bash).`;

const defaultIO: CliIO = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  isTTY: Boolean(process.stdout.isTTY),
};

export { type CliIO, UsageError, version };

/**
 * Takes --color[=always|never|auto] and --no-color out of argv (any command, any place) and
 * decides: NO_COLOR (https://no-color.org) or a dumb terminal turn colour off unless asked for.
 */
export function colorChoice(
  argv: string[],
  isTTY: boolean,
  env: NodeJS.ProcessEnv = process.env,
): { argv: string[]; color: boolean } {
  let choice = 'auto';
  const rest: string[] = [];
  for (const a of argv) {
    if (a === '--color') choice = 'always';
    else if (a === '--no-color') choice = 'never';
    else if (a.startsWith('--color=')) choice = a.slice('--color='.length);
    else rest.push(a);
  }
  if (!['always', 'never', 'auto'].includes(choice))
    throw new UsageError(`--color must be always, never or auto, not "${choice}"`);
  const auto = isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
  return { argv: rest, color: choice === 'always' || (choice === 'auto' && auto) };
}

/** Each command's own usage, for `kubemedic COMMAND --help` (loaded only when asked for). */
async function commandUsage(command: string): Promise<string | undefined> {
  switch (command) {
    case 'diagnose':
      return DIAGNOSE_USAGE;
    case 'checks':
      return (await import('./checks.js')).CHECKS_USAGE;
    case 'audit':
      return (await import('./audit.js')).AUDIT_USAGE;
    case 'incident':
      return (await import('./incident.js')).INCIDENT_USAGE;
    case 'lint':
      return LINT_USAGE;
    case 'completion':
      return (await import('./completion.js')).COMPLETION_USAGE;
    default:
      return undefined;
  }
}

export async function runCli(argv: string[], given: CliIO = defaultIO): Promise<number> {
  let picked;
  try {
    picked = colorChoice(argv, given.isTTY);
  } catch (err) {
    given.err(`kubemedic: ${(err as Error).message}`);
    return 2;
  }
  // Terminal output leaves the process too: the one redactor runs on every line written.
  // `isTTY` from here on means "colour wanted", which is what the commands use it for.
  const io: RedactingIO = {
    out: (s) => given.out(redact(s)),
    err: (s) => given.err(redact(s)),
    raw: (s) => given.out(s),
    isTTY: picked.color,
  };
  const [command, ...rest] = picked.argv;
  try {
    if (command === '--version' || command === '-V' || command === 'version') {
      io.out(`kubemedic ${version()}`);
      return 0;
    }
    if (command && (rest.includes('--help') || rest.includes('-h'))) {
      const usage = await commandUsage(command);
      if (usage) {
        io.out(usage);
        return 0;
      }
    }
    switch (command) {
      case 'diagnose':
        return await (await import('./diagnose.js')).diagnoseCommand(rest, io);
      case 'checks':
        return (await import('./checks.js')).checksCommand(rest, io);
      case 'audit':
        return await (await import('./audit.js')).auditCommand(rest, io);
      case 'incident':
        return await (await import('./incident.js')).incidentCommand(rest, io);
      case 'lint':
        return await (await import('./lint.js')).lintCommand(rest, io);
      case 'completion':
        return (await import('./completion.js')).completionCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`kubemedic: ${err.message}\n\n${err.usage ?? USAGE}`);
      return 2;
    }
    if (err instanceof CommandError) {
      io.err(`kubemedic: ${err.message}`);
      return 2;
    }
    io.err(`kubemedic: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
