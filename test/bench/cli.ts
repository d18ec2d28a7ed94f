// CLI start-up as a person sees it: the wall time of whole `kubemedic` processes (bin/kubemedic.js,
// the build `npm run bench` makes), each run paired with `node -e 0` on the same machine.
// - `kubemedic --help`;
// - `kubemedic diagnose ... --from-file` on the seed scenario's dump;
// - `kubemedic diagnose <svc> -n <ns>` against the live test cluster (the seed incident).
// Benchmarks are not tests: nothing here asserts a time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeconfigPath, repoRoot } from '../support/cluster.js';
import { createSeedNamespace } from '../support/seed.js';
import { type Spread, spread, timeProcess } from './process.js';

const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 15);
const WARMUP = 2;

export interface CliFigure {
  command: string;
  /** Exit codes seen (1 is expected: the seed incident is a critical finding). */
  exitCodes: number[];
  wallMs: Spread;
  /** `node -e 0`, run in turn with the command. */
  nodeYardstickMs: Spread;
  /** The command's wall time over the yardstick's, pair by pair. */
  ratio: Spread;
}

export type CliBench = Record<'help' | 'fromFile' | 'live', CliFigure>;

async function measure(args: string[], env: NodeJS.ProcessEnv): Promise<CliFigure> {
  const cmd = [process.execPath, join(repoRoot, 'bin', 'kubemedic.js'), ...args];
  const yardstick = [process.execPath, '-e', '0'];
  const wall: number[] = [];
  const node: number[] = [];
  const codes = new Set<number>();
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const a = await timeProcess(cmd, { cwd: repoRoot, env });
    const b = await timeProcess(yardstick, { cwd: repoRoot, env });
    if (i < WARMUP) continue;
    wall.push(a.ms);
    node.push(b.ms);
    codes.add(a.code ?? -1);
  }
  return {
    command: `kubemedic ${args.join(' ')}`,
    exitCodes: [...codes],
    wallMs: spread(wall),
    nodeYardstickMs: spread(node),
    ratio: spread(
      wall.map((w, i) => w / (node[i] as number)),
      2,
    ),
  };
}

export async function benchCli(): Promise<CliBench> {
  const env = { ...process.env, KUBECONFIG: kubeconfigPath };
  const dump = join(repoRoot, 'test/scenarios/seed-selector-mismatch/dump.json');
  const dumpNamespace = /"namespace":\s*"([^"]+)"/.exec(readFileSync(dump, 'utf8'))?.[1] ?? '';
  const seed = await createSeedNamespace('bench-cli');
  try {
    const help = await measure(['--help'], env);
    const fromFile = await measure(
      ['diagnose', 'api-service', '-n', dumpNamespace, '--from-file', dump],
      env,
    );
    const live = await measure(['diagnose', 'api-service', '-n', seed.name], env);
    for (const f of [help, fromFile, live])
      console.log(
        `[bench] ${f.command.replace(seed.name, '<ns>')}: median ${f.wallMs.median} ms (node -e 0: ${f.nodeYardstickMs.median} ms)`,
      );
    return { help, fromFile, live };
  } finally {
    await seed.cleanup();
  }
}
