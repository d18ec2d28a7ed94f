// `kubemedic diagnose <target>`: a live diagnosis through the API, or one of `--from-file` dumps.
// The API client (@kubernetes/client-node, the slowest module to load by far) is imported only
// when the command goes to a cluster, so `--from-file` never pays for it.
import { ClusterUnreachableError } from '../cluster/errors.js';
import { DumpError, snapshotFromFiles } from '../cluster/from-file.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { TargetError, parseTarget } from '../diagnosis/target.js';
import type { Report } from '../diagnosis/types.js';
import { redactDeep } from '../redact.js';
import {
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
    ...OUTPUT_OPTION,
  });
  const output = outputFormat(values.output);
  // What the person can act on (a bad target, an unreadable dump, no cluster) exits 2.
  const report = await asCommand([TargetError, DumpError, ClusterUnreachableError], () =>
    produceReport(target, values),
  );
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
    logs?: boolean;
  },
): Promise<Report> {
  const started = Date.now();
  if (o['from-file']?.length) {
    const target = parseTarget(targetText, o.namespace, o.cluster ?? 'from-file');
    const snapshot = await snapshotFromFiles(o['from-file']);
    return diagnose(snapshot, target, { startedAt: started });
  }
  const [{ KubeApi }, { diagnoseLive }] = await Promise.all([
    import('../cluster/client.js'),
    import('../engine.js'),
  ]);
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
