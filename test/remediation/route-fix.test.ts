// patch-route-backend, live, on a private control plane: the shared test cluster serves no
// Gateway API (and other suites rely on that), so this suite starts its own cluster, installs the
// test CRDs, and lets kubemedic point an HTTPRoute's backendRef at the Service that exists, with
// the shipped read-only and remediation ClusterRoles.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRemediationAction } from '../../src/remediation/flow.js';
import { repoRoot, waitFor } from '../support/cluster.js';
import {
  APPROVER,
  type Identities,
  RecordingNotifier,
  type RedisFixture,
  bindIdentities,
  click,
  deploymentYaml,
  deps,
  getJson,
  kubectlAt,
  planFor,
  redisFixture,
  savePlan,
  serviceYaml,
} from './support.js';

const run = promisify(execFile);
const clusterDir = mkdtempSync(join(tmpdir(), 'kubemedic-route-'));
const kubeconfig = join(clusterDir, 'kubeconfig');
const clusterEnv = {
  ...process.env,
  KUBEMEDIC_CLUSTER_DIR: clusterDir,
  KUBEMEDIC_CLUSTER_NODES: '2',
};
const NS = 'shop';

let ids: Identities;
let fx: RedisFixture;
const k = (args: string[], input?: string) => kubectlAt(kubeconfig, args, input);

interface RouteBackend {
  name: string;
  port?: number;
}
const backendOf = async (): Promise<RouteBackend | undefined> =>
  (
    await getJson<{ spec: { rules: { backendRefs?: RouteBackend[] }[] } }>(kubeconfig, [
      'get',
      'httproute',
      'storefront',
      '-n',
      NS,
    ])
  ).spec.rules[0]?.backendRefs?.[0];

beforeAll(async () => {
  await run('bash', [join(repoRoot, 'test/cluster/up.sh')], { env: clusterEnv });
  await k(
    ['apply', '-f', '-'],
    readFileSync(join(repoRoot, 'test/scenarios/support/gateway-api-crds.yaml'), 'utf8'),
  );
  await waitFor('the Gateway API to be served', async () =>
    (await k(['api-resources', '--api-group=gateway.networking.k8s.io'])).includes('httproutes')
      ? true
      : undefined,
  );
  [ids, fx] = await Promise.all([bindIdentities(kubeconfig), redisFixture()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([ids?.cleanup(), fx?.cleanup()]);
  await run('bash', [join(repoRoot, 'test/cluster/down.sh')], { env: clusterEnv });
  rmSync(clusterDir, { recursive: true, force: true });
}, 120_000);

describe('patch-route-backend (the HTTPRoute sends to storefront-svc; the Service is storefront)', () => {
  it('points the backendRef at the existing Service, verifies, and Undo restores it', async () => {
    await k(['create', 'namespace', NS]);
    await k(
      ['apply', '-n', NS, '-f', '-'],
      [
        deploymentYaml('storefront'),
        serviceYaml('storefront', { app: 'storefront' }),
        JSON.stringify({
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'HTTPRoute',
          metadata: { name: 'storefront' },
          spec: {
            parentRefs: [{ name: 'public' }],
            rules: [{ backendRefs: [{ name: 'storefront-svc', port: 80 }] }],
          },
        }),
      ].join('\n---\n'),
    );
    const target = {
      kind: 'HTTPRoute' as const,
      name: 'storefront',
      namespace: NS,
      cluster: 'test',
    };
    const plan = await planFor(
      ids.reader,
      target,
      'gateway.backend-missing',
      'patch-route-backend',
    );
    expect(plan.object).toMatchObject({ kind: 'HTTPRoute', namespace: NS, name: 'storefront' });
    const record = await savePlan(fx.store, plan, target);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(click(record, APPROVER), deps(ids, fx, notify));

    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    expect(await backendOf()).toMatchObject({ name: 'storefront', port: 80 });
    expect(notify.repliesText()).toContain('"storefront-svc" → "storefront"');

    const undo = await runRemediationAction(click(record, APPROVER, 'undo'), deps(ids, fx, notify));
    expect(undo, notify.repliesText()).toMatchObject({ kind: 'undone' });
    expect(await backendOf()).toMatchObject({ name: 'storefront-svc', port: 80 });
  });
});
