// Every scenario, diagnosed from its captured dump through the CLI (`--from-file`), in-process;
// and the real binary once, plus the CLI's answers to bad input and an unreachable API server.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../src/diagnosis/registry.js';
import type { Report } from '../../src/diagnosis/types.js';
import { REPORT_SCHEMA_VERSION } from '../../src/cli/diagnose.js';
import { ReportDocumentSchema } from '../../src/diagnosis/report-schema.js';
import { cli } from '../support/cli.js';
import { repoRoot } from '../support/cluster.js';
import { expectReport, expectedExitCode } from './support/expect.js';
import { loadScenario, loadScenarios } from './support/schema.js';

const run = promisify(execFile);
const scenarios = loadScenarios();
const bin = join(repoRoot, 'bin', 'kubemedic.js');

/** Runs the built CLI as a user does; resolves with its exit code and output, never rejects. */
async function spawnCli(
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      timeout: 30_000,
      ...(env ? { env } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A port on loopback that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('the scenario set', () => {
  it('covers every check id of SPEC section 3, the seed incident, and healthy setups', () => {
    const covered = new Set(scenarios.flatMap((s) => s.expected.findings));
    expect(CHECK_IDS.filter((id) => !covered.has(id))).toEqual([]);
    const seed = loadScenario('seed-selector-mismatch');
    expect(seed.expected).toMatchObject({
      rootCause: 'service.selector-mismatch',
      remediation: 'patch-service-selector',
    });
    expect(seed.manifests).toMatch(/selector: \{ app: api-svc \}/);
    const healthy = scenarios.filter((s) => s.expected.verdict === 'healthy').map((s) => s.name);
    for (const name of [
      'healthy-plain',
      'healthy-headless',
      'healthy-multi-port',
      'healthy-externalname',
    ])
      expect(healthy).toContain(name);
    expect(loadScenario('degraded-one-of-three-unready').expected.verdict).toBe('degraded');
  });

  it('has a captured dump for every scenario: a kubectl List from its own namespace', () => {
    for (const sc of scenarios) {
      const dump = JSON.parse(readFileSync(sc.dumpPath, 'utf8')) as {
        kind: string;
        items: unknown[];
      };
      expect(dump.kind, sc.name).toBe('List');
      expect(dump.items.length, sc.name).toBeGreaterThan(0);
    }
  });
});

describe('scenarios diagnosed from their dumps (kubemedic diagnose --from-file)', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, sc) => {
    const res = await cli(['diagnose', sc.target, '--from-file', sc.dumpPath, '--output', 'json']);
    if (sc.expected.rootCause === 'service.not-found') {
      // A name that does not exist is a typo to fix, not an outage: one line, exit 2.
      expect(res.code).toBe(2);
      expect(res.out).toBe('');
      expect(res.err.split('\n')).toHaveLength(1);
      for (const text of sc.expected.detailIncludes ?? []) expect(res.err).toContain(text);
      return;
    }
    expect(res.err).toBe('');
    const document = JSON.parse(res.out) as Report & { schemaVersion: number; generatedAt: string };
    // The document a script reads: the schema in the repo (made from the zod schema) holds.
    expect(ReportDocumentSchema.safeParse(document).error).toBeUndefined();
    expect(document.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(Date.now() - Date.parse(document.generatedAt)).toBeLessThan(60_000);
    const report: Report = document;
    // Without -n, the diagnosis is about the one namespace the dump was captured from.
    expect(report.target.namespace).toMatch(new RegExp(`^sc-${sc.name}-[0-9a-f]{6}$`));
    expectReport(report, sc.expected);
    expect(res.code).toBe(expectedExitCode(sc.expected));
  });
});

describe('the kubemedic binary and its answers to bad input', () => {
  const seedDump = loadScenario('seed-selector-mismatch').dumpPath;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubemedic-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const noStack = /\n\s+at |Error:|node:internal/;

  it('prints the verdict and root cause first, and exits 1 on a critical finding (bin/kubemedic.js)', async () => {
    const res = await spawnCli(['diagnose', 'api-service', '--from-file', seedDump]);
    expect(res.stderr).toBe('');
    const [first, second] = res.stdout.split('\n');
    expect(first).toMatch(
      /^✖ UNHEALTHY {2}api-service \(Service\) in namespace sc-seed-selector-mismatch-/,
    );
    expect(second).toMatch(/^Root cause: service\.selector-mismatch — .*api-svc vs api-service/);
    expect(res.stdout).toContain('Fix patch-service-selector');
    expect(res.stdout).toContain('kubectl patch service api-service');
    expect(res.code).toBe(1);
  });

  it('exits 0 for a healthy service (bin/kubemedic.js)', async () => {
    const res = await spawnCli([
      'diagnose',
      'api',
      '--from-file',
      loadScenario('healthy-plain').dumpPath,
    ]);
    expect(res.stdout.split('\n')[0]).toMatch(/^✔ HEALTHY {2}api \(Service\)/);
    expect(res.code).toBe(0);
  });

  it('answers an unknown Service in a dump with one line naming the nearest, exit 2', async () => {
    const res = await cli(['diagnose', 'api-servce', '--from-file', seedDump, '--output', 'json']);
    expect(res.code).toBe(2);
    expect(res.out).toBe('');
    expect(res.err).toMatch(
      /^kubemedic: Service api-servce does not exist in namespace sc-seed-selector-mismatch-[0-9a-f]+\. Nearest names: api-service\.$/,
    );
  });

  it('answers a dump holding no Service with what it holds, exit 2', async () => {
    const only = join(dir, 'configmap.yaml');
    writeFileSync(
      only,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: prod}\n',
    );
    const res = await cli(['diagnose', 'api-service', '--from-file', only]);
    expect(res.code).toBe(2);
    expect(res.err).toBe(
      `kubemedic: ${only} holds no Service, so there is no api-service to diagnose; found: 1 ConfigMap`,
    );
  });

  it('counts the pods of a dump given twice once', async () => {
    const once = await cli(['diagnose', 'api-service', '-f', seedDump, '-o', 'json']);
    const twice = await cli([
      'diagnose',
      'api-service',
      '-f',
      seedDump,
      '-f',
      seedDump,
      '-o',
      'json',
    ]);
    const { summary, findings } = JSON.parse(once.out) as Report;
    expect(JSON.parse(twice.out)).toMatchObject({ summary, findings });
    expect(twice.code).toBe(once.code);
  });

  it('prints the report as YAML with -o yaml, the same document as JSON', async () => {
    const { parse } = await import('yaml');
    const json = JSON.parse(
      (await cli(['diagnose', 'api-service', '-f', seedDump, '-o', 'json'])).out,
    ) as Record<string, unknown>;
    const yaml = parse(
      (await cli(['diagnose', 'api-service', '-f', seedDump, '-o', 'yaml'])).out,
    ) as Record<string, unknown>;
    for (const k of ['schemaVersion', 'target', 'verdict', 'rootCause', 'findings'])
      expect(yaml[k], k).toEqual(json[k]);
  });

  it('says there is no kubeconfig in one line and exits 2 (bin/kubemedic.js)', async () => {
    const res = await spawnCli(['diagnose', 'api-service', '-n', 'prod'], {
      PATH: process.env.PATH ?? '',
      HOME: dir,
    });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(
      'kubemedic: no kubeconfig found (KUBECONFIG unset, ~/.kube/config absent): pass --kubeconfig PATH, or --from-file DUMP to diagnose a dump\n',
    );
  });

  it('answers an unknown Deployment in a dump with one line naming the nearest, exit 2', async () => {
    const res = await cli(['diagnose', 'deploy/api-svc', '--from-file', seedDump]);
    expect(res.code).toBe(2);
    expect(res.out).toBe('');
    expect(res.err.split('\n')).toHaveLength(1);
    expect(res.err).toMatch(
      /^kubemedic: Deployment api-svc does not exist in namespace sc-seed-selector-mismatch-[0-9a-f]+\. Nearest names: api-service\.$/,
    );
  });

  it('rejects a malformed dump with one line and exit 2, no stack trace', async () => {
    const bad = join(dir, 'dump.json');
    writeFileSync(bad, '{"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod",');
    const res = await spawnCli(['diagnose', 'api', '--from-file', bad]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^kubemedic: .*dump\.json is not valid JSON/);
    expect(res.stderr).not.toMatch(noStack);
  });

  it('fails with one line and exit 2 when the API server cannot be reached, no stack trace', async () => {
    const port = await closedPort();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'gone', cluster: { server: `https://127.0.0.1:${port}` } }],
        users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
        contexts: [{ name: 'gone', context: { cluster: 'gone', user: 'u' } }],
        'current-context': 'gone',
      }),
    );
    const res = await spawnCli(['diagnose', 'api', '-n', 'prod', '--kubeconfig', kubeconfig]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(
      new RegExp(
        `^kubemedic: cannot reach the API server at https://127\\.0\\.0\\.1:${port}: ECONNREFUSED`,
      ),
    );
    expect(res.stderr).not.toMatch(noStack);
  });
});
