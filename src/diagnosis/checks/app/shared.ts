// Helpers shared by the app checks: the current log tails of the target's backends, their error
// signatures, and the dependencies the errors name, resolved to Services of the snapshot.
import type { Service } from '../../../cluster/k8s-types.js';
import type { ContainerLog, Snapshot } from '../../../cluster/snapshot.js';
import type { DiagnosisContext } from '../../context.js';
import {
  type DependencyRef,
  type Signature,
  dependenciesIn,
  errorSignatures,
  serviceName,
} from '../../model/app-logs.js';
import { evidence } from '../../model/evidence.js';
import { nearestNames } from '../../selectors.js';
import type { Evidence } from '../../types.js';

/** Current log tails of the target's backends (read when an alert or `--logs` asked for them). */
export function currentLogs(ctx: DiagnosisContext): ContainerLog[] {
  return ctx.memo('app:logs', () => {
    const pods = new Set(ctx.allBackends.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    return ctx.snapshot.logs.filter(
      (l) => l.kind === 'current' && pods.has(`${l.namespace}/${l.pod}`),
    );
  });
}

/** Why the app checks cannot judge the logs: every tail that was asked for failed to read. */
export function unreadableLogs(snapshot: Snapshot): string | undefined {
  const current = snapshot.logs.filter((l) => l.kind === 'current');
  if (current.length === 0 || current.some((l) => l.text !== undefined)) return undefined;
  const first = current[0] as ContainerLog;
  return `logs could not be read (${first.pod}/${first.container}: ${first.error ?? 'unknown reason'})`;
}

export function signatures(ctx: DiagnosisContext): Signature[] {
  return ctx.memo('app:signatures', () =>
    errorSignatures(currentLogs(ctx).filter((l) => l.text !== undefined)),
  );
}

export type ResolvedDependency =
  | { kind: 'service'; ref: DependencyRef; service: Service; lines: number }
  | {
      kind: 'missing';
      ref: DependencyRef;
      name: string;
      namespace: string;
      nearest: string[];
      lines: number;
    };

/** Namespaces the snapshot knows exist: read Namespaces, and any namespace an object is in. */
function knownNamespaces(snapshot: Snapshot): Set<string> {
  return new Set([
    ...snapshot.namespaces.map((n) => n.metadata.name),
    ...snapshot.services.map((s) => s.metadata.namespace ?? ''),
    ...snapshot.pods.map((p) => p.metadata.namespace ?? ''),
  ]);
}

/** The Services the errors name (by ClusterIP or DNS name), and the names that resolve to none. */
export function dependencies(ctx: DiagnosisContext): ResolvedDependency[] {
  return ctx.memo('app:dependencies', () => {
    const sigs = signatures(ctx);
    const lines = sigs.flatMap((s) => s.lines);
    const refs = dependenciesIn(lines);
    const key = (s: Service) => `${s.metadata.namespace}/${s.metadata.name}`;
    const own = new Set(ctx.services.map(key));
    const namespaces = knownNamespaces(ctx.snapshot);
    const out = new Map<string, ResolvedDependency>();
    for (const ref of refs) {
      const count = lines.filter((l) => l.includes(ref.ip ?? ref.host ?? '\0')).length;
      let svc: Service | undefined;
      if (ref.ip) {
        svc = ctx.snapshot.services.find(
          (s) => s.spec.clusterIP === ref.ip || (s.spec.clusterIPs ?? []).includes(ref.ip ?? ''),
        );
        if (!svc) continue; // an address outside the cluster's Services: not ours to judge
      } else {
        const named = serviceName(ref.host ?? '', ctx.target.namespace, namespaces);
        if (!named) continue; // a host elsewhere (api.example.com)
        svc = ctx.snapshot.services.find(
          (s) => s.metadata.namespace === named.namespace && s.metadata.name === named.name,
        );
        if (!svc) {
          const missingKey = `missing/${named.namespace}/${named.name}`;
          const inNs = ctx.snapshot.services
            .filter((s) => s.metadata.namespace === named.namespace && !own.has(key(s)))
            .map((s) => s.metadata.name);
          // Same name elsewhere: the wrong namespace is the likely mistake.
          const elsewhere = ctx.snapshot.services
            .filter((s) => s.metadata.name === named.name)
            .map((s) => `${s.metadata.name}.${s.metadata.namespace}`);
          const prev = out.get(missingKey);
          if (prev) prev.lines += count;
          else
            out.set(missingKey, {
              kind: 'missing',
              ref,
              name: named.name,
              namespace: named.namespace,
              nearest: [...elsewhere, ...nearestNames(named.name, inNs, 3)],
              lines: count,
            });
          continue;
        }
      }
      const k = key(svc);
      if (own.has(k)) continue;
      const prev = out.get(k);
      if (prev) prev.lines += count;
      else out.set(k, { kind: 'service', ref, service: svc, lines: count });
    }
    return [...out.values()];
  });
}

/**
 * `kubectl logs` for the first backend read, shown without an output block: kubectl prints the
 * whole tail, while what kubemedic read is timestamped, redacted and filtered to the error lines.
 * Those lines go in the finding's detail (errorLines).
 */
export function logEvidence(ctx: DiagnosisContext): Evidence {
  const first = currentLogs(ctx).find((l) => l.text !== undefined);
  const since = first?.since ? [`--since-time=${first.since}`] : [];
  return evidence(
    [
      'logs',
      first?.pod ?? '',
      '-n',
      first?.namespace ?? ctx.target.namespace,
      '-c',
      first?.container ?? '',
      '--tail=200',
      ...since,
    ],
    '',
  );
}

/** The error lines that name `match` (at most `max`; no match: each signature's first), as prose for a finding's detail. */
export function errorLines(ctx: DiagnosisContext, match: string | undefined, max = 3): string {
  const lines = [
    ...new Set(
      signatures(ctx).flatMap((s) =>
        match ? s.lines.filter((l) => l.includes(match)) : [s.example],
      ),
    ),
  ].slice(0, max);
  if (lines.length === 0) return '';
  const which = match ? `that name ${match}` : 'first seen';
  return `\nThe error lines ${which} (as read, secrets redacted):\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

/** `host:port` or `ip:port` as the error names it. */
export function named(ref: DependencyRef): string {
  return `${ref.ip ?? ref.host}${ref.port ? `:${ref.port}` : ''}`;
}
