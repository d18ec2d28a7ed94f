// Gather then diagnose: the one live diagnosis, used by the diagnose worker, the CLI and the
// verification of an applied fix. It joins cluster/ (reads) and diagnosis/ (pure analysis), so
// diagnosis/ never needs the API client.
import type { KubeApi } from './cluster/client.js';
import { Gatherer } from './cluster/gather.js';
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
): Promise<Report> {
  const resolved = { ...target, namespace: target.namespace ?? api.defaultNamespace };
  // Counted by the gatherer, not the client: a worker's client serves several diagnoses at once.
  const gatherer = new Gatherer(api);
  const snapshot = await gatherer.gather(resolved);
  return diagnose(snapshot, resolved, {
    startedAt,
    apiRequests: gatherer.requests,
    apiRounds: gatherer.rounds,
    now: new Date(),
  });
}
