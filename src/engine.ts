// Gather then diagnose: the one live diagnosis, used by the diagnose worker, the CLI and the
// verification of an applied fix. It joins cluster/ (reads) and diagnosis/ (pure analysis), so
// diagnosis/ never needs the API client.
import type { KubeApi } from './cluster/client.js';
import { Gatherer } from './cluster/gather.js';
import { type AppLogOptions, gatherApp } from './cluster/gather-app.js';
import { diagnose } from './diagnosis/diagnose.js';
import { resolveTarget } from './diagnosis/target.js';
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
  // Counted by the gatherer, not the client: a worker's client serves several diagnoses at once.
  const gatherer = new Gatherer(api);
  const snapshot = await gatherer.gather(resolved);
  await opts.onGathered?.(resolveTarget(snapshot, resolved).ok);
  let requests = gatherer.requests;
  let rounds = gatherer.rounds;
  if (opts.logs) {
    // The app layer reads after the target's rounds: the backends' logs, then the lookups of the
    // dependencies they name, then each dependency's own gather (run side by side).
    const before = api.requestCount;
    const dependencies: Gatherer[] = [];
    await gatherApp(api, snapshot, resolved, opts.logs, (t) => {
      const g = new Gatherer(api);
      dependencies.push(g);
      return g.gather(t);
    });
    requests += api.requestCount - before;
    rounds += dependencies.length ? 2 + Math.max(...dependencies.map((g) => g.rounds)) : 1;
  }
  return diagnose(snapshot, resolved, {
    startedAt,
    apiRequests: requests,
    apiRounds: rounds,
    now: new Date(),
    hops: opts.logs?.hops,
  });
}

export interface LiveOptions {
  /** Read the running backends' logs and the dependencies they name (an alert, `--logs`). */
  logs?: AppLogOptions;
  /** Told once the target's objects are read: whether the target exists (a typo does not). */
  onGathered?: (found: boolean) => Promise<void>;
}
