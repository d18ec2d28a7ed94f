// The chart's install path (issue 15): values are typed by values.schema.json so a wrong type or
// a misspelt key stops `helm template`/`install` with a message naming it; the webhook gets a
// generated token that survives upgrades.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, kubeconfigPath, kubectl } from '../support/cluster.js';
import {
  type InfraTools,
  type K8sObject,
  chartDir,
  ensureInfraTools,
  exec,
  find,
  one,
  parseManifests,
  render,
  renderText,
  templateArgs,
} from './chart.js';

let tools: InfraTools;

beforeAll(async () => {
  tools = await ensureInfraTools();
}, 1_200_000);

/**
 * An upgrade's render over a Secret the previous release left (Helm's ownership marks, so the
 * upgrade may adopt it): `helm template --dry-run=server` against the live API server.
 * rbac.create=false: no cluster-scoped objects, which other suites' releases hold.
 */
async function upgradeOver(
  namespace: string,
  name: string,
  stringData: Record<string, string>,
): Promise<string> {
  await kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'Helm' },
        annotations: {
          'meta.helm.sh/release-name': 'kubemedic',
          'meta.helm.sh/release-namespace': namespace,
        },
      },
      stringData,
    }),
  );
  const args = [...templateArgs({ namespace, set: ['rbac.create=false'] }), '--dry-run=server'];
  return exec(tools.helm, [...args, '--kubeconfig', kubeconfigPath]);
}

describe('values.schema.json', () => {
  it('accepts the default values', async () => {
    const objects = await render(tools.helm);
    expect(objects.some((o) => o.kind === 'Deployment')).toBe(true);
  });

  it('refuses a value of the wrong type, naming the key and the type', async () => {
    await expect(renderText(tools.helm, { set: ['replicaCount=two'] })).rejects.toThrow(
      /\/replicaCount': got string, want integer/,
    );
  });

  it('refuses a misspelt top-level key, naming it', async () => {
    await expect(renderText(tools.helm, { set: ['replicaCont=2'] })).rejects.toThrow(
      /additional properties 'replicaCont' not allowed/,
    );
  });

  it('refuses a misspelt nested key where the section is closed', async () => {
    await expect(
      renderText(tools.helm, { values: { secret: { alertmanagerTokn: 'x' } } }),
    ).rejects.toThrow(/\/secret': additional properties 'alertmanagerTokn' not allowed/);
  });
});

const secretData = (objects: K8sObject[]) =>
  Object.fromEntries(
    Object.entries(one(objects, 'Secret', 'kubemedic').data as Record<string, string>).map(
      ([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')],
    ),
  );

describe('the Alertmanager webhook token', () => {
  it('is generated when none is given (random, long enough for the app), a given one is kept', async () => {
    const first = secretData(await render(tools.helm)).ALERTMANAGER_TOKEN ?? '';
    const second = secretData(await render(tools.helm)).ALERTMANAGER_TOKEN ?? '';
    expect(first).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(second).not.toBe(first);
    const given = secretData(
      await render(tools.helm, { set: ['secret.alertmanagerToken=given-token-0123456789'] }),
    );
    expect(given.ALERTMANAGER_TOKEN).toBe('given-token-0123456789');
    // With a Secret of the user's the chart creates none and generates nothing.
    const objects = await render(tools.helm, { set: ['secret.existingSecret=mine'] });
    expect(find(objects, 'Secret', 'kubemedic')).toEqual([]);
  });

  it('stays the same across upgrades: the installed Secret is read back', async () => {
    const ns = await createNamespace('infra-token');
    try {
      const installed = 'installed-token-abcdefghijklmnop';
      const text = await upgradeOver(ns.name, 'kubemedic', { ALERTMANAGER_TOKEN: installed });
      expect(secretData(parseManifests(text)).ALERTMANAGER_TOKEN).toBe(installed);
    } finally {
      await ns.cleanup();
    }
  });

  it('NOTES say how to read it', async () => {
    // `helm template` does not render NOTES; `install --dry-run` prints them.
    const text = await exec(tools.helm, [
      'install',
      'kubemedic',
      chartDir,
      '-n',
      'ops',
      '--dry-run=client',
    ]);
    expect(text).toContain(
      "kubectl -n ops get secret kubemedic -o jsonpath='{.data.ALERTMANAGER_TOKEN}' | base64 -d",
    );
  });
});

interface PolicyPort {
  port: number | string;
  protocol: string;
}
interface PolicyRule {
  ports?: PolicyPort[];
  from?: unknown[];
  to?: { ipBlock?: { cidr: string }; podSelector?: { matchLabels: Record<string, string> } }[];
}
interface NetworkPolicyObject extends K8sObject {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: PolicyRule[];
    egress: PolicyRule[];
  };
}

const ports = (rule: PolicyRule | undefined) =>
  (rule?.ports ?? []).map((p) => `${p.port}/${p.protocol}`);

describe("the bot's NetworkPolicy", () => {
  it('selects the bot pods only, lets in its HTTP port only, and lets out DNS, API server, Redis and HTTPS', async () => {
    const objects = await render(tools.helm);
    const policy = one(objects, 'NetworkPolicy', 'kubemedic') as NetworkPolicyObject;
    const deploy = one(objects, 'Deployment') as K8sObject & {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    };
    const redis = one(objects, 'StatefulSet') as typeof deploy;
    const selects = (labels: Record<string, string>) =>
      Object.entries(policy.spec.podSelector.matchLabels).every(([k, v]) => labels[k] === v);
    expect(selects(deploy.spec.template.metadata.labels)).toBe(true);
    expect(selects(redis.spec.template.metadata.labels)).toBe(false);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);

    // In: the container port named http, from anyone by default (Slack HTTP mode, Alertmanager).
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
    // Out, rule by rule.
    const [dns, api, toRedis, https, ...rest] = policy.spec.egress;
    expect(rest).toEqual([]);
    expect(ports(dns)).toEqual(['53/UDP', '53/TCP']);
    expect(ports(api)).toEqual(['443/TCP', '6443/TCP']);
    expect(api?.to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0' } }]);
    expect(ports(toRedis)).toEqual(['6379/TCP']);
    const redisSelector = toRedis?.to?.[0]?.podSelector?.matchLabels ?? {};
    expect(
      Object.entries(redisSelector).every(([k, v]) => redis.spec.template.metadata.labels[k] === v),
    ).toBe(true);
    expect(ports(https)).toEqual(['443/TCP']);
  });

  it('narrows to the values: who may call in, the API server, external Redis, extra rules', async () => {
    const from = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'mon' } } }];
    const extra = { to: [{ ipBlock: { cidr: '10.9.0.0/16' } }], ports: [{ port: 8443 }] };
    const objects = await render(tools.helm, {
      values: {
        redis: { enabled: false },
        externalRedis: { url: 'redis://redis.shared:6380' },
        networkPolicy: {
          ingressFrom: from,
          apiServer: { cidrs: ['172.18.0.2/32'], ports: [6443] },
          httpsCidrs: ['10.0.0.5/32'],
          externalRedisPort: 6380,
          extraEgress: [extra],
        },
      },
    });
    const policy = one(objects, 'NetworkPolicy', 'kubemedic') as NetworkPolicyObject;
    // The given peers, and the `helm test` pod.
    expect(policy.spec.ingress[0]?.from).toEqual([
      ...from,
      {
        podSelector: {
          matchLabels: {
            'app.kubernetes.io/instance': 'kubemedic',
            'app.kubernetes.io/component': 'helm-test',
          },
        },
      },
    ]);
    const [, api, toRedis, https, more] = policy.spec.egress;
    expect(api).toEqual({
      to: [{ ipBlock: { cidr: '172.18.0.2/32' } }],
      ports: [{ port: 6443, protocol: 'TCP' }],
    });
    expect(toRedis).toEqual({ ports: [{ port: 6380, protocol: 'TCP' }] });
    expect(https?.to).toEqual([{ ipBlock: { cidr: '10.0.0.5/32' } }]);
    expect(more).toEqual(extra);
    // The Redis policy goes with the bundled Redis.
    expect(find(objects, 'NetworkPolicy')).toHaveLength(1);
  });

  it('is left out with networkPolicy.enabled=false, and a CIDR that is not one is refused', async () => {
    const objects = await render(tools.helm, { set: ['networkPolicy.enabled=false'] });
    expect(find(objects, 'NetworkPolicy')).toEqual([]);
    await expect(
      renderText(tools.helm, { set: ['networkPolicy.apiServer.cidrs={kubernetes.default}'] }),
    ).rejects.toThrow(/networkPolicy\/apiServer\/cidrs\/0/);
  });
});

describe("the bundled Redis' password", () => {
  const redisPassword = (objects: K8sObject[]) => {
    const data = one(objects, 'Secret', 'kubemedic-redis').data as Record<string, string>;
    return Buffer.from(data['redis-password'] ?? '', 'base64').toString('utf8');
  };

  it('is generated when none is given, and a given one is used', async () => {
    const generated = redisPassword(await render(tools.helm));
    expect(generated).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(redisPassword(await render(tools.helm))).not.toBe(generated);
    expect(redisPassword(await render(tools.helm, { set: ['redis.auth.password=pw-1'] }))).toBe(
      'pw-1',
    );
    // A Secret of the user's: the chart creates none.
    const objects = await render(tools.helm, { set: ['redis.auth.existingSecret=mine'] });
    expect(find(objects, 'Secret', 'kubemedic-redis')).toEqual([]);
  });

  it('stays the same across upgrades: the installed Secret is read back', async () => {
    const ns = await createNamespace('infra-redispw');
    try {
      const installed = 'installed-redis-password-0123';
      const text = await upgradeOver(ns.name, 'kubemedic-redis', { 'redis-password': installed });
      expect(redisPassword(parseManifests(text))).toBe(installed);
    } finally {
      await ns.cleanup();
    }
  });
});

describe('helm test', () => {
  it('asks the Service for /readyz and fails unless it answers 200', async () => {
    const objects = await render(tools.helm);
    const pod = one(objects, 'Pod') as K8sObject & {
      spec: { restartPolicy: string; containers: { image: string; command: string[] }[] };
    };
    expect(pod.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec.restartPolicy).toBe('Never');
    const container = pod.spec.containers[0];
    const deploy = one(objects, 'Deployment') as K8sObject & {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(container?.image).toBe(deploy.spec.template.spec.containers[0]?.image);
    const [node, flag, script = ''] = container?.command ?? [];
    expect([node, flag]).toEqual(['node', '-e']);

    // The URL is the chart's Service on its port, at the readiness path.
    const service = one(objects, 'Service', 'kubemedic') as K8sObject & {
      spec: { ports: { port: number }[] };
    };
    const origin = `http://${service.metadata.name}:${service.spec.ports[0]?.port}`;
    expect(script).toContain(`${origin}/readyz`);

    // The script's verdict, against a real server standing in for the Service.
    let status = 200;
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/readyz' ? status : 404;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const local = script.replace(origin, `http://127.0.0.1:${port}`);
      const exitCode = () =>
        new Promise<number | null>((resolve) =>
          execFile(process.execPath, ['-e', local], (err) =>
            resolve(err ? ((err as { code?: number }).code ?? null) : 0),
          ),
        );
      expect(await exitCode()).toBe(0);
      status = 503;
      expect(await exitCode()).toBe(1);
    } finally {
      server.close();
    }
  });
});
