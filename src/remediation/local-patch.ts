// A JSON patch applied to a copy of an object, off the cluster: what the demo shows as "what
// Approve would do" when there is no API server to dry-run against. Only the ops plans use.
import type { JsonPatchOp } from '../diagnosis/fixes/types.js';
import { jsonEqual, segments } from './diff.js';

export class LocalPatchError extends Error {}

/** Returns the patched copy; throws LocalPatchError when a `test` fails or a path is missing. */
export function applyPatchLocally<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  const root = structuredClone(doc) as unknown;
  for (const op of ops) {
    const segs = segments(op.path);
    const last = segs.pop();
    if (last === undefined) throw new LocalPatchError(`${op.op} of the whole object`);
    let parent: unknown = root;
    for (const s of segs) {
      parent = Array.isArray(parent)
        ? parent[Number(s)]
        : (parent as Record<string, unknown> | undefined)?.[s];
      if (parent === null || typeof parent !== 'object')
        throw new LocalPatchError(`${op.path}: no such path`);
    }
    const container = parent as Record<string, unknown> | unknown[];
    const current = Array.isArray(container) ? container[Number(last)] : container[last];
    switch (op.op) {
      case 'test':
        if (!jsonEqual(current, op.value))
          throw new LocalPatchError(`${op.path}: the object no longer holds the planned value`);
        break;
      case 'remove':
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else delete container[last];
        break;
      case 'add':
        if (Array.isArray(container)) {
          if (last === '-') container.push(op.value);
          else container.splice(Number(last), 0, op.value);
        } else container[last] = op.value;
        break;
      case 'replace':
        if (current === undefined) throw new LocalPatchError(`${op.path}: nothing to replace`);
        if (Array.isArray(container)) container[Number(last)] = op.value;
        else container[last] = op.value;
        break;
    }
  }
  return root as T;
}
