// Shared by the infra suites: the Helm/promtool/amtool builds of test/cluster/build.sh, and the
// chart rendered with `helm template` into parsed objects.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { repoRoot } from '../support/cluster.js';

const run = promisify(execFile);

export const chartDir = join(repoRoot, 'infra', 'helm', 'kubemedic');
export const rbacDir = join(chartDir, 'files', 'rbac');
/** The kinds of the Prometheus Operator, which the shared test cluster does not serve. */
export const monitoringKinds = new Set(['PrometheusRule', 'ServiceMonitor']);

export interface InfraTools {
  helm: string;
  promtool: string;
  amtool: string;
}

function toolPaths(): InfraTools {
  const script = `. '${join(repoRoot, 'test/cluster/versions.sh')}'; printf '%s\\n' "$HELM_BIN" "$PROMTOOL_BIN" "$AMTOOL_BIN"`;
  const [helm = '', promtool = '', amtool = ''] = execFileSync('bash', ['-c', script], {
    encoding: 'utf8',
  }).split('\n');
  return { helm, promtool, amtool };
}

/** The tool binaries, built by test/cluster/build.sh when missing (minutes, once per version). */
export async function ensureInfraTools(): Promise<InfraTools> {
  const tools = toolPaths();
  if (!Object.values(tools).every((p) => existsSync(p))) {
    await run('bash', [join(repoRoot, 'test/cluster/build.sh')], { maxBuffer: 256 * 1024 * 1024 });
  }
  for (const [name, path] of Object.entries(tools)) {
    if (!existsSync(path)) throw new Error(`${name} was not built at ${path}`);
  }
  return tools;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export async function exec(
  cmd: string,
  args: string[],
  opts: { input?: string; cwd?: string } = {},
): Promise<string> {
  const child = run(cmd, args, { maxBuffer: 64 * 1024 * 1024, cwd: opts.cwd });
  if (opts.input !== undefined) child.child.stdin?.end(opts.input);
  try {
    return (await child).stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.stdout?.trim() || e.message}`,
      { cause: err },
    );
  }
}

/** Parses YAML as Kubernetes does (YAML 1.1: `yes` is a boolean, `0440` is octal). */
export function parseManifests(text: string): K8sObject[] {
  return parseAllDocuments(text, { version: '1.1' })
    .map((d) => {
      if (d.errors.length) throw new Error(`rendered YAML is invalid: ${d.errors[0]?.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object' && 'kind' in o);
}

/** Values as `helm` reads them from standard input (`-f -`). */
export function valuesInput(values: unknown): string {
  return stringify(values);
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  values?: unknown;
  set?: string[];
  /** Render as for a cluster that serves the Prometheus Operator's API (default true). */
  monitoringApi?: boolean;
  chart?: string;
}

export function templateArgs(opts: RenderOptions = {}): string[] {
  const args = [
    'template',
    opts.release ?? 'kubemedic',
    opts.chart ?? chartDir,
    '--namespace',
    opts.namespace ?? 'kubemedic',
  ];
  if (opts.monitoringApi ?? true) {
    args.push(
      '--api-versions',
      'monitoring.coreos.com/v1/PrometheusRule',
      '--api-versions',
      'monitoring.coreos.com/v1/ServiceMonitor',
    );
  }
  if (opts.values !== undefined) args.push('-f', '-');
  for (const s of opts.set ?? []) args.push('--set', s);
  return args;
}

export async function renderText(helm: string, opts: RenderOptions = {}): Promise<string> {
  return exec(helm, templateArgs(opts), {
    input: opts.values === undefined ? undefined : valuesInput(opts.values),
  });
}

export async function render(helm: string, opts: RenderOptions = {}): Promise<K8sObject[]> {
  return parseManifests(await renderText(helm, opts));
}

/** A manifest stream for kubectl; JSON keeps every value's type as parsed. */
export function toManifest(objects: K8sObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n');
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = find(objects, kind, name);
  if (found.length !== 1)
    throw new Error(
      `expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length} (have ${objects
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .join(', ')})`,
    );
  return found[0] as K8sObject;
}

export interface RbacFileDocument {
  file: string;
  doc: K8sObject & { rules?: unknown[]; aggregationRule?: unknown };
}

/** The documents of files/rbac/*.yaml, as the chart's template reads them. */
export function rbacFileDocuments(): RbacFileDocument[] {
  if (!existsSync(rbacDir)) return [];
  return readdirSync(rbacDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) =>
      parseManifests(readFileSync(join(rbacDir, f), 'utf8')).map((doc) => ({
        file: f,
        doc: doc as RbacFileDocument['doc'],
      })),
    );
}

/** The rule groups of the rendered PrometheusRule. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function ruleGroups(objects: K8sObject[]): { name: string; rules: AlertRule[] }[] {
  const rule = one(objects, 'PrometheusRule');
  return (rule.spec as { groups: { name: string; rules: AlertRule[] }[] }).groups;
}
