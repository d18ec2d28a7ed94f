// Container logs on a live test control plane. KWOK's kubelet API serves `GET pods/NAME/log` from
// a file that a Logs object (kwok.x-k8s.io/v1alpha1, a CRD on the test cluster: see
// test/cluster/up.sh) names for the pod; the API server reaches it through the node's address. A
// test writes the lines a pod "logged" into a file under the cluster's directory and adds the Logs
// object in the pod's namespace, so the namespace's deletion removes the object with it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '../../../src/cluster/k8s-types.js';
import type { TestCluster } from './cluster.js';
import { type Scenario, substitute } from './schema.js';

const READY_TIMEOUT_MS = 20_000;
const POLL_MS = 250;

function logsDir(cluster: TestCluster, namespace: string): string {
  return join(cluster.dir, 'logs', 'app', namespace);
}

/**
 * One CRI log line (what the kubelet stores and KWOK reads back): `TIME STREAM F TEXT`. The
 * timestamp is what `sinceTime` filters on, so each line gets its own, in order.
 */
function criLine(at: number, text: string): string {
  return `${new Date(at).toISOString()} stdout F ${text}`;
}

export interface PodLogOptions {
  /** The container that logged the lines; absent: the pod's first container. */
  container?: string;
  /** When the first line was written (ms); the next lines follow 10 ms apart. Default: now. */
  start?: number;
}

/**
 * Makes `pod`'s container in `namespace` have logged `lines`, then waits until the API server's
 * log endpoint answers with them (KWOK picks the Logs object up from a watch).
 */
export async function writePodLog(
  cluster: TestCluster,
  namespace: string,
  pod: string,
  lines: string[],
  opts: PodLogOptions = {},
): Promise<void> {
  const podPath = `/api/v1/namespaces/${namespace}/pods/${pod}`;
  const container =
    opts.container ?? (await cluster.api.get<Pod>(podPath)).spec.containers[0]?.name ?? '';
  const dir = logsDir(cluster, namespace);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${pod}.${container}.log`);
  const start = opts.start ?? Date.now();
  writeFileSync(file, lines.map((l, i) => criLine(start + i * 10, l)).join('\n') + '\n');
  const logsObject = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Logs',
    metadata: { name: pod, namespace },
    spec: { logs: [{ containers: [container], logsFile: file }] },
  };
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(logsObject)).catch((err: Error) => {
    // up.sh returns at once on a healthy cluster, so one started by an older up.sh stays as it was.
    if (/no matches for kind "Logs"/.test(err.message))
      throw new Error(
        `the test cluster in ${cluster.dir} has no Logs CRD: it predates KWOK's container logs, restart it (test/cluster/down.sh, then up.sh)`,
        { cause: err },
      );
    throw err;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: string;
  for (;;) {
    try {
      const text = await cluster.api.getText(`${podPath}/log`, { container });
      if (lines.every((l) => text.includes(l))) return;
      last = `served ${JSON.stringify(text.slice(0, 200))}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`the log of ${namespace}/${pod}/${container} is not served: ${last}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Writes the scenario's declared `logs` ({{NS}} substituted) for every Running pod each entry's
 * label selector matches, as capture.ts records them in the dump.
 */
export async function writeScenarioLogs(
  cluster: TestCluster,
  sc: Scenario,
  namespace: string,
): Promise<void> {
  for (const spec of sc.logs) {
    const pods = await cluster.api.get<{ items: Pod[] }>(`/api/v1/namespaces/${namespace}/pods`, {
      labelSelector: spec.pods,
    });
    const running = pods.items.filter((p) => p.status?.phase === 'Running');
    if (running.length === 0) throw new Error(`no Running pod matches ${spec.pods}`);
    const lines = spec.lines.map((l) => substitute(l, namespace));
    for (const p of running) {
      await writePodLog(cluster, namespace, p.metadata.name, lines, {
        ...(spec.container ? { container: spec.container } : {}),
      });
    }
  }
}

/** Removes the log files written for `namespace` (the Logs objects go with the namespace). */
export function removePodLogs(cluster: TestCluster, namespace: string): void {
  rmSync(logsDir(cluster, namespace), { recursive: true, force: true });
}
