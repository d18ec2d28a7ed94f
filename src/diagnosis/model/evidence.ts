// What findings show: commands built from argv and shell-quoted (shell.ts), and times in words.
import { shellJoin } from '../../shell.js';
import type { EndpointSlice } from '../../cluster/k8s-types.js';
import type { Evidence } from '../types.js';

/**
 * Evidence: a kubectl command and what it shows. The command is built from its argv and
 * shell-quoted, so names the cluster holds stay single arguments when the command is pasted.
 */
export function evidence(args: readonly string[], output: string): Evidence {
  return shown(['kubectl', ...args], output);
}

/** Any command a finding shows (kubectl or kubemedic), quoted from its argv. */
export function shown(argv: readonly string[], output: string): Evidence {
  return { command: shellJoin(argv), output, argv: [...argv] };
}

export function ago(from: string | undefined, now: Date): string {
  if (!from) return 'at an unknown time';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

/** One column of `-o custom-columns`: its header, the field path, and the value the object holds. */
export type Column = readonly [header: string, path: string, value: unknown];

/**
 * `-o custom-columns=H:.path,...` and what kubectl prints with it for one object: its tab writer
 * pads every column but the last to its widest cell plus 3 (at least 6); an absent field is
 * `<none>`.
 */
export function customColumns(columns: readonly Column[]): { arg: string; output: string } {
  return customColumnsTable(
    columns.map(([h, path]) => [h, path] as const),
    [columns.map(([, , v]) => v)],
  );
}

/**
 * `-o custom-columns=...` for a list: one row of values per object, in the order kubectl lists
 * them (by name). A cell prints as Go's `%v` does (a map as `map[k:v]`, a list as `[a b]`); for a
 * `[*]` path the row holds the array of values found, printed joined with commas; nothing found
 * is `<none>`.
 */
export function customColumnsTable(
  columns: readonly (readonly [header: string, path: string])[],
  rows: readonly (readonly unknown[])[],
): { arg: string; output: string } {
  const cells = columns.map(([h, path], i) => [
    h,
    ...rows.map((r) => cell(r[i], path.includes('[*]') || path.includes('[?('))),
  ]);
  const line = (row: number) =>
    cells
      .map((c, i) => {
        const text = c[row] ?? '';
        if (i === cells.length - 1) return text;
        return text.padEnd(Math.max(6, ...c.map((x) => x.length + 3)));
      })
      .join('');
  return {
    arg: `custom-columns=${columns.map(([h, path]) => `${h}:${path}`).join(',')}`,
    output: [0, ...rows.map((_, i) => i + 1)].map(line).join('\n'),
  };
}

function cell(v: unknown, many: boolean): string {
  if (many && Array.isArray(v)) {
    const found = v.filter((x) => x !== undefined && x !== null);
    return found.length ? found.map(goValue).join(',') : '<none>';
  }
  return v === undefined || v === null ? '<none>' : goValue(v);
}

/** A value as Go's `fmt` `%v` prints what kubectl decoded from JSON. */
function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (v !== null && typeof v === 'object')
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`)
      .join(' ')}]`;
  return String(v);
}

/**
 * A value as `kubectl get -o jsonpath={...}` prints it: a string bare, anything else as JSON with
 * every object's keys sorted (kubectl marshals what it read as maps), nothing for a missing field.
 */
export function jsonpathText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}

/**
 * `kubectl get endpointslices -l kubernetes.io/service-name=NAME` in columns kubectl prints
 * exactly: each slice and the ready condition of its endpoints. With no slice read (the
 * Endpoints or the pods were counted instead) the command is shown without an output block.
 */
export function endpointSlicesEvidence(
  slices: readonly EndpointSlice[],
  namespace: string,
  service: string,
): Evidence {
  const mine = slices
    .filter(
      (s) =>
        s.metadata.namespace === namespace &&
        s.metadata.labels?.['kubernetes.io/service-name'] === service,
    )
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const args = [
    'get',
    'endpointslices',
    '-n',
    namespace,
    '-l',
    `kubernetes.io/service-name=${service}`,
  ];
  if (mine.length === 0) return evidence(args, '');
  const table = customColumnsTable(
    [
      ['NAME', '.metadata.name'],
      ['READY', '.endpoints[*].conditions.ready'],
    ],
    mine.map((s) => [s.metadata.name, (s.endpoints ?? []).map((e) => e.conditions?.ready)]),
  );
  return evidence([...args, '-o', table.arg], table.output);
}

/**
 * The jsonpath of a JSON pointer (`/spec/rules/0/backendRefs/1` → `.spec.rules[0].backendRefs[1]`)
 * and the value the object holds there, for `-o jsonpath={...}` evidence on one field.
 */
/**
 * `kubectl get KIND NAME -n NS -o jsonpath={POINTER as a path}` for one object, and exactly what
 * kubectl prints for it.
 */
export function fieldEvidence(
  kind: string,
  object: { metadata: { name: string; namespace?: string } },
  pointer: string,
): Evidence {
  const { path, value } = atPointer(object, pointer);
  return evidence(
    [
      'get',
      kind,
      object.metadata.name,
      '-n',
      object.metadata.namespace ?? '',
      '-o',
      `jsonpath={${path}}`,
    ],
    jsonpathText(value),
  );
}

export function atPointer(object: unknown, pointer: string): { path: string; value: unknown } {
  let path = '';
  let value: unknown = object;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`;
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<string, unknown>)[seg]
        : undefined;
  }
  return { path, value };
}
