// What a change does, in words: the before and after of each field a mutation touches, read from
// the live object and from the server-side dry run (so API-server defaulting is shown too). The
// JSON-patch ops already name the paths; this walks below them to the leaves that differ.
import type { KubeObject } from '../cluster/k8s-types.js';
import { redactDeep } from '../redact.js';
import type { JsonPatchOp, Mutation, ObjectAddress } from '../diagnosis/fixes/types.js';

export interface FieldChange {
  /** Human path, e.g. `spec.selector.app` or `metadata.annotations["kubectl.kubernetes.io/restartedAt"]`. */
  path: string;
  before: unknown;
  after: unknown;
}

const MAX_CHANGES = 40;
const MAX_VALUE = 160;

/** JSON-pointer segments of a path (`/a/b~1c` -> ['a', 'b/c']). */
export function segments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at a JSON pointer, or undefined when any step is missing. */
export function valueAt(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const seg of segments(pointer)) {
    if (Array.isArray(cur)) cur = /^\d+$/.test(seg) ? cur[Number(seg)] : undefined;
    else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, unknown>)[seg];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** JSON equality: key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a as object).filter(
    (k) => (a as Record<string, unknown>)[k] !== undefined,
  );
  const kb = Object.keys(b as object).filter(
    (k) => (b as Record<string, unknown>)[k] !== undefined,
  );
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** `/spec/template/metadata/annotations/a~1b` -> `spec.template.metadata.annotations["a/b"]`. */
export function humanPath(pointer: string): string {
  let out = '';
  for (const seg of segments(pointer)) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || '(the object)';
}

/** A value as a person reads it: labels as k=v, scalars bare, the rest as compact JSON. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return JSON.stringify(v);
  const flatStrings =
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === 'string');
  const text = flatStrings
    ? Object.entries(v as Record<string, string>)
        .map(([k, x]) => `${k}=${x}`)
        .join(',') || '{}'
    : JSON.stringify(v);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

// Flat string maps that are one thing (a selector) read better whole than key by key.
const isSelector = (base: string, v: unknown) =>
  /\/(selector|matchLabels)$/.test(base) &&
  isObject(v) &&
  Object.values(v).every((x) => typeof x === 'string');

const isNamedList = (v: unknown): v is { name: string }[] | undefined =>
  v === undefined ||
  (Array.isArray(v) && v.every((x) => isObject(x) && typeof x.name === 'string'));

const byName = (v: { name: string }[] | undefined) =>
  v && Object.fromEntries(v.map((x) => [x.name, x]));

/** Leaf-level differences between two values, below `base` (added and removed subtrees too). */
export function diffValues(
  before: unknown,
  after: unknown,
  base: string,
  out: FieldChange[],
): void {
  if (jsonEqual(before, after)) return;
  // Env vars read by name (`env["DB_PASSWORD"].value`), not by position.
  if (/\/env$/.test(base) && isNamedList(before) && isNamedList(after)) {
    diffValues(byName(before), byName(after), base, out);
    return;
  }
  const wholeSelector =
    (before === undefined || isSelector(base, before)) &&
    (after === undefined || isSelector(base, after));
  const objects =
    (isObject(before) || before === undefined) &&
    (isObject(after) || after === undefined) &&
    (isObject(before) || isObject(after));
  if (objects && !wholeSelector) {
    const b = (before ?? {}) as Record<string, unknown>;
    const a = (after ?? {}) as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort())
      diffValues(b[k], a[k], `${base}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    return;
  }
  const arrays =
    (Array.isArray(before) || before === undefined) &&
    (Array.isArray(after) || after === undefined) &&
    (Array.isArray(before) || Array.isArray(after)) &&
    (!Array.isArray(before) || !Array.isArray(after) || before.length === after.length);
  if (arrays) {
    const b = (before ?? []) as unknown[];
    const a = (after ?? []) as unknown[];
    for (let i = 0; i < Math.max(a.length, b.length); i++)
      diffValues(b[i], a[i], `${base}/${i}`, out);
    return;
  }
  out.push({ path: humanPath(base), before, after });
}

/** The paths a patch writes (its non-test ops), most general first, without duplicates. */
function writtenPaths(ops: JsonPatchOp[]): string[] {
  const paths = ops.filter((o) => o.op !== 'test').map((o) => o.path);
  return paths.filter(
    (p, i) => paths.indexOf(p) === i && !paths.some((q) => q !== p && p.startsWith(`${q}/`)),
  );
}

/** The field changes a mutation makes, from the object before and the dry-run result after. */
export function mutationChanges(
  mutation: Mutation,
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): FieldChange[] {
  const out: FieldChange[] = [];
  // Literal env values are compared as keyed hashes, so a diff says one changed, never its text.
  before = redactDeep(before);
  after = redactDeep(after);
  if (mutation.type === 'json-patch') {
    for (const p of writtenPaths(mutation.ops))
      diffValues(valueAt(before, p), valueAt(after, p), p, out);
  } else if (mutation.type === 'create') {
    const created = after ?? redactDeep(mutation.manifest);
    diffValues(undefined, (created as { spec?: unknown }).spec, '/spec', out);
  }
  return out;
}

/** The diff as the thread shows it: one line per field, `-`/`+` for removed/added. */
export function renderChanges(
  object: ObjectAddress,
  mutation: Mutation,
  changes: FieldChange[],
): string {
  const what = `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
  if (mutation.type === 'delete') return `${what}: deleted`;
  if (changes.length === 0) return `${what}: no change (already in the wanted state)`;
  const lines = changes.slice(0, MAX_CHANGES).map((c) => {
    if (c.before === undefined) return `+ ${c.path}: ${formatValue(c.after)}`;
    if (c.after === undefined) return `- ${c.path}: ${formatValue(c.before)}`;
    return `~ ${c.path}: ${formatValue(c.before)} → ${formatValue(c.after)}`;
  });
  if (changes.length > MAX_CHANGES) lines.push(`… and ${changes.length - MAX_CHANGES} more`);
  return `${what}${mutation.type === 'create' ? ': created' : ''}\n${lines.join('\n')}`;
}

/**
 * The field changes a plan will make, read from the plan alone (before any dry run): the value
 * before is what the patch's `test` ops pin at that path or above it; unpinned, it is shown as
 * added. Used where the full kubectl command is too long to read.
 */
export function plannedChanges(mutation: Mutation): FieldChange[] {
  const out: FieldChange[] = [];
  if (mutation.type === 'json-patch') {
    const tests = mutation.ops.filter((o) => o.op === 'test');
    const pinned = (path: string): unknown => {
      const t = tests.find((x) => path === x.path || path.startsWith(`${x.path}/`));
      return t ? valueAt(t.value, path.slice(t.path.length)) : undefined;
    };
    for (const op of mutation.ops) {
      if (op.op === 'test') continue;
      diffValues(
        redactDeep(pinned(op.path)),
        op.op === 'remove' ? undefined : redactDeep(op.value),
        op.path,
        out,
      );
    }
  } else if (mutation.type === 'create') {
    diffValues(undefined, redactDeep((mutation.manifest as { spec?: unknown }).spec), '/spec', out);
  }
  return out;
}

/** Commands longer than this are shown as the change they make, the command one click away. */
export const LONG_COMMAND_CHARS = 300;

/** The short, human diff of a plan: one line per changed field (renderChanges). */
export function planDiff(plan: { object: ObjectAddress; mutation: Mutation }): string {
  return renderChanges(plan.object, plan.mutation, plannedChanges(plan.mutation));
}
