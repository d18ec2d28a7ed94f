// `kubemedic lint [FILE|DIR|-]...`: the static checks on rendered manifests, before deploy.
// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or unreadable input.
import { CHECK_IDS } from '../diagnosis/registry.js';
import type { CheckId, Severity } from '../diagnosis/types.js';
import { failsOn, lint } from '../lint/lint.js';
import {
  LINT_OUTPUTS,
  renderLintJson,
  renderLintJunit,
  renderLintSarif,
  renderLintText,
} from '../lint/output.js';
import { type Located, readInputs } from '../lint/read.js';
import { lintSnapshot } from '../lint/would-be.js';
import { redactDeep } from '../redact.js';
import { ClusterUnreachableError, KubeApiError } from '../cluster/errors.js';
import { DumpError } from '../cluster/from-file.js';
import {
  type RedactingIO,
  UsageError,
  asCommand,
  outputFormat,
  parseCommandLine,
  version,
} from './args.js';
import { COLOR, PLAIN } from './render-text.js';

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parse(args: string[]) {
  return parseCommandLine(args, {
    namespace: { type: 'string', short: 'n', default: 'default' },
    output: { type: 'string', short: 'o', default: 'text' },
    'fail-on': { type: 'string', default: 'critical' },
    ignore: { type: 'string', multiple: true },
    cluster: { type: 'boolean', default: false },
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
  });
}

export async function lintCommand(
  args: string[],
  io: RedactingIO,
  stdin: () => Promise<string> = readStdin,
): Promise<number> {
  const { values, positionals } = parse(args);
  if (positionals.length === 0)
    throw new UsageError('lint needs files, directories, or - to read standard input');
  const output = outputFormat(values.output, undefined, LINT_OUTPUTS);
  const failOn = values['fail-on'] as Severity;
  if (!SEVERITIES.includes(failOn))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, not "${failOn}"`);
  const ignore = (values.ignore ?? []).flatMap((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const unknown = ignore.filter((id) => !(CHECK_IDS as readonly string[]).includes(id));
  if (unknown.length)
    throw new UsageError(`--ignore names unknown check(s): ${unknown.join(', ')}`);
  if (!values.cluster && (values.context || values.kubeconfig))
    throw new UsageError('--context and --kubeconfig need --cluster');

  // Unreadable input and an unreachable cluster are one line and exit 2.
  const { objects, files } = await asCommand([DumpError], () => readInputs(positionals, stdin));
  const live = values.cluster
    ? await asCommand([ClusterUnreachableError, KubeApiError], () =>
        readLive(objects, values.namespace, values.kubeconfig, values.context),
      )
    : undefined;
  const result = lint(objects, files, {
    namespace: values.namespace,
    ignore: ignore as CheckId[],
    live: live?.snapshot,
    cluster: live?.name,
  });
  // Manifests may carry secrets (env values, annotations): every output is redacted first.
  const safe = redactDeep(result);
  switch (output) {
    case 'json':
      io.raw(renderLintJson(safe));
      break;
    case 'sarif':
      io.raw(renderLintSarif(safe, version()));
      break;
    case 'junit':
      io.raw(
        renderLintJunit(
          safe,
          objects.map((o) => ({
            kind: o.object.kind,
            namespace: o.object.metadata.namespace,
            name: o.object.metadata.name,
            source: o.source,
          })),
          failOn,
        ),
      );
      break;
    case 'text':
      io.out(renderLintText(safe, io.isTTY ? COLOR : PLAIN));
  }
  return result.findings.some((f) => failsOn(f, failOn)) ? 1 : 0;
}

/** What is live in the namespaces the manifests are applied to (GET only). */
async function readLive(
  objects: Located[],
  namespace: string,
  kubeconfig: string | undefined,
  context: string | undefined,
) {
  const namespaces = [
    ...new Set(
      lintSnapshot(objects, namespace).manifests.flatMap((m) =>
        m.object.kind === 'Namespace'
          ? [m.object.metadata.name]
          : m.object.metadata.namespace
            ? [m.object.metadata.namespace]
            : [],
      ),
    ),
  ].sort();
  // The API client is the slowest module to load: only `--cluster` pays for it.
  const [{ KubeApi }, { readNamespaces }] = await Promise.all([
    import('../cluster/client.js'),
    import('../cluster/read-namespaces.js'),
  ]);
  const api = KubeApi.fromOptions({ kubeconfig, context });
  try {
    return { snapshot: await readNamespaces(api, namespaces), name: api.contextName };
  } finally {
    api.close();
  }
}
