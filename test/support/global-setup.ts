// Starts the test control plane once for the whole run (or reuses a running one) and stops it
// afterwards if this run started it. KUBEMEDIC_KEEP_CLUSTER=1 keeps it running for the next run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');
// The same directory up.sh and the suites use (test/support/cluster.ts).
const clusterDir = process.env.KUBEMEDIC_CLUSTER_DIR ?? join(repo, '.cluster');

export default function setup(): () => void {
  const wasRunning = existsSync(join(clusterDir, 'kubeconfig'));
  execFileSync('bash', [join(repo, 'test/cluster/up.sh')], { stdio: 'inherit' });
  return () => {
    if (!wasRunning && process.env.KUBEMEDIC_KEEP_CLUSTER !== '1') {
      execFileSync('bash', [join(repo, 'test/cluster/down.sh')], { stdio: 'inherit' });
    }
  };
}
