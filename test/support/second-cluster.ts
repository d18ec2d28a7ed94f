// A second test control plane for multi-cluster suites: test/cluster/up.sh in a directory of
// its own (KUBEMEDIC_CLUSTER_DIR, its own free ports, one fake node), stopped by down.sh after the
// suite. The build cache is the shared one. KUBEMEDIC_SECOND_CLUSTER_DIR names a running one to
// reuse (then it is left running).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { kubectlAt, repoRoot } from './cluster.js';

const run = promisify(execFile);

export interface SecondCluster {
  dir: string;
  kubeconfig: string;
  kubectl(args: string[], input?: string): Promise<string>;
  /** The pid of one of its components (kube-apiserver, etcd, ...). */
  pid(component: string): number;
  stop(): Promise<void>;
}

export async function startSecondCluster(): Promise<SecondCluster> {
  const reuse = process.env.KUBEMEDIC_SECOND_CLUSTER_DIR;
  const dir = reuse ?? join(mkdtempSync(join(tmpdir(), 'kubemedic-second-')), 'cluster');
  const env = { ...process.env, KUBEMEDIC_CLUSTER_DIR: dir, KUBEMEDIC_CLUSTER_NODES: '1' };
  await run('bash', [join(repoRoot, 'test/cluster/up.sh')], { env, maxBuffer: 16 * 1024 * 1024 });
  const kubeconfig = join(dir, 'kubeconfig');
  const bin = join(readFileSync(join(dir, 'bin-dir'), 'utf8').trim(), 'kubectl');
  return {
    dir,
    kubeconfig,
    kubectl: (args, input) => kubectlAt(kubeconfig, args, input, bin),
    pid: (component) => Number(readFileSync(join(dir, 'pids', component), 'utf8').trim()),
    async stop() {
      if (reuse) return;
      await run('bash', [join(repoRoot, 'test/cluster/down.sh')], { env });
      rmSync(dirname(dir), { recursive: true, force: true });
    },
  };
}
