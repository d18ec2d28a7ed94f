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
    return await diagnoseWith(api, { ...parseTarget(sc.target, namespace, 'live'), namespace });
  } finally {
    api.close();
  }
}
