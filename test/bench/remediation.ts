// Remediation latency on the live test cluster: from the Approve click to "applied" (dry run and
// apply done, the record moved) and to "verified" (effect seen and the checks clear), for the
// seed's selector patch and for a rollout restart of a 3-replica Deployment. The identities are
// the shipped least-privilege ClusterRoles. Figures only: nothing here asserts a time.
import { runRemediationAction } from '../../src/remediation/flow.js';
import type { RemediationNotifier } from '../../src/slack/notifier.js';
import type { Mrkdwn } from '../../src/slack/blocks/text.js';
import type { PlanRecord } from '../../src/remediation/plan-store.js';
import { apply, createNamespace, waitFor, endpointReadiness } from '../support/cluster.js';
import {
  APPROVER,
  type Identities,
  type RedisFixture,
  bindIdentities,
  click,
  deploymentYaml,
  deps,
  planFor,
  redisFixture,
  savePlan,
  serviceTarget,
  serviceYaml,
  setPodsState,
} from '../remediation/support.js';
import { summary } from './stats.js';

const RUNS = Number(process.env.BENCH_REMEDIATION_RUNS ?? 10);
// The flow polls for the effect and re-runs the checks at this interval: it bounds the resolution.
const POLL_MS = Number(process.env.BENCH_REMEDIATION_POLL_MS ?? 250);

/** Timestamps the "Applied" thread reply; the flow posts it right after the apply. */
class TimingNotifier implements RemediationNotifier {
  appliedAt?: number;
  async ephemeral(): Promise<void> {}
  async threadReply(_c: string, _t: string, text: Mrkdwn): Promise<void> {
    if (text.text.startsWith('Applied (field manager')) this.appliedAt ??= performance.now();
  }
  async updateCard(): Promise<void> {}
}

interface Timing {
  appliedMs: number[];
  verifiedMs: number[];
  unverified: number;
}

async function approveTimed(
  record: PlanRecord,
  ids: Identities,
  fx: RedisFixture,
  t: Timing,
): Promise<void> {
  const notify = new TimingNotifier();
  const started = performance.now();
  const outcome = await runRemediationAction(
    click(record, APPROVER),
    deps(ids, fx, notify, { pollIntervalMs: POLL_MS }),
  );
  const done = performance.now();
  if (outcome.kind !== 'applied')
    throw new Error(`bench run not applied: ${JSON.stringify(outcome)}`);
  if (!outcome.verified) t.unverified++;
  t.appliedMs.push((notify.appliedAt ?? done) - started);
  t.verifiedMs.push(done - started);
}

function figures(t: Timing) {
  return {
    approveToAppliedMs: summary(t.appliedMs),
    approveToVerifiedMs: summary(t.verifiedMs),
    unverified: t.unverified,
  };
}

export async function benchRemediation(): Promise<Record<string, unknown>> {
  const [ids, fx] = await Promise.all([bindIdentities(), redisFixture()]);
  const ns = await createNamespace('bench-remediate');
  try {
    // patch-service-selector: the seed's api-svc / api-service mismatch; Undo re-breaks it.
    await apply(
      ns.name,
      [deploymentYaml('api-service', { replicas: 3 }), serviceYaml('api', { app: 'api-svc' })].join(
        '\n---\n',
      ),
    );
    const selector: Timing = { appliedMs: [], verifiedMs: [], unverified: 0 };
    const svc = serviceTarget(ns.name, 'api');
    for (let i = 0; i < RUNS; i++) {
      const plan = await planFor(
        ids.reader,
        svc,
        'service.selector-mismatch',
        'patch-service-selector',
      );
      const record = await savePlan(fx.store, plan, svc);
      await approveTimed(record, ids, fx, selector);
      await runRemediationAction(
        click(record, APPROVER, 'undo'),
        deps(ids, fx, new TimingNotifier()),
      );
      await waitFor('the endpoints to empty', async () =>
        (await endpointReadiness(ns.name, 'api')).ready === 0 ? true : undefined,
      );
    }

    // rollout-restart of a 3-replica Deployment whose pods are stuck unready.
    await apply(
      ns.name,
      [deploymentYaml('web', { replicas: 3 }), serviceYaml('web', { app: 'web' })].join('\n---\n'),
    );
    const restart: Timing = { appliedMs: [], verifiedMs: [], unverified: 0 };
    const web = serviceTarget(ns.name, 'web');
    for (let i = 0; i < RUNS; i++) {
      await waitFor('3 ready endpoints of web', async () =>
        (await endpointReadiness(ns.name, 'web')).ready === 3 ? true : undefined,
      );
      await setPodsState(ns.name, 'app=web', 'not-ready');
      const plan = await planFor(ids.reader, web, 'pod.not-ready', 'rollout-restart');
      const record = await savePlan(fx.store, plan, web);
      await approveTimed(record, ids, fx, restart);
    }
    return {
      runs: RUNS,
      pollIntervalMs: POLL_MS,
      patchServiceSelector: figures(selector),
      rolloutRestart3Replicas: figures(restart),
    };
  } finally {
    await ns.cleanup();
    await Promise.all([ids.cleanup(), fx.cleanup()]);
  }
}
