// What a scenario is: a directory under test/scenarios/ with manifests.yaml (applied in a fresh
// namespace), scenario.json (validated here), dump.json (captured by capture.ts) and, for
// scenarios that need cluster-wide objects (kube-system, CRDs, nodes), cluster.yaml.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CHECK_IDS } from '../../../src/diagnosis/registry.js';
import { REMEDIATION_IDS } from '../../../src/diagnosis/fixes/registry.js';

export const scenariosDir = join(import.meta.dirname, '..');

/** `kind/name`, where the name may contain {{NS}}. */
const objectName = z.string().regex(/^[a-z]+\/([a-z0-9.-]|\{\{NS\}\})+$/);

const conditionSchema = z
  .object({
    type: z.string(),
    status: z.union([z.string(), z.array(z.string())]).optional(),
    reason: z.string().optional(),
  })
  .strict();
export type ConditionSpec = z.infer<typeof conditionSchema>;

/** Pods matching a label selector: exactly `count` live ones, each in the given state. */
const podsWait = z
  .object({
    pods: z.string(),
    namespace: z.string().optional(),
    count: z.number().int().min(0),
    phase: z.string().optional(),
    ready: z.boolean().optional(),
    waiting: z.string().optional(),
    condition: conditionSchema.optional(),
  })
  .strict();

/** The EndpointSlices of a Service hold this many ready (and not-ready) addresses. */
const endpointsWait = z
  .object({
    endpoints: z.string(),
    namespace: z.string().optional(),
    ready: z.number().int().min(0),
    notReady: z.number().int().min(0).optional(),
  })
  .strict();

/** One object (`kind/name`) has a status condition, or a field (dotted path) equal to a value. */
const objectWait = z
  .object({
    object: objectName,
    namespace: z.string().optional(),
    condition: conditionSchema.optional(),
    field: z.string().optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .strict()
  .refine((w) => w.condition !== undefined || w.field !== undefined, {
    message: 'an object wait needs a condition or a field',
  });

export const waitSchema = z.union([podsWait, endpointsWait, objectWait]);
export type WaitSpec = z.infer<typeof waitSchema>;

const stepSchema = z.union([
  z.object({ wait: waitSchema }).strict(),
  /** Applies another manifest file of the scenario directory in the scenario namespace. */
  z.object({ apply: z.string().regex(/^[a-z0-9-]+\.yaml$/) }).strict(),
  z
    .object({
      patch: objectName,
      type: z.enum(['merge', 'strategic', 'json']).default('strategic'),
      value: z.unknown(),
    })
    .strict(),
  z
    .object({
      label: objectName,
      labels: z.record(z.string(), z.string()),
    })
    .strict(),
  /**
   * core/v1 Events about each pod matching `pods`, as the kubelet would post them: about the
   * pod's `container` (default its first; an init container's too), the message's `{{pod}}`,
   * `{{container}}`, `{{uid}}` and `{{podIP}}` the pod's.
   */
  z
    .object({
      events: z
        .object({
          pods: z.string(),
          container: z.string().optional(),
          type: z.enum(['Normal', 'Warning']),
          reason: z.string(),
          message: z.string(),
          count: z.number().int().positive().default(1),
        })
        .strict(),
    })
    .strict(),
  /** PodMetrics (metrics.k8s.io) for each pod matching `pods`, as metrics-server serves them. */
  z
    .object({
      podMetrics: z
        .object({
          pods: z.string(),
          usage: z.record(z.string(), z.object({ cpu: z.string(), memory: z.string() }).strict()),
        })
        .strict(),
    })
    .strict(),
]);
export type StepSpec = z.infer<typeof stepSchema>;

export const expectedSchema = z
  .object({
    verdict: z.enum(['healthy', 'degraded', 'unhealthy', 'unknown']),
    rootCause: z.enum(CHECK_IDS).nullable(),
    /** Check ids that must appear among the findings. */
    findings: z.array(z.enum(CHECK_IDS)),
    /** Check ids that must not appear (false alarms). */
    absent: z.array(z.enum(CHECK_IDS)).default([]),
    /** The remediation expected on the root-cause finding. */
    remediation: z.enum(REMEDIATION_IDS).optional(),
    /** Words the root-cause finding's title or detail must contain. */
    detailIncludes: z.array(z.string()).default([]),
    /** Live, the most sequential rounds of API reads the diagnosis may take (issue 11). */
    apiRounds: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.rootCause && !e.findings.includes(e.rootCause))
      ctx.addIssue({ code: 'custom', message: 'rootCause must be listed in findings' });
    if (e.findings.some((f) => e.absent.includes(f)))
      ctx.addIssue({ code: 'custom', message: 'a check id cannot be both expected and absent' });
    if ((e.verdict === 'healthy') !== (e.rootCause === null))
      ctx.addIssue({ code: 'custom', message: 'only a healthy verdict has no root cause' });
    if (e.remediation && !e.rootCause)
      ctx.addIssue({ code: 'custom', message: 'a remediation needs a root cause to sit on' });
  });
export type Expected = z.infer<typeof expectedSchema>;

export const scenarioSchema = z
  .object({
    description: z.string().min(20),
    /** The seed write-up (shared/seeds/) the failure mode comes from. */
    seed: z.string().optional(),
    /** `private`: changes cluster-wide state, so it runs only on a private cluster. */
    scope: z.enum(['shared', 'private']).default('shared'),
    /** Shared cluster-wide CRDs (support/<name>-crds.yaml) the scenario's objects need. */
    crds: z.array(z.enum(['gateway-api'])).default([]),
    target: z.string(),
    expected: expectedSchema,
    settle: z.array(waitSchema).min(1),
    steps: z.array(stepSchema).default([]),
    /**
     * What the running containers of the pods matching `pods` log ({{NS}} substituted): capture.ts
     * records it in the dump as PodLog items, as the gatherer reads it with `--logs` or a 5xx
     * alert. Live, support/pod-logs.ts writes them for KWOK to serve through the pods/log endpoint
     * (live.test.ts, live-app-logs.test.ts).
     */
    logs: z
      .array(
        z
          .object({
            pods: z.string(),
            container: z.string().optional(),
            lines: z.array(z.string()).min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();

export interface Scenario extends z.infer<typeof scenarioSchema> {
  name: string;
  dir: string;
  /** Namespace-less manifests, `{{NS}}` not yet substituted. */
  manifests: string;
  /** Cluster-wide objects (explicit namespaces or cluster-scoped), private scenarios only. */
  clusterManifests?: string;
  dumpPath: string;
}

export function substitute(text: string, namespace: string): string {
  return text.replaceAll('{{NS}}', namespace);
}

export function loadScenario(name: string): Scenario {
  const dir = join(scenariosDir, name);
  const raw: unknown = JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8'));
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`${name}/scenario.json is invalid: ${z.prettifyError(parsed.error)}`);
  const clusterPath = join(dir, 'cluster.yaml');
  const own = existsSync(clusterPath) ? [readFileSync(clusterPath, 'utf8')] : [];
  const crds = parsed.data.crds.map((c) =>
    readFileSync(join(scenariosDir, 'support', `${c}-crds.yaml`), 'utf8'),
  );
  const clusterManifests = [...crds, ...own].join('\n---\n') || undefined;
  if (clusterManifests && parsed.data.scope !== 'private')
    throw new Error(
      `${name}: a scenario with cluster.yaml or crds changes cluster-wide state: scope private`,
    );
  if (name.length > 40) throw new Error(`${name}: keep scenario names to 40 characters`);
  return {
    ...parsed.data,
    name,
    dir,
    manifests: readFileSync(join(dir, 'manifests.yaml'), 'utf8'),
    clusterManifests,
    dumpPath: join(dir, 'dump.json'),
  };
}

export function scenarioNames(): string[] {
  return readdirSync(scenariosDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(scenariosDir, d.name, 'scenario.json')))
    .map((d) => d.name)
    .sort();
}

export function loadScenarios(): Scenario[] {
  return scenarioNames().map(loadScenario);
}
