// Gather then diagnose: the one live diagnosis, used by the diagnose worker, the CLI and the
// verification of an applied fix. It joins cluster/ (reads) and diagnosis/ (pure analysis), so
// diagnosis/ never needs the API client.
import type { KubeApi } from './cluster/client.js';
import { gatherSnapshot } from './cluster/gather.js';
import { type AppLogOptions, gatherApp } from './cluster/gather-app.js';
import { diagnose } from './diagnosis/diagnose.js';
import type { Report, Target } from './diagnosis/types.js';

/**
 * Reads what the target needs through `api` and diagnoses it. A target without a namespace is
 * looked for in the client's default one. Throws TargetError or ClusterUnreachableError.
 */
export async function diagnoseLive(
  api: KubeApi,
  target: Target,
  startedAt = Date.now(),
  opts: LiveOptions = {},
): Promise<Report> {
  const resolved = { ...target, namespace: target.namespace ?? api.defaultNamespace };
  const before = api.requestCount;
  const snapshot = await gatherSnapshot(api, resolved);
  if (opts.logs) await gatherApp(api, snapshot, resolved, opts.logs, (t) => gatherSnapshot(api, t));
  return diagnose(snapshot, resolved, {
    startedAt,
    apiRequests: api.requestCount - before,
    now: new Date(),
    hops: opts.logs?.hops,
  });
}

export interface LiveOptions {
  /** Read the running backends' logs and the dependencies they name (an alert, `--logs`). */
  logs?: AppLogOptions;
}
