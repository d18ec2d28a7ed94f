// Access to the test control plane for suites: kubectl from the cached build, a namespace per
// suite, and polling helpers. Product code talks to the API through src/cluster only.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = join(import.meta.dirname, '..', '..');
export const clusterDir = process.env.KUBEMEDIC_CLUSTER_DIR ?? join(repoRoot, '.cluster');
export const kubeconfigPath = join(clusterDir, 'kubeconfig');

export function binDir(): string {
  return readFileSync(join(clusterDir, 'bin-dir'), 'utf8').trim();
}

/**
 * The one kubectl runner of the tests: the test build of kubectl (`bin`, default the shared
 * build's) against any cluster's kubeconfig, `input` on stdin; rejects with its stderr.
 */
export async function kubectlAt(
  kubeconfig: string,
  args: string[],
  input?: string,
  bin = join(binDir(), 'kubectl'),
): Promise<string> {
  const child = run(bin, ['--kubeconfig', kubeconfig, ...args], { maxBuffer: 64 * 1024 * 1024 });
  if (input !== undefined) child.child.stdin?.end(input);
  try {
    return (await child).stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')}: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

/** kubectl against the shared test cluster. */
export function kubectl(args: string[], input?: string): Promise<string> {
  return kubectlAt(kubeconfigPath, args, input);
}

export async function kubectlJson<T = unknown>(args: string[]): Promise<T> {
  return JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
}

export async function apply(namespace: string, manifest: string): Promise<void> {
  await kubectl(['apply', '-n', namespace, '-f', '-'], manifest);
}

/** Creates a uniquely named namespace; returns its name and a cleanup that deletes it. */
export async function createNamespace(
  prefix: string,
): Promise<{ name: string; cleanup: () => Promise<void> }> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectl(['create', 'namespace', name]);
  return {
    name,
    cleanup: async () => {
      await kubectl(['delete', 'namespace', name, '--wait=false']).catch(() => undefined);
    },
  };
}

/** Polls until `probe` returns a value other than undefined/false, or fails with the last state. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
  );
}

interface SliceList {
  items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
}

/** Ready and not-ready endpoint counts of a Service, from its EndpointSlices. */
export async function endpointReadiness(
  namespace: string,
  service: string,
): Promise<{ ready: number; notReady: number }> {
  const list = await kubectlJson<SliceList>([
    'get',
    'endpointslices',
    '-n',
    namespace,
    '-l',
    `kubernetes.io/service-name=${service}`,
  ]);
  const eps = list.items.flatMap((s) => s.endpoints ?? []);
  const ready = eps.filter((e) => e.conditions?.ready !== false).length;
  return { ready, notReady: eps.length - ready };
}
