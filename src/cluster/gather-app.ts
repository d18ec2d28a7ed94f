// The app layer's reads, done after the snapshot of the target is gathered and only when asked
// for (an alert whose name says the target answers 5xx, `--logs`): the current log tail of a few
// ready backends, then the Services their errors name, each gathered as a target of its own and
// merged into the snapshot, so the pure diagnosis can diagnose the dependency in turn.
import type { KubeObject, Pod, Service } from './k8s-types.js';
import type { KubeApi } from './client.js';
import { readFailure } from './gather.js';
import { fieldPath } from './kinds.js';
import { isValidName } from './names.js';
import { redact } from '../redact.js';
import type { ContainerLog, Snapshot } from './snapshot.js';
import { dependenciesIn, errorSignatures, serviceName } from '../diagnosis/model/app-logs.js';
import { isPodReady } from '../diagnosis/model/pods.js';
import type { Target } from '../diagnosis/types.js';

export interface AppLogOptions {
  /** Read lines written since (the alert's start); absent: the last LOG_LINES lines. */
  since?: string;
  /** Dependencies followed: 1 by default (the dependency's objects), 2 reads its logs too. */
  hops?: number;
}

/** Bounds of the app layer's reads. */
export const APP_LOG_PODS = 3;
export const APP_LOG_LINES = 200;
export const APP_LOG_BYTES = 64 * 1024;
const MAX_DEPENDENCIES = 3;
const MAX_HOPS = 2;
/** Containers that carry traffic for the app, not the app: their logs are not the app's errors. */
const SIDECARS = new Set(['istio-proxy', 'linkerd-proxy', 'envoy', 'istio-init']);

interface List<T> {
  items: T[];
}

/**
 * Reads the app layer into `snapshot` (logs, dependencies). Failures are recorded, never thrown:
 * a log that cannot be read is a ContainerLog with an `error`, a dependency that cannot be read
 * is simply not diagnosed. `gatherTarget` gathers another target's snapshot (gather.ts).
 */
export async function gatherApp(
  api: KubeApi,
  snapshot: Snapshot,
  target: Target & { namespace: string },
  opts: AppLogOptions,
  gatherTarget: (t: Target & { namespace: string }) => Promise<Snapshot>,
): Promise<void> {
  const hops = Math.min(opts.hops ?? 1, MAX_HOPS);
  const backends = backendsOf(snapshot, target.namespace).filter(isPodReady).slice(0, APP_LOG_PODS);
  const logs = await Promise.all(backends.map((p) => readCurrentLog(api, p, opts.since)));
  snapshot.logs.push(...logs);
  if (hops <= 0) return;

  const lines = errorSignatures(logs.filter((l) => l.text !== undefined)).flatMap((s) => s.lines);
  const refs = dependenciesIn(lines);
  if (refs.length === 0) return;
  const found = new Map<string, Service>();
  const have = (ns: string) => snapshot.services.some((s) => s.metadata.namespace === ns);
  for (const ref of refs.slice(0, 10)) {
    if (ref.ip) {
      const l = await tryRead(() =>
        api.get<List<Service>>(fieldPath('services'), {
          fieldSelector: `spec.clusterIP=${ref.ip}`,
          limit: 5,
        }),
      );
      for (const s of l?.items ?? []) found.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
      continue;
    }
    // `name.ns`: ns is a namespace only if it exists; read its Services to know (and for the
    // nearest names when the Service is missing).
    const parts = (ref.host ?? '').split('.');
    const candidates = [parts.length >= 2 ? parts[1] : target.namespace].filter(
      (n): n is string => Boolean(n) && isValidName('label', n as string),
    );
    for (const ns of candidates) {
      if (!have(ns)) {
        const l = await tryRead(() =>
          api.get<List<Service>>(fieldPath('services', { namespace: ns }), { limit: 500 }),
        );
        if (l) addAll(snapshot, 'services', 'Service', l.items);
        const n = await tryRead(() => api.get<KubeObject>(fieldPath('namespaces', { name: ns })));
        if (n) addAll(snapshot, 'namespaces', 'Namespace', [n]);
      }
      const known = new Set(snapshot.namespaces.map((x) => x.metadata.name));
      known.add(target.namespace);
      const named = serviceName(ref.host ?? '', target.namespace, known);
      const svc =
        named &&
        snapshot.services.find(
          (s) => s.metadata.namespace === named.namespace && s.metadata.name === named.name,
        );
      if (svc) found.set(`${svc.metadata.namespace}/${svc.metadata.name}`, svc);
    }
  }
  const own = new Set(
    backendsServices(snapshot, target).map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
  );
  const deps = [...found.entries()].filter(([k]) => !own.has(k)).slice(0, MAX_DEPENDENCIES);
  await Promise.all(
    deps.map(async ([, svc]) => {
      const depTarget = {
        kind: 'Service' as const,
        name: svc.metadata.name,
        namespace: svc.metadata.namespace ?? target.namespace,
        cluster: target.cluster,
      };
      const dep = await gatherTarget(depTarget);
      // Two hops: the dependency's own logs name its dependencies.
      if (hops > 1) await gatherApp(api, dep, depTarget, { ...opts, hops: hops - 1 }, gatherTarget);
      merge(snapshot, dep);
    }),
  );
}

function backendsOf(snapshot: Snapshot, ns: string): Pod[] {
  return snapshot.pods.filter(
    (p) =>
      p.metadata.namespace === ns &&
      !p.metadata.deletionTimestamp &&
      p.status?.phase === 'Running' &&
      isValidName('subdomain', p.metadata.name),
  );
}

function backendsServices(snapshot: Snapshot, target: Target & { namespace: string }): Service[] {
  return snapshot.services.filter(
    (s) =>
      s.metadata.namespace === target.namespace &&
      (target.kind !== 'Service' || s.metadata.name === target.name),
  );
}

async function readCurrentLog(api: KubeApi, pod: Pod, since?: string): Promise<ContainerLog> {
  const container =
    pod.spec.containers.find((c) => !SIDECARS.has(c.name))?.name ?? pod.spec.containers[0]?.name;
  const base = {
    namespace: pod.metadata.namespace ?? '',
    pod: pod.metadata.name,
    container: container ?? '',
    kind: 'current' as const,
    ...(since ? { since } : {}),
  };
  try {
    const text = await api.getText(
      `${fieldPath('pods', { namespace: base.namespace, name: pod.metadata.name })}/log`,
      {
        container,
        tailLines: APP_LOG_LINES,
        limitBytes: APP_LOG_BYTES,
        timestamps: true,
        ...(since ? { sinceTime: since } : {}),
      },
    );
    return { ...base, text: redact(text) };
  } catch (err) {
    return { ...base, error: redact(readFailure(err)) };
  }
}

async function tryRead<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}

const seenKey = (o: KubeObject) =>
  `${o.kind ?? ''}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function addAll(
  snapshot: Snapshot,
  field: 'services' | 'namespaces',
  kind: string,
  items: KubeObject[],
) {
  const list = snapshot[field] as KubeObject[];
  const have = new Set(list.map(seenKey));
  for (const o of items) {
    const withKind = { kind, ...o };
    if (!have.has(seenKey(withKind))) list.push(withKind);
  }
}

/** Adds what `from` holds and `into` does not (objects by kind, namespace and name; logs). */
export function merge(into: Snapshot, from: Snapshot): void {
  for (const [field, value] of Object.entries(from)) {
    if (!Array.isArray(value) || field === 'notRead') continue;
    const list = (into as unknown as Record<string, unknown[]>)[field];
    if (!list) continue;
    if (field === 'logs') {
      const have = new Set(
        (list as ContainerLog[]).map((l) => `${l.namespace}/${l.pod}/${l.container}/${l.kind}`),
      );
      for (const l of value as ContainerLog[])
        if (!have.has(`${l.namespace}/${l.pod}/${l.container}/${l.kind}`)) list.push(l);
      continue;
    }
    const have = new Set((list as KubeObject[]).map(seenKey));
    for (const o of value as KubeObject[]) if (!have.has(seenKey(o))) list.push(o);
  }
}
