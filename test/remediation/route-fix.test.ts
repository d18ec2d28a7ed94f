// patch-route-backend, live, on a private control plane: the shared test cluster serves no
// Gateway API (and other suites rely on that), so this suite starts its own cluster, installs the
// test CRDs, and lets kubemedic point an HTTPRoute's backendRef at the Service that exists, with
// the shipped read-only and remediation ClusterRoles.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRemediationAction } from '../../src/remediation/flow.js';
import { repoRoot, waitFor } from '../support/cluster.js';
import {
  APPROVER,
  RecordingNotifier,
  click,
  deploymentYaml,
  deps,
  getJson,
  kubectlAt,
  planFor,
  savePlan,
  serviceYaml,
  usePrivateCluster,
} from './support.js';

const NS = 'shop';
const pc = usePrivateCluster('route', {
  async setup(kubeconfig) {
    const k = (args: string[], input?: string) => kubectlAt(kubeconfig, args, input);
    await k(
      ['apply', '-f', '-'],
      readFileSync(join(repoRoot, 'test/scenarios/support/gateway-api-crds.yaml'), 'utf8'),
    );
    await waitFor('the Gateway API to be served', async () =>
      (await k(['api-resources', '--api-group=gateway.networking.k8s.io'])).includes('httproutes')
        ? true
        : undefined,
    );
  },
});
const k = pc.k;

interface RouteBackend {
  name: string;
  port?: number;
}
const backendOf = async (): Promise<RouteBackend | undefined> =>
  (
    await getJson<{ spec: { rules: { backendRefs?: RouteBackend[] }[] } }>(pc.kubeconfig, [
      'get',
      'httproute',
      'storefront',
      '-n',
      NS,
    ])
  ).spec.rules[0]?.backendRefs?.[0];

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
      pc.ids.reader,
      target,
      'gateway.backend-missing',
      'patch-route-backend',
    );
    expect(plan.object).toMatchObject({ kind: 'HTTPRoute', namespace: NS, name: 'storefront' });
    const record = await savePlan(pc.fx.store, plan, target);
    const notify = new RecordingNotifier();

    const outcome = await runRemediationAction(
      click(record, APPROVER),
      deps(pc.ids, pc.fx, notify),
    );

    expect(outcome, notify.repliesText()).toMatchObject({ kind: 'applied', verified: true });
    expect(await backendOf()).toMatchObject({ name: 'storefront', port: 80 });
    expect(notify.repliesText()).toContain('"storefront-svc" → "storefront"');

    const undo = await runRemediationAction(
      click(record, APPROVER, 'undo'),
      deps(pc.ids, pc.fx, notify),
    );
    expect(undo, notify.repliesText()).toMatchObject({ kind: 'undone' });
    expect(await backendOf()).toMatchObject({ name: 'storefront-svc', port: 80 });
  });
});
