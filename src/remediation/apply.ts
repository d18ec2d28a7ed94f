// Applies one mutation of a plan through the API server: a JSON patch, a create or a delete,
// as a server-side dry run or for real, with the field manager `kubemedic`. The plan's `test` ops
// (and uid preconditions) make the API server refuse a plan made stale by a later edit; a refusal
// is turned into words by comparing the pinned values with the object as it is now.
import { KubeApiError, type KubeApi } from '../cluster/client.js';
import type { KubeObject } from '../cluster/k8s-types.js';
import { kindInfo, pathOf } from '../cluster/kinds.js';
import {
  type FieldChange,
  diffValues,
  formatValue,
  humanPath,
  jsonEqual,
  mutationChanges,
  renderChanges,
  valueAt,
} from './diff.js';
import type { JsonPatchOp, Mutation, ObjectAddress } from '../diagnosis/fixes/types.js';

export const FIELD_MANAGER = 'kubemedic';

/** The plan no longer fits the object: nothing was changed. The message says what changed. */
export class StalePlanError extends Error {}

/** The API server refused the change for another reason (forbidden, invalid, unavailable). */
export class MutationError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/**
 * The REST path of an object (or of its collection when `name` is false): the kinds table's plural
 * at the version the plan carries (the version the object was read at, discovered for some APIs).
 */
export function resourcePath(addr: ObjectAddress, withName = true): string {
  const info = kindInfo(addr.kind);
  if (!info) throw new MutationError(`kubemedic does not know the API of ${addr.kind}`);
  const version = addr.apiVersion.split('/').pop() ?? info.version;
  return pathOf(
    { ...info, version },
    { namespace: addr.namespace || undefined, name: withName ? addr.name : undefined },
  );
}

export function describeObject(addr: Pick<ObjectAddress, 'kind' | 'name' | 'namespace'>): string {
  return `${addr.kind} ${addr.name}${addr.namespace ? ` in ${addr.namespace}` : ''}`;
}

export interface MutationResult {
  /** The object before the change (absent for a create). */
  before?: KubeObject;
  /** The object as the server returned it after the (dry-run) change; absent for a delete. */
  after?: KubeObject;
  changes: FieldChange[];
  /** The diff in words, one field a line. */
  diff: string;
}

/** Reads the object; undefined when it does not exist. */
export async function readObject(
  api: KubeApi,
  addr: ObjectAddress,
): Promise<KubeObject | undefined> {
  try {
    return await api.get<KubeObject>(resourcePath(addr));
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    throw asMutationError(err, 'read', addr);
  }
}

/** Runs the mutation as a server-side dry run (`dryRun: true`) or for real. */
export async function runMutation(
  api: KubeApi,
  addr: ObjectAddress,
  mutation: Mutation,
  opts: { dryRun: boolean },
): Promise<MutationResult> {
  const dryRun = opts.dryRun ? 'All' : undefined;
  const what = describeObject(addr);
  switch (mutation.type) {
    case 'json-patch': {
      const before = await readObject(api, addr);
      if (!before) throw new StalePlanError(`${what} no longer exists`);
      let after: KubeObject;
      try {
        after = await api.request<KubeObject>('PATCH', resourcePath(addr), {
          query: { dryRun, fieldManager: FIELD_MANAGER },
          body: mutation.ops,
          contentType: 'application/json-patch+json',
        });
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404)
          throw new StalePlanError(`${what} no longer exists`);
        if (err instanceof KubeApiError && (err.status === 422 || err.status === 409)) {
          // A failed `test` op is a 422 with no detail: find which pinned value moved.
          const now = await readObject(api, addr);
          const stale = now ? staleReason(addr, mutation.ops, now) : `${what} no longer exists`;
          if (stale) throw new StalePlanError(stale);
          if (err.status === 409)
            throw new StalePlanError(`${what} was changed concurrently (${err.message})`);
        }
        throw asMutationError(err, 'patch', addr);
      }
      const changes = mutationChanges(mutation, before, after);
      return { before, after, changes, diff: renderChanges(addr, mutation, changes) };
    }
    case 'create': {
      let after: KubeObject;
      try {
        after = await api.request<KubeObject>('POST', resourcePath(addr, false), {
          query: { dryRun, fieldManager: FIELD_MANAGER },
          body: mutation.manifest,
        });
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 409)
          throw new StalePlanError(`${what} already exists`);
        if (err instanceof KubeApiError && err.status === 404 && addr.namespace)
          throw new StalePlanError(`namespace ${addr.namespace} no longer exists`);
        throw asMutationError(err, 'create', addr);
      }
      const changes = mutationChanges(mutation, undefined, after);
      return { after, changes, diff: renderChanges(addr, mutation, changes) };
    }
    case 'delete': {
      const before = await readObject(api, addr);
      if (!before) throw new StalePlanError(`${what} no longer exists`);
      if (mutation.uid && before.metadata.uid !== mutation.uid)
        throw new StalePlanError(
          `${what} was replaced by another object of the same name since it was created (uid ${mutation.uid} is gone)`,
        );
      try {
        // With a DeleteOptions body the server ignores query parameters: dryRun goes in the body.
        await api.request('DELETE', resourcePath(addr), {
          body: {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            propagationPolicy: 'Background',
            ...(dryRun ? { dryRun: [dryRun] } : {}),
            ...(mutation.uid ? { preconditions: { uid: mutation.uid } } : {}),
          },
        });
      } catch (err) {
        if (err instanceof KubeApiError && err.status === 404)
          throw new StalePlanError(`${what} no longer exists`);
        if (err instanceof KubeApiError && err.status === 409)
          throw new StalePlanError(`${what} was replaced since it was created (${err.message})`);
        throw asMutationError(err, 'delete', addr);
      }
      const changes: FieldChange[] = [];
      return { before, changes, diff: renderChanges(addr, mutation, changes) };
    }
  }
}

/** Why the pinned values of a patch no longer hold, or undefined when they all do. */
export function staleReason(
  addr: ObjectAddress,
  ops: JsonPatchOp[],
  current: KubeObject,
): string | undefined {
  const what = `${addr.kind} ${addr.name}`;
  for (const op of ops) {
    if (op.op !== 'test') continue;
    const now = valueAt(current, op.path);
    if (jsonEqual(now, op.value)) continue;
    if (op.path === '/metadata/uid')
      return `${what} was deleted and created again since the diagnosis (it is a new object)`;
    // Name the first field that moved, not the whole pinned object.
    const moved: FieldChange[] = [];
    diffValues(op.value, now, op.path, moved);
    const first = moved[0] ?? { path: humanPath(op.path), before: op.value, after: now };
    const field = first.path.replace(/^spec\./, '');
    return `${what} changed since the diagnosis: ${field} is now ${formatValue(first.after)} (the plan was made for ${formatValue(first.before)}). Run the diagnosis again for a fresh plan.`;
  }
  return undefined;
}

/** True when the object carries again the values a fix was computed from (after an undo). */
export async function isRestored(
  api: KubeApi,
  addr: ObjectAddress,
  forward: Mutation,
): Promise<{ restored: boolean; detail: string }> {
  const current = await readObject(api, addr);
  const what = describeObject(addr);
  if (forward.type === 'create')
    return current
      ? { restored: false, detail: `${what} still exists` }
      : { restored: true, detail: `${what} is gone` };
  if (!current) return { restored: false, detail: `${what} no longer exists` };
  if (forward.type === 'delete') return { restored: true, detail: `${what} exists again` };
  const pins = forward.ops.filter((o) => o.op === 'test' && o.path !== '/metadata/uid');
  const reason = staleReason(addr, pins, current);
  return reason
    ? { restored: false, detail: reason }
    : {
        restored: true,
        detail: `${what} is back to the state the diagnosis saw (${pins.map((p) => humanPath(p.path)).join(', ') || 'as before'})`,
      };
}

/**
 * The inverse with its `test` ops pinned to what the server stored for the paths the fix wrote
 * (the API server adds defaults, normalises quantities), and a delete pinned to the created uid.
 */
export function pinInverse(
  forward: Mutation,
  inverse: Mutation | undefined,
  applied: KubeObject | undefined,
): Mutation | undefined {
  if (!inverse) return undefined;
  if (inverse.type === 'delete')
    return { type: 'delete', uid: applied?.metadata.uid ?? inverse.uid };
  if (inverse.type !== 'json-patch' || forward.type !== 'json-patch' || !applied) return inverse;
  const written = forward.ops.filter((o) => o.op !== 'test').map((o) => o.path);
  const touched = (p: string) =>
    written.some((w) => p === w || p.startsWith(`${w}/`) || w.startsWith(`${p}/`));
  return {
    type: 'json-patch',
    ops: inverse.ops.map((op) => {
      if (op.op !== 'test' || !touched(op.path)) return op;
      const stored = valueAt(applied, op.path);
      return stored === undefined ? op : { ...op, value: stored };
    }),
  };
}

function asMutationError(err: unknown, verb: string, addr: ObjectAddress): Error {
  if (err instanceof KubeApiError) {
    if (err.status === 403)
      return new MutationError(
        `the remediation identity may not ${verb} ${describeObject(addr)}: ${err.message}. ` +
          'Its ClusterRole (kubemedic-remediation) grants only what the remediations need.',
        err.status,
        err.reason,
      );
    return new MutationError(
      `the API server refused to ${verb} ${describeObject(addr)}: ${err.status} ${err.reason}: ${err.message}`,
      err.status,
      err.reason,
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
