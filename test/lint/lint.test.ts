// `kubemedic lint` as CI runs it: `helm template` of the seed's chart refactor piped into the
// built binary; and `--cluster`, judging a change together with what the test cluster runs.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LintFinding, LintReport } from '../../src/lint/lint.js';
import {
  apply,
  createNamespace,
  kubeconfigPath,
  kubectlJson,
  repoRoot,
  waitFor,
} from '../support/cluster.js';
import { exec } from '../infra/chart.js';

const run = promisify(execFile);
const bin = join(repoRoot, 'bin', 'kubemedic.js');
const chart = join(import.meta.dirname, 'fixtures', 'api-chart');

/** The Helm build of test/cluster/build.sh, found as test/infra/chart.ts finds it; none is built here. */
function helmPath(): string | undefined {
  const script = `. '${join(repoRoot, 'test/cluster/versions.sh')}'; printf '%s' "$HELM_BIN"`;
  const path = execFileSync('bash', ['-c', script], { encoding: 'utf8' }).trim();
  return path && existsSync(path) ? path : undefined;
}

/** Runs the built CLI with `input` on stdin; resolves with exit code and output, never rejects. */
async function kubemedic(
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run(process.execPath, [bin, ...args], { timeout: 30_000 });
  child.child.stdin?.end(input ?? '');
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const helm = helmPath();

describe('helm template | kubemedic lint -', () => {
  it.skipIf(!helm)(
    'catches the seed refactor: the helper renders app: api-svc, the pods are app: api-service',
    async () => {
      const rendered = await exec(helm as string, ['template', 'api', chart, '-n', 'prod']);
      expect(rendered).toContain('app: api-svc');
      const res = await kubemedic(['lint', '-', '-n', 'prod'], rendered);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(1);
      const serviceLine = rendered.split('\n').findIndex((l) => l === 'kind: Service'); // 1-based apiVersion line
      expect(res.stdout.split('\n')[0]).toBe(
        `stdin:${serviceLine}: CRITICAL service.selector-mismatch: Service api-service selects no pods: app: api-svc vs api-service`,
      );
      expect(res.stdout).toContain('Deployment prod/api-service (stdin:');

      const sarif = await kubemedic(['lint', '-', '-o', 'sarif'], rendered);
      const results = (
        JSON.parse(sarif.stdout) as {
          runs: { results: { ruleId: string; locations: unknown[] }[] }[];
        }
      ).runs[0]?.results;
      expect(results?.map((r) => r.ruleId)).toEqual(['service.selector-mismatch']);
    },
  );
  if (!helm)
    it('is skipped: Helm is not built (test/cluster/build.sh builds it)', () => {
      console.warn('helm template test skipped: no Helm build found via test/cluster/versions.sh');
    });

  it('reads standard input, and says so when it holds no object', async () => {
    const res = await kubemedic(['lint', '-'], '---\n# Source: chart/templates/empty.yaml\n');
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim()).toBe('kubemedic: no Kubernetes objects found in stdin');
  });

  it('names the package version as the SARIF tool version (from the bundled CLI too)', async () => {
    const manifest =
      'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n';
    const res = await kubemedic(['lint', '-o', 'sarif', '-'], manifest);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    const sarif = JSON.parse(res.stdout) as { runs: { tool: { driver: { version: string } } }[] };
    expect(sarif.runs[0]?.tool.driver.version).toBe(pkg.version);
  });
});

describe('lint --cluster: the change judged with what is live', () => {
  let ns: { name: string; cleanup: () => Promise<void> };
  let dir: string;
  beforeAll(async () => {
    ns = await createNamespace('lint-live');
    dir = mkdtempSync(join(tmpdir(), 'kubemedic-lint-live-'));
    // Live: the web workload (pods labelled app=web, port 8080) and its Service.
    await apply(
      ns.name,
      `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0
          ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: http }]
`,
    );
    await waitFor('a live web pod', async () => {
      const pods = await kubectlJson<{ items: unknown[] }>([
        'get',
        'pods',
        '-n',
        ns.name,
        '-l',
        'app=web',
      ]);
      return pods.items.length > 0;
    });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await ns.cleanup();
  });

  it('judges a Service and an Ingress of the change against the live pods and Services', async () => {
    // The change: a second Service for the running pods with the wrong port, and an Ingress
    // to the live Service web (which the manifests do not contain).
    const change = join(dir, 'change.yaml');
    writeFileSync(
      change,
      `apiVersion: v1
kind: Service
metadata: { name: web-admin, namespace: ${ns.name} }
spec:
  selector: { app: web }
  ports: [{ port: 9000, targetPort: 9090 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: shop, namespace: ${ns.name} }
spec:
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend: { service: { name: web, port: { number: 80 } } }
`,
    );
    const alone = await kubemedic(['lint', change, '-o', 'json']);
    const aloneFindings = (JSON.parse(alone.stdout) as LintReport[]).flatMap((r) => r.findings);
    // From the manifests alone, web does not exist and web-admin selects nothing in the set.
    expect(aloneFindings.map((f) => f.check)).toEqual(['ingress.backend-missing']);

    const live = await kubemedic([
      'lint',
      change,
      '-o',
      'json',
      '--cluster',
      '--kubeconfig',
      kubeconfigPath,
    ]);
    expect(live.stderr).toBe('');
    const findings: LintFinding[] = (JSON.parse(live.stdout) as LintReport[]).flatMap(
      (r) => r.findings,
    );
    expect(findings.map((f) => f.check)).toEqual(['service.port-mismatch']);
    const objects = findings[0]?.objects ?? [];
    expect(objects[0]).toMatchObject({
      kind: 'Service',
      name: 'web-admin',
      from: 'manifest',
      source: { line: 1 },
    });
    expect(objects.slice(1).map((o) => [o.kind, o.from])).toEqual([['Pod', 'cluster']]);
    expect(live.code).toBe(1);
  });
});
