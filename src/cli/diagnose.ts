// `kubemedic diagnose <target>`: a live diagnosis through the API, or one of `--from-file` dumps.
// The API client (@kubernetes/client-node, the slowest module to load by far) is imported only
// when the command goes to a cluster, so `--from-file` never pays for it.
import { ClusterUnreachableError } from '../cluster/errors.js';
import { KINDS } from '../cluster/kinds.js';
import type { Snapshot } from '../cluster/snapshot.js';
import { missingKubeconfig } from '../config/kubeconfig.js';
import { DumpError, snapshotFromFiles } from '../cluster/from-file.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { TargetError, parseTarget } from '../diagnosis/target.js';
import type { Report } from '../diagnosis/types.js';
import { redactDeep } from '../redact.js';
import {
  CommandError,
  OUTPUT_OPTION,
  type RedactingIO,
  asCommand,
  outputFormat,
  parseTargetArgs,
} from './args.js';
import { COLOR, PLAIN, renderText } from './render-text.js';

export async function diagnoseCommand(args: string[], io: RedactingIO): Promise<number> {
  const { target, values } = parseTargetArgs(args, {
    context: { type: 'string' },
    kubeconfig: { type: 'string' },
    'from-file': { type: 'string', short: 'f', multiple: true },
    logs: { type: 'boolean' },
    'full-commands': { type: 'boolean' },
    ...OUTPUT_OPTION,
  });
  const output = outputFormat(values.output, undefined, ['text', 'json', 'yaml']);
  // What the person can act on (a bad target, an unreadable dump, no cluster) exits 2.
  const report = await asCommand([TargetError, DumpError, ClusterUnreachableError], () =>
    produceReport(target, values),
  );
  refuseUnanswerable(report);
  // JSON is redacted as an object (every string in it), never as text: a replacement inside a
  // serialised string could break the document.
  const document = () => ({
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    ...redactDeep(report),
  });
  if (output === 'json') io.raw(JSON.stringify(document(), null, 2));
  else if (output === 'yaml') io.raw((await import('yaml')).stringify(document()).trimEnd());
  else
    io.out(
      renderText(report, io.isTTY ? COLOR : PLAIN, {
        fullCommands: values['full-commands'] === true,
      }),
    );
  return report.findings.some((f) => f.severity === 'critical') ? 1 : 0;
}

/** The version of the JSON/YAML report's shape (schema/report.schema.json). */
export const REPORT_SCHEMA_VERSION = 1;

/**
 * A report that is no diagnosis is one line and exit 2, not a verdict: a name that does not
 * exist (a typo; the nearest names said) or a cluster that could not be read at all.
 */
function refuseUnanswerable(report: Report): void {
  if (report.rootCause === 'service.not-found') {
    const f = report.findings.find((x) => x.check === 'service.not-found');
    throw new CommandError(
      f ? `${f.title}. ${f.detail.replace(/^No Service named \S+ in \S+\. /, '')}` : report.summary,
    );
  }
  if (report.verdict === 'unknown' && report.findings.length === 0) {
    const reasons = [...new Set(report.skipped.map((s) => s.reason.replace(/^[\w-]+: /, '')))];
    throw new CommandError(
      `could not read the cluster: ${reasons[0] ?? report.summary}` +
        (reasons.length > 1 ? ` (and ${reasons.length - 1} more reason(s))` : ''),
    );
  }
}

/** What a dump holds, in words ("1 ConfigMap, 2 Pods"), for a target it does not hold. */
function contents(snapshot: Snapshot): string {
  const parts = KINDS.map((k) => {
    const n = (snapshot[k.field] as unknown[]).length;
    return n ? `${n} ${k.kind}${n > 1 ? 's' : ''}` : '';
  }).filter(Boolean);
  return parts.length ? parts.join(', ') : 'nothing kubemedic reads';
}

async function produceReport(
  targetText: string,
  o: {
    namespace?: string;
    context?: string;
    kubeconfig?: string;
    cluster?: string;
    'from-file'?: string[];
    logs?: boolean;
  },
): Promise<Report> {
  const started = Date.now();
  if (o['from-file']?.length) {
    const target = parseTarget(targetText, o.namespace, o.cluster ?? 'from-file');
    const snapshot = await snapshotFromFiles(o['from-file']);
    // A dump of something else (only a ConfigMap) is not an outage of the target: say what it holds.
    if (target.kind === 'Service' && snapshot.services.length === 0)
      throw new CommandError(
        `${o['from-file'].join(', ')} hold${o['from-file'].length > 1 ? '' : 's'} no Service, so there is no ${targetText} to diagnose; found: ${contents(snapshot)}`,
      );
    return diagnose(snapshot, target, { startedAt: started });
  }
  const [{ KubeApi }, { diagnoseLive }] = await Promise.all([
    import('../cluster/client.js'),
    import('../engine.js'),
  ]);
  const none = o.kubeconfig ? undefined : missingKubeconfig();
  if (none !== undefined)
    throw new CommandError(
      `no kubeconfig found (${none}): pass --kubeconfig PATH, or --from-file DUMP to diagnose a dump`,
    );
  const api = KubeApi.fromOptions({ kubeconfig: o.kubeconfig, context: o.context });
  try {
    const namespace = o.namespace ?? api.defaultNamespace;
    const target = parseTarget(targetText, namespace, o.cluster ?? api.contextName);
    // --logs: the running backends' error lines and the dependencies they name (a dump carries
    // whatever logs were captured with it).
    return await diagnoseLive(api, target, started, o.logs ? { logs: {} } : {});
  } finally {
    api.close();
  }
}
