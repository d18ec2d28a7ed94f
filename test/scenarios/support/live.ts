// Diagnoses a prepared scenario the way the bot does (src/engine.ts): the real gatherer against
// the live API (through the product's KubeApi, counting requests), then the pure diagnosis.
import { KubeApi } from '../../../src/cluster/client.js';
import { parseTarget } from '../../../src/diagnosis/target.js';
import type { Report } from '../../../src/diagnosis/types.js';
import { diagnoseLive as diagnoseWith } from '../../../src/engine.js';
import type { Scenario } from './schema.js';

export async function diagnoseLive(
  kubeconfig: string,
  sc: Scenario,
  namespace: string,
): Promise<Report> {
  const api = KubeApi.fromOptions({ kubeconfig });
  try {
    const target = { ...parseTarget(sc.target, namespace, 'live'), namespace };
    // A scenario that declares logs is diagnosed as `--logs` asks, its lines written just before.
    const opts = sc.logs.length
      ? { logs: { since: new Date(Date.now() - 600_000).toISOString() } }
      : {};
    return await diagnoseWith(api, target, Date.now(), opts);
  } finally {
    api.close();
  }
}
