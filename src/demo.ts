// The first run without a cluster: the console answers /diagnose from dumps bundled in demo/
// (incidents captured from a real control plane, moved to namespace `prod`), and an approved fix
// is shown as the exact patch and diff it would send; nothing is applied anywhere.
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { snapshotFromFiles } from './cluster/from-file.js';
import type { KubeObject } from './cluster/k8s-types.js';
import { KIND_TO_FIELD, type Snapshot } from './cluster/snapshot.js';
import { diagnose } from './diagnosis/diagnose.js';
import type { RemediationPlan } from './diagnosis/fixes/types.js';
import type { DiagnoseTarget } from './queue/diagnose.js';
import type { RemediationAction } from './remediation/flow.js';
import { mutationChanges, renderChanges } from './remediation/diff.js';
import { LocalPatchError, applyPatchLocally } from './remediation/local-patch.js';
import type { PlanStore } from './remediation/plan-store.js';

/** demo/ beside src/ (a checkout) or dist/ (the image). */
export const DEMO_DIR = fileURLToPath(new URL('../demo/', import.meta.url));
export const DEMO_NAMESPACE = 'prod';
export const DEMO_CLUSTER = 'demo';

export async function loadDemoSnapshot(dir = DEMO_DIR): Promise<Snapshot> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return snapshotFromFiles(files.map((f) => `${dir}${f}`));
}

/** The Services the demo holds, for the start-up hint. */
export function demoServices(snapshot: Snapshot): string[] {
  return snapshot.services.map((s) => s.metadata.name).sort();
}

export function demoDiagnosis(snapshot: Snapshot): DiagnoseTarget {
  return async (target) =>
    diagnose(snapshot, { ...target, namespace: target.namespace ?? DEMO_NAMESPACE });
}

function findObject(snapshot: Snapshot, plan: RemediationPlan): KubeObject | undefined {
  const field = KIND_TO_FIELD[plan.object.kind];
  const list = (field ? snapshot[field] : []) as KubeObject[];
  return list.find(
    (o) =>
      o.metadata.name === plan.object.name &&
      (o.metadata.namespace ?? '') === (plan.object.namespace ?? ''),
  );
}

/** What Approve would send and change, in words; no cluster is touched. */
export function demoApproval(snapshot: Snapshot, plan: RemediationPlan): string {
  const m = plan.mutation;
  const lines = [`Demo: no cluster is touched and nothing was applied. Approve would run:`];
  lines.push(`$ ${plan.kubectl}`);
  const before = findObject(snapshot, plan);
  let after: KubeObject | undefined;
  try {
    after =
      m.type === 'json-patch' && before
        ? applyPatchLocally(before, m.ops)
        : m.type === 'create'
          ? m.manifest
          : undefined;
    lines.push(
      'Diff against the bundled dump:',
      renderChanges(plan.object, m, mutationChanges(m, before, after)),
    );
  } catch (err) {
    if (!(err instanceof LocalPatchError)) throw err;
    lines.push(`The patch does not apply to the bundled dump: ${err.message}`);
  }
  lines.push(`Expected effect: ${plan.expectedEffect}`);
  return lines.join('\n');
}

/** The demo's remediate worker: answers in the card's thread, leaves the plan as it was. */
export async function demoRemediation(
  action: RemediationAction,
  deps: {
    store: PlanStore;
    snapshot: Snapshot;
    say: (m: { channel: string; threadTs?: string; text: string }) => Promise<unknown>;
  },
): Promise<{ kind: string }> {
  const record = await deps.store.get(action.planId);
  const where = { channel: action.channel, threadTs: record?.threadTs };
  if (!record) {
    await deps.say({ ...where, text: 'That fix is no longer known (expired).' });
    return { kind: 'refused' };
  }
  const text =
    action.action === 'approve'
      ? demoApproval(deps.snapshot, record.plan)
      : action.action === 'reject'
        ? `Rejected "${record.plan.title}" (demo: nothing to undo, nothing was applied).`
        : 'Demo: nothing was applied, so there is nothing to undo.';
  await deps.say({ ...where, text });
  return { kind: action.action };
}
