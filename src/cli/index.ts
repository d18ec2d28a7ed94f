// The terminal entry: `kubemedic diagnose <target>`, the same engine as the bot; `checks` and
// `audit` say what it looks at and what it changed.
import { ClusterUnreachableError, KubeApi } from '../cluster/client.js';
import { DumpError, snapshotFromFiles } from '../cluster/from-file.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { TargetError, parseTarget } from '../diagnosis/target.js';
import type { Report } from '../diagnosis/types.js';
import { diagnoseLive } from '../engine.js';
import { redact, redactDeep } from '../redact.js';
import { type CliIO, OUTPUT_OPTION, UsageError, outputFormat, parseTargetArgs } from './args.js';
import { auditCommand } from './audit.js';
import { checksCommand } from './checks.js';
import { LINT_USAGE, lintCommand } from './lint.js';
import { COLOR, PLAIN, renderText } from './render-text.js';

export const USAGE = `Usage:
  kubemedic diagnose <target> [-n NAMESPACE] [--context NAME] [--kubeconfig PATH]
                              [--from-file DUMP.json ...] [--output text|json]
  kubemedic checks [--output text|json]
  kubemedic audit [--limit N] [--redis URL] [--prefix PREFIX] [--output text|json]
${LINT_USAGE}

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

/** The CLI's output with the redactor on every line; `raw` for text redacted before it was made. */
interface RedactingIO extends CliIO {
  raw: (s: string) => void;
}

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
        return await diagnoseCommand(rest, io);
      case 'checks':
        return checksCommand(rest, io);
      case 'audit':
        return await auditCommand(rest, io);
      case 'lint':
        return await lintCommand(rest, io);
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
    if (
      err instanceof TargetError ||
      err instanceof DumpError ||
      err instanceof ClusterUnreachableError
    ) {
      io.err(`kubemedic: ${err.message}`);
      return 2;
    }
    io.err(`kubemedic: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

async function diagnoseCommand(args: string[], io: RedactingIO): Promise<number> {
  const { target, values } = parseTargetArgs(args, {
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    'from-file': { type: 'string', short: 'f', multiple: true },
    ...OUTPUT_OPTION,
  });
  const output = outputFormat(values.output);
  const report = await produceReport(target, values);
  // JSON is redacted as an object (every string in it), never as text: a replacement inside a
  // serialised string could break the document.
  if (output === 'json') io.raw(JSON.stringify(redactDeep(report), null, 2));
  else io.out(renderText(report, io.isTTY ? COLOR : PLAIN));
  return report.findings.some((f) => f.severity === 'critical') ? 1 : 0;
}

async function produceReport(
  targetText: string,
  o: {
    namespace?: string;
    context?: string;
    kubeconfig?: string;
    cluster?: string;
    'from-file'?: string[];
  },
): Promise<Report> {
  const started = Date.now();
  if (o['from-file']?.length) {
    const target = parseTarget(targetText, o.namespace, o.cluster ?? 'from-file');
    const snapshot = await snapshotFromFiles(o['from-file']);
    return diagnose(snapshot, target, { startedAt: started });
  }
  const api = KubeApi.fromOptions({ kubeconfig: o.kubeconfig, context: o.context });
  try {
    const namespace = o.namespace ?? api.defaultNamespace;
    const target = parseTarget(targetText, namespace, o.cluster ?? api.contextName);
    return await diagnoseLive(api, target, started);
  } finally {
    api.close();
  }
}
