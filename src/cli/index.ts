// The terminal entry: `kubemedic diagnose <target>`, the same engine as the bot; `checks` and
// `audit` say what it looks at and what it changed, `lint` judges manifests before deploy.
// A command's modules are imported when it runs, so `--help` loads next to nothing, `diagnose`
// does not load Redis, and `audit` does not load the diagnosis.
import { redact } from '../redact.js';
import { type CliIO, CommandError, type RedactingIO, UsageError } from './args.js';

export const USAGE = `Usage:
  kubemedic diagnose <target> [-n NAMESPACE] [--context NAME] [--kubeconfig PATH]
                              [--from-file DUMP.json ...] [--output text|json]
  kubemedic checks [--output text|json]
  kubemedic audit [--limit N] [--redis URL] [--prefix PREFIX] [--output text|json]
  kubemedic lint [FILE|DIR|-]... [-n NAMESPACE] [--output text|json|sarif|junit]
                 [--fail-on critical|warning|info] [--ignore ID,...]
                 [--cluster [--context NAME] [--kubeconfig PATH]]

Targets: NAME (a Service), svc/NAME, deploy/NAME, ingress/NAME, httproute/NAME, pod/NAME, namespace/NAME.
--from-file reads what \`kubectl get ... -o json\` prints (a List, or single objects); repeat it
for several files. Exit codes: 0 no critical finding, 1 critical findings, 2 usage or connection error.
\`checks\` lists what kubemedic checks and the fixes it may offer.
\`audit\` lists the newest remediation audit entries (who approved what, the diff, the outcome).
\`lint\` runs the checks judgeable from manifests on rendered YAML/JSON (files, directories, - for
stdin: \`helm template ... | kubemedic lint -\`); it exits 1 on findings at or above --fail-on
(default critical), 2 on unreadable input. Annotate an object kubemedic.io/ignore: ID,... to silence it.`;

const defaultIO: CliIO = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  isTTY: Boolean(process.stdout.isTTY),
};

export { type CliIO, UsageError };

export async function runCli(argv: string[], given: CliIO = defaultIO): Promise<number> {
  // Terminal output leaves the process too: the one redactor runs on every line written.
  const io: RedactingIO = {
    out: (s) => given.out(redact(s)),
    err: (s) => given.err(redact(s)),
    raw: (s) => given.out(s),
    isTTY: given.isTTY,
  };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'diagnose':
        return await (await import('./diagnose.js')).diagnoseCommand(rest, io);
      case 'checks':
        return (await import('./checks.js')).checksCommand(rest, io);
      case 'audit':
        return await (await import('./audit.js')).auditCommand(rest, io);
      case 'lint':
        return await (await import('./lint.js')).lintCommand(rest, io);
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
