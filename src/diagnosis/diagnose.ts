import type { Snapshot } from '../cluster/snapshot.js';
import { DiagnosisContext } from './context.js';
import { rankFindings, rootCauseOf, verdictOf } from './rank.js';
import { CHECKS } from './registry.js';
import { TargetError, describeTarget, resolveTarget } from './target.js';
import { buildHistory } from './history.js';
import { buildTimeline } from './timeline.js';
import type { CheckDef } from './define.js';
import type { CheckId, Finding, Report, Skipped, Target } from './types.js';

export interface DiagnoseOptions {
  now?: Date;
  apiRequests?: number;
  apiRounds?: number;
  /** When gathering started (ms since epoch), so durationMs covers the reads too. */
  startedAt?: number;
  checks?: readonly CheckDef<CheckId>[];
  /**
   * Tests only: a check that throws throws out of diagnose() instead of being reported as skipped,
   * so a bug in a check fails the test that met it rather than hiding in `skipped`.
   */
  strict?: boolean;
  /**
   * How many hops of dependencies (Services the app's errors name) are diagnosed in turn: 1 by
   * default, 2 at most. `visited` holds the Services already diagnosed on this path (no loops).
   */
  hops?: number;
  visited?: ReadonlySet<string>;
}

/** Dependencies are followed this far at most, however many hops are asked for. */
export const MAX_HOPS = 2;

/** Snapshot -> Report: pure, the same for a live cluster and for a dump. */
export function diagnose(snapshot: Snapshot, target: Target, opts: DiagnoseOptions = {}): Report {
  const started = opts.startedAt ?? Date.now();
  const now = opts.now ?? new Date(snapshot.capturedAt);
  const resolution = resolveTarget(snapshot, target);
  if (!resolution.ok && 'ambiguous' in resolution)
    throw new TargetError(
      `${describeTarget(target)} exists in several namespaces (${resolution.ambiguous.join(', ')}): pass -n NAMESPACE`,
    );
  if (!resolution.ok && resolution.missing.kind !== 'Service') {
    const m = resolution.missing;
    throw new TargetError(
      // Worded as a missing Service is (service.not-found), so every typo reads the same.
      `${m.kind} ${m.name} does not exist in ${m.kind === 'Namespace' ? 'the cluster' : `namespace ${m.namespace}`}.` +
        (m.nearest.length ? ` Nearest names: ${m.nearest.join(', ')}.` : ''),
    );
  }
  const namespace = resolution.ok ? resolution.namespace : resolution.missing.namespace;
  const resolved = { ...target, namespace };
  const hops = Math.min(opts.hops ?? 1, MAX_HOPS);
  const services = resolution.ok ? resolution.services : [];
  const visited = new Set([
    ...(opts.visited ?? []),
    ...services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
  ]);
  const ctx = new DiagnosisContext({
    snapshot,
    target: resolved,
    services,
    missing: resolution.ok ? undefined : resolution.missing,
    now,
    diagnoseOther: (other) => {
      if (hops <= 0 || visited.has(`${other.namespace}/${other.name}`)) return undefined;
      return diagnose(snapshot, other, { ...opts, startedAt: undefined, hops: hops - 1, visited });
    },
  });

  const findings: Finding[] = [];
  const skipped: Skipped[] = [];
  for (const check of opts.checks ?? CHECKS) {
    const unreadable = check.reads.find((k) => snapshot.unavailable[k] !== undefined);
    const reason = unreadable
      ? `${unreadable}: ${snapshot.unavailable[unreadable]}`
      : check.skipIf?.(snapshot);
    if (reason) {
      skipped.push({ check: check.id, reason });
      continue;
    }
    try {
      findings.push(...check.run(ctx));
    } catch (err) {
      if (opts.strict) throw err;
      // A bug in one check must not cost the rest of the diagnosis.
      skipped.push({
        check: check.id,
        reason: `check failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }

  const ranked = rankFindings(findings);
  const partial = ctx.selectingServices.some((s) => {
    const ep = ctx.endpointsOf(s);
    return ep.ready > 0 && ep.ready < Math.max(ep.total, ctx.backendsOf(s).length);
  });
  const readable = !snapshot.unavailable.services && !snapshot.unavailable.pods;
  const verdict = verdictOf(ranked, { partial, readable });
  const root = rootCauseOf(ranked, verdict);
  return {
    target: resolved,
    verdict,
    rootCause: root?.check ?? null,
    summary: summarise(resolved, verdict, root, ctx),
    findings: ranked,
    skipped,
    ...(snapshot.notRead?.length ? { notRead: [...new Set(snapshot.notRead)] } : {}),
    timeline: buildTimeline(ctx),
    history: buildHistory(ctx, ranked),
    durationMs: Math.max(0, Date.now() - started),
    apiRequests: opts.apiRequests ?? 0,
    apiRounds: opts.apiRounds ?? 0,
  };
}

function summarise(
  target: Report['target'],
  verdict: Report['verdict'],
  root: Finding | undefined,
  ctx: DiagnosisContext,
): string {
  const what = `${describeTarget(target)} in ${target.namespace}`;
  if (root) return `${what} is ${verdict}: ${root.title}`;
  if (verdict === 'healthy') {
    const eps = ctx.selectingServices.map((s) => ctx.endpointsOf(s));
    const ready = eps.reduce((n, e) => n + e.ready, 0);
    return ctx.selectingServices.length
      ? `${what} is healthy: ${ready} ready endpoint(s), no problem found`
      : `${what} is healthy: no problem found`;
  }
  if (verdict === 'unknown')
    return `${what}: could not read enough of the cluster to decide (${Object.keys(ctx.snapshot.unavailable).join(', ')})`;
  return `${what} is ${verdict}`;
}
