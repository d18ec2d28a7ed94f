import type { KubeObject } from './k8s-types.js';
import { redact } from '../redact.js';
import { KINDS, type KindObjects, type ResourceKind } from './kinds.js';

export type { ResourceKind };

/** The raw API objects one diagnosis read, grouped by kind (kinds.ts). Secrets and ConfigMaps keep only metadata. */
export type Snapshot = { [F in ResourceKind]: KindObjects[F][] } & {
  /** Log tails (redacted): the previous container's of crash-looping pods, and the current
   *  container's of a sample of ready backends when asked for (an alert, `--logs`). */
  logs: ContainerLog[];
  /** Kinds (or whole scopes) that could not be read, with the reason (forbidden, API absent, timed out). */
  unavailable: Partial<Record<UnavailableKey, string>>;
  /** Names taken from objects that were not requested because they are not valid names, and why. */
  notRead: string[];
  capturedAt: string;
};

export interface ContainerLog {
  namespace: string;
  pod: string;
  container: string;
  /** `previous`: the last terminated container (absent means previous, as older dumps hold);
   *  `current`: the running one, read with timestamps so each line says when it was written. */
  kind?: 'current' | 'previous';
  /** The read started here (the alert's start), when it was bounded in time. */
  since?: string;
  text?: string;
  error?: string;
}

/** A log tail as a dump carries it: one List item of this kind per container (capture.ts). */
export const POD_LOG_KIND = 'PodLog';

function podLogOf(item: Record<string, unknown>): ContainerLog | undefined {
  const meta = item.metadata as { namespace?: unknown } | undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const namespace = str(meta?.namespace);
  const pod = str(item.pod);
  const container = str(item.container);
  if (!namespace || !pod || !container) return undefined;
  const kind = item.logKind === 'current' ? 'current' : 'previous';
  return {
    namespace,
    pod,
    container,
    kind,
    ...(str(item.since) ? { since: str(item.since) } : {}),
    ...(str(item.text) !== undefined ? { text: str(item.text) } : {}),
    ...(str(item.error) ? { error: str(item.error) } : {}),
  };
}

/** A kind, or `kube-system` when the cluster components (CoreDNS, kube-proxy) could not be read. */
export type UnavailableKey = ResourceKind | 'kube-system';

export function emptySnapshot(capturedAt = new Date().toISOString()): Snapshot {
  const lists = Object.fromEntries(KINDS.map((k) => [k.field, []])) as unknown as {
    [F in ResourceKind]: KindObjects[F][];
  };
  return { ...lists, logs: [], unavailable: {}, notRead: [], capturedAt };
}

/** API kind (as in `kind:` of an object) to the snapshot field that holds it. */
export const KIND_TO_FIELD: Readonly<Record<string, ResourceKind>> = Object.fromEntries(
  KINDS.map((k) => [k.kind, k.field]),
);

/** Keeps what checks need of a Secret or ConfigMap: that it exists and which keys it has. */
export function metadataOnly(obj: KubeObject & { data?: Record<string, unknown> }): KubeObject {
  const keys = Object.keys(obj.data ?? {}).sort();
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      annotations: keys.length ? { 'kubemedic.io/data-keys': keys.join(',') } : undefined,
    },
  };
}

// Where each object of a snapshot sits in its list, by uid (kind/namespace/name for an object
// without one): the same dump given twice, or two dumps that overlap, must not count a pod twice.
const seen = new WeakMap<Snapshot, Map<string, number>>();

function identity(item: KubeObject & { kind?: string }): string {
  const m = item.metadata;
  return m.uid ? `${item.kind}:${m.uid}` : `${item.kind}/${m.namespace ?? ''}/${m.name}`;
}

/**
 * Adds API objects of any kinds to a snapshot; kinds no check reads are ignored. An object
 * already there (same uid) is replaced by the later copy, as a later `kubectl get` would show it,
 * and not counted again. Returns how many were added.
 */
export function addObjects(snapshot: Snapshot, objects: readonly unknown[]): number {
  let known = seen.get(snapshot);
  if (!known) seen.set(snapshot, (known = new Map()));
  let added = 0;
  for (const item of objects) {
    if (!isKubeObject(item)) continue;
    if (item.kind === 'List' || item.kind?.endsWith('List')) {
      const nested = (item as { items?: unknown[] }).items ?? [];
      const listKind = item.kind === 'List' ? undefined : item.kind.slice(0, -4);
      added += addObjects(
        snapshot,
        nested.map((n) => (listKind && isRecord(n) && !n.kind ? { ...n, kind: listKind } : n)),
      );
      continue;
    }
    if (item.kind === POD_LOG_KIND) {
      const log = podLogOf(item as unknown as Record<string, unknown>);
      if (log) snapshot.logs.push({ ...log, text: log.text && redact(log.text) });
      if (log) added++;
      continue;
    }
    const field = item.kind ? KIND_TO_FIELD[item.kind] : undefined;
    if (!field) continue;
    const stored = field === 'secrets' || field === 'configMaps' ? metadataOnly(item) : item;
    const list = snapshot[field] as KubeObject[];
    const id = identity(item);
    const at = known.get(id);
    if (at !== undefined && list[at]?.metadata.name === item.metadata.name) {
      list[at] = stored;
      continue;
    }
    known.set(id, list.push(stored) - 1);
    added++;
  }
  return added;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isKubeObject(v: unknown): v is KubeObject & { kind?: string; items?: unknown[] } {
  if (!isRecord(v)) return false;
  if (Array.isArray(v.items)) return true;
  return isRecord(v.metadata) && typeof v.metadata.name === 'string';
}
