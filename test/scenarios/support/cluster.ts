// A handle on one test control plane (the shared one in .cluster/, or a private one started for
// scenarios that change cluster-wide state): kubectl for applying manifests, and the product's
// own KubeApi for the cheap polling reads scenarios wait on.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeApi } from '../../../src/cluster/client.js';
import { clusterDir, kubectlAt, repoRoot } from '../../support/cluster.js';

const run = promisify(execFile);

export class TestCluster {
  readonly kubeconfig: string;
  readonly api: KubeApi;
  private readonly kubectlBin: string;

  constructor(readonly dir: string) {
    this.kubeconfig = join(dir, 'kubeconfig');
    this.kubectlBin = join(readFileSync(join(dir, 'bin-dir'), 'utf8').trim(), 'kubectl');
    this.api = KubeApi.fromOptions({ kubeconfig: this.kubeconfig, timeoutMs: 15_000 });
  }

  /** The shared test control plane that `npm test` starts (or reuses): KUBEMEDIC_CLUSTER_DIR or .cluster/. */
  static shared(): TestCluster {
    return new TestCluster(clusterDir);
  }

  /** Starts a private control plane in a temporary directory (a few seconds once built). */
  static async startPrivate(nodes = 2): Promise<TestCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'kubemedic-scenarios-'));
    const env = {
      ...process.env,
      KUBEMEDIC_CLUSTER_DIR: dir,
      KUBEMEDIC_CLUSTER_NODES: String(nodes),
    };
    try {
      await run('bash', [join(repoRoot, 'test/cluster/up.sh')], { env });
    } catch (err) {
      await run('bash', [join(repoRoot, 'test/cluster/down.sh')], { env }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`could not start a private cluster: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new TestCluster(dir);
  }

  /** Stops a private control plane and removes its directory. */
  async stop(): Promise<void> {
    this.api.close();
    const env = { ...process.env, KUBEMEDIC_CLUSTER_DIR: this.dir };
    await run('bash', [join(repoRoot, 'test/cluster/down.sh')], { env });
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs kubectl (this cluster's build) against this cluster; rejects with its stderr. */
  kubectl(args: string[], input?: string): Promise<string> {
    return kubectlAt(this.kubeconfig, args, input, this.kubectlBin);
  }

  async createNamespace(prefix: string): Promise<string> {
    const name = `${prefix}-${randomBytes(3).toString('hex')}`;
    await this.kubectl(['create', 'namespace', name]);
    return name;
  }

  async deleteNamespace(name: string, wait = false): Promise<void> {
    await this.kubectl(['delete', 'namespace', name, `--wait=${wait}`, '--ignore-not-found']);
  }

  close(): void {
    this.api.close();
  }
}
