// The approval policy: who may approve which remediation in which namespace, whether the requester
// may approve their own request, whether two approvals are needed, and the bounds of scale and
// resource fixes. KUBEMEDIC_APPROVERS is the simple case (anyone listed may approve anything);
// KUBEMEDIC_POLICY names a YAML file for the full one. No policy at all means nobody may apply.
//
//   enabled: [patch-service-selector, rollout-restart, rollout-undo]   # optional; default all
//   bounds: { maxReplicas: 10, maxMemory: 4Gi }                         # optional defaults
//   rules:                                                              # first match wins
//     - namespaces: [prod-*]
//       clusters: [prod-*]                                              # optional; default all
//       remediations: ['*']
//       approvers: ['@sre-leads', U0123ABCD]
//       requiredApprovals: 2
//       allowSelfApproval: false
//       bounds: { maxReplicas: 6, maxMemory: 2Gi }
//     - namespaces: ['*']
//       approvers: ['@oncall']
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { parseQuantity } from '../diagnosis/model/quantity.js';
import {
  REMEDIATION_IDS,
  type RemediationId,
  isRemediationId,
} from '../diagnosis/fixes/registry.js';
import type { PlanBounds } from '../diagnosis/fixes/types.js';

export class PolicyError extends Error {}

export const DEFAULT_BOUNDS: PlanBounds = {
  maxReplicas: 10,
  maxMemory: '4Gi',
  maxMemoryBytes: 4 * 1024 ** 3,
};

export const NO_POLICY_REASON =
  'No approval policy is configured, so nobody may apply fixes. Set KUBEMEDIC_APPROVERS to the ' +
  'Slack user ids or @usergroup handles allowed to approve (e.g. KUBEMEDIC_APPROVERS=U0123ABCD,@sre-oncall), ' +
  'or KUBEMEDIC_POLICY to a policy file.';

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;
// Slack handles are lower case; an upper-case spelling is accepted and lower-cased.
const GROUP_HANDLE = /^@[a-z0-9][a-z0-9._-]*$/i;

function isApprover(s: string): boolean {
  return USER_ID.test(s) || GROUP_ID.test(s) || GROUP_HANDLE.test(s);
}

export function isGroup(approver: string): boolean {
  return approver.startsWith('@') || GROUP_ID.test(approver);
}

/** `@SRE` -> `@sre`; ids as they are. */
function normaliseApprover(s: string): string {
  return s.startsWith('@') ? s.toLowerCase() : s;
}

const approverSchema = z
  .string()
  .trim()
  .refine(isApprover, {
    message: 'expected a Slack user id (U… or W…), a @usergroup handle or a usergroup id (S…)',
  })
  .transform(normaliseApprover);

const namespacePattern = z
  .string()
  .regex(/^[a-z0-9*?][-a-z0-9*?]*$/, 'expected a namespace name or a glob such as prod-*');

const clusterPattern = z
  .string()
  .regex(/^[a-z0-9*?][-a-z0-9.*?]*$/i, 'expected a cluster name or a glob such as prod-*');

const memoryQuantity = z.string().refine((q) => (parseQuantity(q) ?? 0) >= 1024 ** 2, {
  message: 'expected a memory quantity of at least 1Mi, such as 512Mi or 4Gi',
});

const remediationId = z.string().refine(isRemediationId, {
  message: `unknown remediation id; expected one of ${REMEDIATION_IDS.join(', ')}`,
});

const remediationRef = z.string().refine((v) => v === '*' || isRemediationId(v), {
  message: `unknown remediation id; expected '*' or one of ${REMEDIATION_IDS.join(', ')}`,
});

const boundsSchema = z.strictObject({
  maxReplicas: z.number().int().min(0).max(10_000).optional(),
  maxMemory: memoryQuantity.optional(),
});

const ruleSchema = z.strictObject({
  namespaces: z.array(namespacePattern).min(1).default(['*']),
  clusters: z.array(clusterPattern).min(1).default(['*']),
  remediations: z.array(remediationRef).min(1).default(['*']),
  approvers: z.array(approverSchema).min(1, 'name at least one approver'),
  allowSelfApproval: z.boolean().default(false),
  requiredApprovals: z
    .number()
    .int('must be 1 or 2')
    .min(1, 'must be 1 or 2')
    .max(2, 'must be 1 or 2')
    .default(1),
  bounds: boundsSchema.optional(),
});

export const PolicyFileSchema = z.strictObject({
  enabled: z.array(remediationId).optional(),
  bounds: boundsSchema.optional(),
  rules: z.array(ruleSchema).min(1, 'a policy needs at least one rule'),
});
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

export interface ApprovalRule {
  /** Position in the policy, for messages ("rule 2"). */
  index: number;
  namespaces: string[];
  /** Clusters (KUBEMEDIC_CLUSTER names, globs) the rule covers; ['*'] when the file names none. */
  clusters: string[];
  remediations: ('*' | RemediationId)[];
  approvers: string[];
  allowSelfApproval: boolean;
  requiredApprovals: number;
  bounds: PlanBounds;
}

export interface ApprovalPolicy {
  /** Where the policy came from (a file path or KUBEMEDIC_APPROVERS). */
  source: string;
  /** Remediations that may be applied at all; absent: every one. */
  enabled?: RemediationId[];
  rules: ApprovalRule[];
}

type Bounds = z.infer<typeof boundsSchema>;

function resolveBounds(...layers: (Bounds | undefined)[]): PlanBounds {
  const out = { ...DEFAULT_BOUNDS };
  for (const b of layers) {
    if (b?.maxReplicas !== undefined) out.maxReplicas = b.maxReplicas;
    if (b?.maxMemory !== undefined) {
      out.maxMemory = b.maxMemory;
      out.maxMemoryBytes = parseQuantity(b.maxMemory) ?? out.maxMemoryBytes;
    }
  }
  return out;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const message = /received undefined$/.test(i.message) ? 'is required' : i.message;
      return `  - ${formatPath(i.path)}: ${message}`;
    })
    .join('\n');
}

/** Parses and validates a policy file's text. Throws PolicyError naming each bad field. */
export function parsePolicy(text: string, source: string): ApprovalPolicy {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0)
    throw new PolicyError(
      `approval policy ${source} is not valid YAML:\n${doc.errors.map((e) => `  - ${(e.message.split('\n')[0] ?? '').replace(/:$/, '')}`).join('\n')}`,
    );
  const parsed = PolicyFileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success)
    throw new PolicyError(`approval policy ${source} is invalid:\n${formatIssues(parsed.error)}`);
  const file = parsed.data;
  return {
    source,
    enabled: file.enabled as RemediationId[] | undefined,
    rules: file.rules.map((r, index) => ({
      index: index + 1,
      namespaces: r.namespaces,
      clusters: r.clusters,
      remediations: r.remediations as ('*' | RemediationId)[],
      approvers: [...new Set(r.approvers)],
      allowSelfApproval: r.allowSelfApproval,
      requiredApprovals: r.requiredApprovals,
      bounds: resolveBounds(file.bounds, r.bounds),
    })),
  };
}

/** The simple policy: everyone listed may approve every remediation in every namespace. */
export function approversPolicy(
  list: string | string[],
  source = 'KUBEMEDIC_APPROVERS',
): ApprovalPolicy {
  const approvers = (typeof list === 'string' ? list.split(/[\s,]+/) : list)
    .map((s) => s.trim())
    .filter(Boolean)
    .map(normaliseApprover);
  const bad = approvers.filter((a) => !isApprover(a));
  if (bad.length > 0)
    throw new PolicyError(
      `${source}: ${bad.map((b) => JSON.stringify(b)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not a Slack user id (U… or W…), @usergroup handle or usergroup id (S…)`,
    );
  if (approvers.length === 0) throw new PolicyError(`${source} is set but names nobody`);
  return {
    source,
    rules: [
      {
        index: 1,
        namespaces: ['*'],
        clusters: ['*'],
        remediations: ['*'],
        approvers: [...new Set(approvers)],
        allowSelfApproval: false,
        requiredApprovals: 1,
        bounds: { ...DEFAULT_BOUNDS },
      },
    ],
  };
}

/** KUBEMEDIC_APPROVERS as the comma list, or as config/env.ts parses it (group handles without @). */
export type ApproverSetting = string | { users: string[]; groups: string[] };

function approverList(setting: ApproverSetting | undefined): string[] {
  if (setting === undefined) return [];
  if (typeof setting === 'string') return setting.split(/[\s,]+/).filter(Boolean);
  return [
    ...setting.users,
    ...setting.groups.map((g) => (GROUP_ID.test(g) || g.startsWith('@') ? g : `@${g}`)),
  ];
}

/**
 * The policy from KUBEMEDIC_POLICY (a file, which wins when both are set) or
 * KUBEMEDIC_APPROVERS; undefined when neither is set, which means nobody may apply.
 * With the Config of config/env.ts: `loadPolicy({ approvers: config.approvers, policyFile: config.policyFile })`.
 */
export async function loadPolicy(settings: {
  approvers?: ApproverSetting;
  policyFile?: string;
}): Promise<ApprovalPolicy | undefined> {
  const file = settings.policyFile?.trim();
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new PolicyError(
        `KUBEMEDIC_POLICY: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    return parsePolicy(text, file);
  }
  const list = approverList(settings.approvers);
  return list.length > 0 ? approversPolicy(list) : undefined;
}

export function loadPolicyFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ApprovalPolicy | undefined> {
  return loadPolicy({ approvers: env.KUBEMEDIC_APPROVERS, policyFile: env.KUBEMEDIC_POLICY });
}

function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** The first rule covering this remediation in this namespace (of this cluster, when named). */
export function ruleFor(
  policy: ApprovalPolicy,
  namespace: string,
  remediation: RemediationId,
  cluster?: string,
): ApprovalRule | undefined {
  return policy.rules.find(
    (r) =>
      (cluster === undefined || r.clusters.some((p) => globMatch(p, cluster))) &&
      r.namespaces.some((p) => globMatch(p, namespace)) &&
      r.remediations.some((x) => x === '*' || x === remediation),
  );
}

/** Membership of Slack user groups (by @handle or S… id). */
export interface UsergroupDirectory {
  members(group: string): Promise<ReadonlySet<string>>;
}

export interface AuthorisationRequest {
  user: string;
  /** Everyone who asked for the diagnosis the plan came from (several when requests joined). */
  requesters?: readonly string[];
  namespace: string;
  /** The plan's cluster: rules with `clusters` patterns match it. */
  cluster?: string;
  remediation: RemediationId;
  purpose: 'approve' | 'reject' | 'undo';
}

export type Authorisation =
  | { ok: true; rule: ApprovalRule; requiredApprovals: number; bounds: PlanBounds }
  | { ok: false; reason: string };

function describeApprovers(approvers: string[]): string {
  return approvers.map((a) => (USER_ID.test(a) ? `<@${a}>` : a)).join(', ');
}

/** Whether the user is one of the approvers, directly or through a user group. */
async function isApproverOf(
  user: string,
  approvers: string[],
  groups: UsergroupDirectory | undefined,
): Promise<{ ok: boolean; problems: string[] }> {
  if (approvers.includes(user)) return { ok: true, problems: [] };
  const problems: string[] = [];
  for (const group of approvers.filter(isGroup)) {
    if (!groups) {
      problems.push(`no Slack client to read the members of ${group}`);
      continue;
    }
    try {
      if ((await groups.members(group)).has(user)) return { ok: true, problems: [] };
    } catch (err) {
      problems.push(`cannot read the members of ${group}: ${(err as Error).message}`);
    }
  }
  return { ok: false, problems };
}

/** Decides whether the user may do this; a refusal says why and what would allow it. */
export async function authorise(
  policy: ApprovalPolicy | undefined,
  req: AuthorisationRequest,
  groups?: UsergroupDirectory,
): Promise<Authorisation> {
  if (!policy) return { ok: false, reason: NO_POLICY_REASON };
  if (req.purpose === 'approve' && policy.enabled && !policy.enabled.includes(req.remediation))
    return {
      ok: false,
      reason: `${req.remediation} is not enabled by the approval policy (${policy.source}); enabled: ${policy.enabled.join(', ') || 'none'}.`,
    };
  const rule = ruleFor(policy, req.namespace, req.remediation, req.cluster);
  const where = `namespace ${req.namespace}${req.cluster ? ` of cluster ${req.cluster}` : ''}`;
  if (!rule)
    return {
      ok: false,
      reason: `No rule of the approval policy (${policy.source}) covers ${req.remediation} in ${where}, so nobody may apply it there.`,
    };
  const allowed = {
    ok: true as const,
    rule,
    requiredApprovals: rule.requiredApprovals,
    bounds: rule.bounds,
  };
  // Withdrawing one's own request needs no approver rights.
  if (req.purpose === 'reject' && (req.requesters ?? []).includes(req.user)) return allowed;
  const member = await isApproverOf(req.user, rule.approvers, groups);
  if (!member.ok) {
    const verb = { approve: 'approve', reject: 'reject', undo: 'undo' }[req.purpose];
    return {
      ok: false,
      reason:
        `<@${req.user}> may not ${verb} ${req.remediation} in ${req.namespace}: the approvers are ${describeApprovers(rule.approvers)} (rule ${rule.index} of ${policy.source}).` +
        (member.problems.length ? ` (${member.problems.join('; ')})` : ''),
    };
  }
  if (
    req.purpose === 'approve' &&
    !rule.allowSelfApproval &&
    (req.requesters ?? []).includes(req.user)
  )
    return {
      ok: false,
      reason: `You asked for this diagnosis, and the approval policy does not let a requester approve their own fix (rule ${rule.index} of ${policy.source}): ask another approver.`,
    };
  return allowed;
}
