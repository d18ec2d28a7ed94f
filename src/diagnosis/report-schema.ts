// The report `kubemedic diagnose -o json|yaml` prints, as a zod schema: the one definition the
// JSON Schema in the repo (schema/report.schema.json, `npm run schema`) is generated from, and
// what the scenario suite validates every report against. Raising schemaVersion is a contract
// change for scripts that read the report.
import * as z from 'zod';
import { LAYERS, TARGET_KINDS } from './types.js';

// Ids by shape, not by list: a new check or fix must not need this file (or the JSON Schema
// generated from it) to change. The registries' own tests hold the lists.
const checkId = z
  .string()
  .regex(/^[a-z]+\.[a-z0-9-]+$/)
  .describe('A check id: `kubemedic checks` lists them');
const objectRef = z.object({
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
});
const point = z.object({ at: z.string(), value: z.number() });
const jsonPatchOp = z.object({
  op: z.enum(['add', 'remove', 'replace', 'test']),
  path: z.string(),
  value: z.unknown().optional(),
});

const plan = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .describe('A remediation id: `kubemedic checks` lists them'),
  title: z.string(),
  risk: z.enum(['low', 'medium', 'high']),
  object: objectRef.extend({ apiVersion: z.string() }),
  mutation: z.discriminatedUnion('type', [
    z.object({ type: z.literal('json-patch'), ops: z.array(jsonPatchOp) }),
    z.object({ type: z.literal('create'), manifest: z.record(z.string(), z.unknown()) }),
    z.object({ type: z.literal('delete'), uid: z.string().optional() }),
  ]),
  kubectl: z.string().describe('The kubectl command that makes the same change'),
  kubectlArgv: z.array(z.string()),
  kubectlStdin: z.string().optional(),
  expectedEffect: z.string(),
  precondition: z.string(),
  inverse: z.unknown().optional(),
  verify: z.object({
    waitFor: z.enum(['endpoints-ready', 'rollout-complete', 'none']),
    checks: z.array(checkId),
    target: objectRef.optional(),
  }),
  params: z.record(z.string(), z.unknown()).optional(),
});

const finding = z.object({
  check: checkId,
  layer: z.enum(LAYERS),
  severity: z.enum(['critical', 'warning', 'info']),
  title: z.string(),
  detail: z.string(),
  evidence: z.array(
    z.object({
      command: z.string().describe('What a person pastes; `output` is what it prints'),
      output: z.string(),
      argv: z.array(z.string()),
    }),
  ),
  objects: z.array(objectRef),
  remediations: z.array(plan),
});

export const ReportDocumentSchema = z
  .object({
    schemaVersion: z.literal(1),
    generatedAt: z.iso.datetime().describe('When the report was made'),
    target: z.object({
      kind: z.enum(TARGET_KINDS),
      name: z.string(),
      namespace: z.string(),
      cluster: z.string(),
    }),
    verdict: z.enum(['unhealthy', 'degraded', 'healthy', 'unknown']),
    rootCause: checkId.nullable(),
    summary: z.string(),
    findings: z.array(finding),
    skipped: z.array(z.object({ check: checkId, reason: z.string() })),
    notRead: z.array(z.string()).optional(),
    timeline: z.array(z.object({ at: z.string(), what: z.string() })),
    history: z
      .object({
        at: z.string(),
        ready: z.array(point),
        restarts: z.array(point),
        revisions: z.array(
          z.object({ at: z.string(), workload: z.string(), revision: z.int().nonnegative() }),
        ),
        desired: z.int().nonnegative().optional(),
      })
      .optional()
      .describe(
        'Ready endpoints, restarts and revisions over time: what the incident picture draws',
      ),
    durationMs: z.number().nonnegative(),
    apiRequests: z.int().nonnegative(),
    apiRounds: z.int().nonnegative().describe('Sequential rounds of API reads the diagnosis made'),
  })
  .strict()
  .meta({
    title: 'kubemedic diagnosis report',
    description: 'What `kubemedic diagnose -o json` (or -o yaml) prints.',
  });

/** The JSON Schema of the report, as written to schema/report.schema.json. */
export function reportJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(ReportDocumentSchema), null, 2)}\n`;
}
