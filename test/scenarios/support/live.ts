// Diagnoses a prepared scenario the way the bot does: the real gatherer against the live API
// (through the product's KubeApi, counting requests), then the pure engine with now = the clock.
import { KubeApi } from '../../../src/cluster/client.js';
import { gatherSnapshot } from '../../../src/cluster/gather.js';
import { diagnose } from '../../../src/diagnosis/diagnose.js';
import { parseTarget } from '../../../src/diagnosis/target.js';
import type { Report } from '../../../src/diagnosis/types.js';
import type { Scenario } from './schema.js';

export async function diagnoseLive(
  kubeconfig: string,
  sc: Scenario,
  namespace: string,
): Promise<Report> {
  const api = KubeApi.fromOptions({ kubeconfig });
  try {
    const target = { ...parseTarget(sc.target, namespace, 'live'), namespace };
    const startedAt = Date.now();
    const snapshot = await gatherSnapshot(api, target);
    return diagnose(snapshot, target, {
      now: new Date(),
      startedAt,
      apiRequests: api.requestCount,
    });
  } finally {
    api.close();
  }
}
