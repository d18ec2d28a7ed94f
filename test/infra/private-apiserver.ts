// A throwaway etcd + kube-apiserver (the binaries of the test control plane, no controllers, no
// nodes) for tests that must install cluster-wide things the shared test cluster should not
// carry, such as CustomResourceDefinitions. Everything lives in one temp directory and both
// processes are stopped by `stop()`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { binDir, waitFor } from '../support/cluster.js';

const run = promisify(execFile);

export interface PrivateApiServer {
  kubeconfig: string;
  kubectl(args: string[], input?: string): Promise<string>;
  logs(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export async function startPrivateApiServer(): Promise<PrivateApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kubemedic-apiserver-'));
  const bins = binDir();
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

  const procs: ChildProcess[] = [];
  const start = (name: string, args: string[]) => {
    const out = openSync(join(dir, `${name}.log`), 'a');
    const child = spawn(join(bins, name), args, { stdio: ['ignore', out, out] });
    procs.push(child);
  };
  start('etcd', [
    '--name=private',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=private=http://127.0.0.1:${peerPort}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  start('kube-apiserver', [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--endpoint-reconciler-type=none',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.97.0.0/16',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    '--v=0',
  ]);

  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: private
  cluster: {server: "https://127.0.0.1:${apiPort}", insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: "${token}"}
contexts:
- name: private
  context: {cluster: private, user: admin}
current-context: private
`,
  );
  const kubectl = async (args: string[], input?: string): Promise<string> => {
    const child = run(join(bins, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    if (input !== undefined) child.child.stdin?.end(input);
    try {
      return (await child).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, {
        cause: err,
      });
    }
  };
  const logs = () =>
    ['etcd', 'kube-apiserver']
      .map((n) => {
        try {
          return `--- ${n} ---\n${readFileSync(join(dir, `${n}.log`), 'utf8').slice(-3000)}`;
        } catch {
          return '';
        }
      })
      .join('\n');
  const stop = async () => {
    for (const p of procs.reverse()) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      'the private kube-apiserver to be ready',
      async () => {
        if (procs.some((p) => p.exitCode !== null)) throw new Error('a component exited');
        return (await kubectl(['get', '--raw', '/readyz'])).trim() === 'ok';
      },
      120_000,
      500,
    );
  } catch (err) {
    const message = `${(err as Error).message}\n${logs()}`;
    await stop();
    throw new Error(message, { cause: err });
  }
  return { kubeconfig, kubectl, logs, stop };
}
