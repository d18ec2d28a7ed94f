// The Helm chart (infra/helm/kubemedic): it lints, renders what the values ask for with default
// and non-default values, its ClusterRoles are the files of files/rbac, the API server accepts
// every rendered object (server-side dry-run: core kinds on the shared test cluster, the
// Prometheus Operator's kinds on a private API server with their CRDs), and the two identities
// it creates really have the permissions of their roles.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApi } from '../../src/cluster/client.js';
import { serviceAccountTokens, tokenClient } from '../../src/cluster/token-request.js';
import { parsePolicy } from '../../src/config/policy.js';
import {
  createNamespace,
  kubeconfigPath,
  kubectl,
  kubectlJson,
  repoRoot,
  waitFor,
} from '../support/cluster.js';
import {
  type InfraTools,
  type K8sObject,
  chartDir,
  ensureInfraTools,
  exec,
  find,
  monitoringKinds,
  one,
  parseManifests,
  rbacFileDocuments,
  render,
  renderText,
  toManifest,
  valuesInput,
} from './chart.js';
import { type PrivateApiServer, startPrivateApiServer } from './private-apiserver.js';

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { secretRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: unknown;
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  containers: Container[];
  volumes?: { name: string; projected?: { sources: Record<string, { name: string }>[] } }[];
}
interface Workload extends K8sObject {
  spec: {
    replicas?: number;
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
    volumeClaimTemplates?: unknown[];
  };
}
interface ClusterRoleObject extends K8sObject {
  rules?: unknown[];
  aggregationRule?: unknown;
}
interface BindingObject extends K8sObject {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace: string }[];
}

const env = (c: Container, name: string) => c.env?.find((e) => e.name === name);
const bot = (objects: K8sObject[]) => one(objects, 'Deployment') as Workload;
const botContainer = (objects: K8sObject[]) =>
  bot(objects).spec.template.spec.containers[0] as Container;

/** Values a production install might use: the opposite of most defaults. */
const nonDefault = {
  replicaCount: 3,
  image: { repository: 'registry.example.com/kubemedic', tag: '1.2.3' },
  redis: { enabled: false },
  externalRedis: { url: 'redis://redis.shared.svc:6379/2' },
  secret: { existingSecret: 'kubemedic-credentials' },
  remediation: { enabled: false },
  serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  prometheusRule: { labels: { release: 'kube-prometheus-stack' } },
  ingress: {
    enabled: true,
    className: 'nginx',
    hosts: [
      { host: 'kubemedic.example.com', paths: [{ path: '/slack/events', pathType: 'Exact' }] },
    ],
    tls: [{ secretName: 'kubemedic-tls', hosts: ['kubemedic.example.com'] }],
  },
  config: {
    slackDefaultChannel: '#incidents',
    alertChannels: 'team=payments:#payments-oncall',
    clusterName: 'prod-eu',
    logLevel: 'debug',
  },
  policy: { inline: parseYaml(readFileSync(join(repoRoot, 'infra/policy.example.yaml'), 'utf8')) },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
};

let tools: InfraTools;

beforeAll(async () => {
  tools = await ensureInfraTools();
}, 1_200_000);

describe('helm lint', () => {
  it('passes with the default values and with non-default values', async () => {
    await exec(tools.helm, ['lint', '--strict', chartDir]);
    await exec(tools.helm, ['lint', '--strict', chartDir, '-f', '-'], {
      input: valuesInput(nonDefault),
    });
    await exec(tools.helm, [
      'lint',
      '--strict',
      chartDir,
      '--set',
      'secret.slackBotToken=xoxb-1,secret.slackAppToken=xapp-1,redis.auth.password=pw',
    ]);
  });
});

describe('helm template with the default values', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render(tools.helm);
  });

  it('renders one bot Deployment with probes on /healthz and /readyz', () => {
    const deploy = bot(objects);
    expect(deploy.spec.replicas).toBe(1);
    const c = botContainer(objects);
    expect(c.image).toBe(
      `kubemedic:${parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')).appVersion}`,
    );
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(env(c, 'PORT')?.value).toBe('3000');
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.resources).toBeDefined();
  });

  it("bounds V8's heap well under the container's memory limit", () => {
    const c = botContainer(objects);
    const heap = Number(
      /^--max-old-space-size=(\d+)$/.exec(env(c, 'NODE_OPTIONS')?.value ?? '')?.[1],
    );
    const limit = /^(\d+)Mi$/.exec(
      String((c.resources as { limits?: { memory?: string } } | undefined)?.limits?.memory ?? ''),
    )?.[1];
    expect(heap).toBeGreaterThanOrEqual(128);
    expect(heap).toBeLessThanOrEqual(Number(limit) * 0.7);
  });

  it('runs the bot as a non-root user with a read-only root filesystem', () => {
    const spec = bot(objects).spec.template.spec;
    expect(spec.securityContext?.runAsNonRoot).toBe(true);
    expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(spec.containers[0]?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
  });

  it('passes credentials only through a Secret the chart creates, holding only a generated webhook token until values fill it', () => {
    const c = botContainer(objects);
    expect(c.envFrom).toEqual([{ secretRef: { name: 'kubemedic' } }]);
    const secret = one(objects, 'Secret', 'kubemedic');
    expect(Object.keys(secret.data as object)).toEqual(['ALERTMANAGER_TOKEN']);
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SLACK_APP_TOKEN',
      'ALERTMANAGER_TOKEN',
    ])
      expect(env(c, name), `${name} must come from the Secret`).toBeUndefined();
  });

  it('bundles Redis as a StatefulSet with AOF persistence on a PVC and noeviction', () => {
    const redis = one(objects, 'StatefulSet', 'kubemedic-redis') as Workload;
    const args = redis.spec.template.spec.containers[0]?.args ?? [];
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    expect(flag('--dir')).toBe('/data');
    expect(redis.spec.volumeClaimTemplates).toHaveLength(1);
    // Always with a password (generated when none is given) and protected mode.
    expect(flag('--requirepass')).toBe('$(REDIS_PASSWORD)');
    expect(flag('--protected-mode')).toBe('yes');
    expect(env(botContainer(objects), 'REDIS_URL')?.value).toBe(
      'redis://:$(REDIS_PASSWORD)@kubemedic-redis:6379',
    );
    one(objects, 'Service', 'kubemedic-redis');
    one(objects, 'NetworkPolicy', 'kubemedic-redis');
  });

  it('gives the pod the diagnosis identity with an expiring projected token, and no token Secret for the remediation identity', () => {
    const spec = bot(objects).spec.template.spec as PodSpec & {
      automountServiceAccountToken?: boolean;
      volumes?: {
        name: string;
        projected?: {
          sources: { serviceAccountToken?: { path: string; expirationSeconds: number } }[];
        };
      }[];
    };
    expect(spec.serviceAccountName).toBe('kubemedic');
    one(objects, 'ServiceAccount', 'kubemedic');
    one(objects, 'ServiceAccount', 'kubemedic-remediation');
    expect(
      find(objects, 'Secret').filter((x) => x.type === 'kubernetes.io/service-account-token'),
    ).toEqual([]);
    expect(find(objects, 'ConfigMap', 'kubemedic-remediation-kubeconfig')).toEqual([]);

    // The pod's own token: projected, renewed by the kubelet, expiring after an hour.
    expect(spec.automountServiceAccountToken).toBe(false);
    const c = botContainer(objects);
    expect(c.volumeMounts?.find((m) => m.name === 'kube-api-access')?.mountPath).toBe(
      '/var/run/secrets/kubernetes.io/serviceaccount',
    );
    const sources =
      spec.volumes?.find((v) => v.name === 'kube-api-access')?.projected?.sources ?? [];
    expect(sources.find((x) => x.serviceAccountToken)?.serviceAccountToken).toEqual({
      path: 'token',
      expirationSeconds: 3600,
    });

    // The fix identity: minted on demand, 10 minutes, bound to the pod.
    expect(env(c, 'KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT')?.value).toBe(
      'kubemedic/kubemedic-remediation',
    );
    expect(env(c, 'KUBEMEDIC_REMEDIATION_TOKEN_SECONDS')?.value).toBe('600');
    expect(env(c, 'POD_UID')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.uid' } });
    expect(env(c, 'KUBEMEDIC_REMEDIATION_KUBECONFIG')).toBeUndefined();
    const role = one(objects, 'Role', 'kubemedic-remediation-token') as ClusterRoleObject;
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['serviceaccounts/token'],
        resourceNames: ['kubemedic-remediation'],
        verbs: ['create'],
      },
    ]);
    const binding = one(objects, 'RoleBinding', 'kubemedic-remediation-token') as BindingObject;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', namespace: 'kubemedic', name: 'kubemedic' },
    ]);
  });

  it('renders the PrometheusRule, a Service, and no Ingress, ServiceMonitor or PodDisruptionBudget', () => {
    one(objects, 'PrometheusRule');
    one(objects, 'Service', 'kubemedic');
    for (const kind of ['Ingress', 'ServiceMonitor', 'PodDisruptionBudget'])
      expect(find(objects, kind), kind).toEqual([]);
  });

  it('leaves the PrometheusRule out where the cluster does not serve monitoring.coreos.com/v1', async () => {
    const plain = await render(tools.helm, { monitoringApi: false });
    expect(find(plain, 'PrometheusRule')).toEqual([]);
  });
});

describe('helm template with non-default values', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render(tools.helm, { release: 'medic', namespace: 'ops', values: nonDefault });
  });

  it('scales the bot to 3 replicas with a PodDisruptionBudget and the given resources', () => {
    expect(bot(objects).spec.replicas).toBe(3);
    expect(one(objects, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    expect(botContainer(objects).resources).toEqual(nonDefault.resources);
    expect(botContainer(objects).image).toBe('registry.example.com/kubemedic:1.2.3');
  });

  it('uses the external Redis and bundles none', () => {
    expect(find(objects, 'StatefulSet')).toEqual([]);
    // The bot's own NetworkPolicy stays; the bundled Redis' goes with it.
    expect(find(objects, 'NetworkPolicy').map((o) => o.metadata.name)).toEqual([
      bot(objects).metadata.name,
    ]);
    expect(env(botContainer(objects), 'REDIS_URL')?.value).toBe(nonDefault.externalRedis.url);
  });

  it('reads credentials from the existing Secret and creates none', () => {
    expect(botContainer(objects).envFrom).toEqual([
      { secretRef: { name: 'kubemedic-credentials' } },
    ]);
    expect(find(objects, 'Secret')).toEqual([]);
  });

  it('creates no write identity when remediation is disabled', () => {
    expect(find(objects, 'ServiceAccount').map((o) => o.metadata.name)).toEqual([
      'medic-kubemedic',
    ]);
    expect(env(botContainer(objects), 'KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT')).toBeUndefined();
    expect(find(objects, 'Role')).toEqual([]);
    expect(find(objects, 'ClusterRole').map((o) => o.metadata.name)).not.toContain(
      'medic-kubemedic-remediation',
    );
    for (const b of find(objects, 'ClusterRoleBinding') as BindingObject[])
      expect(b.subjects.map((s) => s.name)).toEqual(['medic-kubemedic']);
  });

  it('scrapes /metrics with a ServiceMonitor that selects the bot Service', () => {
    const sm = one(objects, 'ServiceMonitor');
    const spec = sm.spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: unknown[];
    };
    expect(sm.metadata.labels?.release).toBe('kube-prometheus-stack');
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const svc = one(objects, 'Service', 'medic-kubemedic');
    expect(svc.metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect(
      find(objects, 'Service').filter((s) =>
        Object.entries(spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v),
      ),
    ).toHaveLength(1);
  });

  it('exposes only /slack/events through the Ingress', () => {
    const ing = one(objects, 'Ingress');
    const rules = (ing.spec as { rules: { http: { paths: { path: string }[] } }[] }).rules;
    expect(rules.flatMap((r) => r.http.paths.map((p) => p.path))).toEqual(['/slack/events']);
  });

  it('mounts an approval policy that the app accepts', () => {
    const c = botContainer(objects);
    expect(env(c, 'KUBEMEDIC_POLICY')?.value).toBe('/etc/kubemedic/policy/policy.yaml');
    const text =
      (one(objects, 'ConfigMap', 'medic-kubemedic-policy').data as Record<string, string>)[
        'policy.yaml'
      ] ?? '';
    const policy = parsePolicy(text, 'rendered ConfigMap');
    expect(policy.rules.length).toBeGreaterThan(1);
    expect(env(c, 'SLACK_DEFAULT_CHANNEL')?.value).toBe('#incidents');
    expect(env(c, 'KUBEMEDIC_ALERT_CHANNELS')?.value).toBe(nonDefault.config.alertChannels);
    expect(env(c, 'KUBEMEDIC_CLUSTER')?.value).toBe('prod-eu');
  });
});

describe('credentials in values', () => {
  const secrets = {
    slackBotToken: 'xoxb-test-bot-token-4f1a',
    slackSigningSecret: 'signing-secret-9c2e7d',
    alertmanagerToken: 'alertmanager-token-0123456789',
  };

  it('go into the chart Secret under the variable names, and appear nowhere in plain text', async () => {
    const text = await renderText(tools.helm, {
      values: { secret: secrets, redis: { auth: { password: 'redis-pw-77' } } },
    });
    const objects = parseManifests(text);
    const data = one(objects, 'Secret', 'kubemedic').data as Record<string, string>;
    const decoded = Object.fromEntries(
      Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]),
    );
    expect(decoded).toEqual({
      SLACK_BOT_TOKEN: secrets.slackBotToken,
      SLACK_SIGNING_SECRET: secrets.slackSigningSecret,
      ALERTMANAGER_TOKEN: secrets.alertmanagerToken,
    });
    // The NOTES printed after an install must not echo them either.
    const install = await exec(
      tools.helm,
      ['install', 'kubemedic', chartDir, '--dry-run=client', '-n', 'kubemedic', '-f', '-'],
      { input: valuesInput({ secret: secrets, redis: { auth: { password: 'redis-pw-77' } } }) },
    );
    for (const value of [...Object.values(secrets), 'redis-pw-77']) {
      expect(text).not.toContain(value);
      expect(install).not.toContain(value);
    }
    // The bundled Redis gets the password from its own Secret, and the bot's REDIS_URL names it.
    const c = botContainer(objects);
    expect(env(c, 'REDIS_URL')?.value).toBe('redis://:$(REDIS_PASSWORD)@kubemedic-redis:6379');
    expect(env(c, 'REDIS_PASSWORD')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubemedic-redis', key: 'redis-password' },
    });
  });
});

describe('mode: a hub, an agent, or both', () => {
  const workloads = (objects: K8sObject[]) =>
    find(objects, 'Deployment')
      .map((d) => {
        const w = d as Workload;
        const c = w.spec.template.spec.containers[0] as Container;
        return [w.metadata.name, env(c, 'KUBEMEDIC_ROLE')?.value];
      })
      .sort();

  it('renders the default as one all-in-one Deployment', async () => {
    expect(workloads(await render(tools.helm))).toEqual([['kubemedic', 'all-in-one']]);
  });

  it('gives a hub no cluster credentials: no ClusterRole, no token, no remediation identity', async () => {
    const objects = await render(tools.helm, {
      values: { mode: 'hub', hub: { channelClusters: 'C0EU=prod-eu', alertClusterLabel: 'k8s' } },
    });
    expect(workloads(objects)).toEqual([['kubemedic', 'hub']]);
    const pod = bot(objects).spec.template.spec as PodSpec & {
      automountServiceAccountToken?: boolean;
    };
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const kind of ['ClusterRole', 'ClusterRoleBinding'])
      expect(find(objects, kind), kind).toEqual([]);
    expect(find(objects, 'ServiceAccount').map((o) => o.metadata.name)).toEqual(['kubemedic']);
    expect(find(objects, 'Secret').map((o) => o.type)).not.toContain(
      'kubernetes.io/service-account-token',
    );
    const c = botContainer(objects);
    expect(env(c, 'KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT')).toBeUndefined();
    expect(env(c, 'KUBEMEDIC_CHANNEL_CLUSTERS')?.value).toBe('C0EU=prod-eu');
    expect(env(c, 'KUBEMEDIC_ALERT_CLUSTER_LABEL')?.value).toBe('k8s');
    one(objects, 'StatefulSet', 'kubemedic-redis');
  });

  it('renders an agent alone with the cluster identities, its Redis user and no Slack, Service or Redis', async () => {
    const objects = await render(tools.helm, {
      values: { mode: 'agent', agent: { cluster: 'prod-eu', redisSecret: 'agent-redis' } },
    });
    expect(workloads(objects)).toEqual([['kubemedic-agent', 'agent']]);
    const agent = one(objects, 'Deployment') as Workload;
    const c = agent.spec.template.spec.containers[0] as Container;
    expect(env(c, 'KUBEMEDIC_CLUSTER')?.value).toBe('prod-eu');
    expect(env(c, 'REDIS_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'agent-redis', key: 'REDIS_URL' },
    });
    expect(c.envFrom).toBeUndefined();
    expect(env(c, 'KUBEMEDIC_REMEDIATION_SERVICE_ACCOUNT')?.value).toBe(
      'kubemedic/kubemedic-remediation',
    );
    expect(agent.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('agent');
    for (const kind of ['Service', 'StatefulSet', 'Ingress'])
      expect(find(objects, kind), kind).toEqual([]);
    // No Secret at all: the fix identity's tokens are minted on demand and expire.
    expect(find(objects, 'Secret')).toEqual([]);
    expect(find(objects, 'Role').map((o) => o.metadata.name)).toContain(
      'kubemedic-remediation-token',
    );
    expect(find(objects, 'ClusterRoleBinding').length).toBeGreaterThan(0);
  });

  it('renders both: a hub whose Service selects only its own pods, and an agent on the bundled Redis', async () => {
    const objects = await render(tools.helm, {
      values: { mode: 'both', agent: { cluster: 'hub-cluster' } },
    });
    expect(workloads(objects)).toEqual([
      ['kubemedic', 'hub'],
      ['kubemedic-agent', 'agent'],
    ]);
    const agent = one(objects, 'Deployment', 'kubemedic-agent') as Workload;
    const labels = agent.spec.template.metadata.labels;
    const selector = (
      one(objects, 'Service', 'kubemedic').spec as { selector: Record<string, string> }
    ).selector;
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
    const c = agent.spec.template.spec.containers[0] as Container;
    expect(env(c, 'REDIS_URL')?.value).toBe('redis://:$(REDIS_PASSWORD)@kubemedic-redis:6379');
    expect(env(c, 'REDIS_PASSWORD')?.valueFrom).toEqual({
      secretKeyRef: { name: 'kubemedic-redis', key: 'redis-password' },
    });
  });

  it('refuses an agent without its cluster name or a Redis to report to', async () => {
    await expect(render(tools.helm, { set: ['mode=agent'] })).rejects.toThrow(/agent\.cluster/);
    await expect(
      render(tools.helm, { set: ['mode=agent', 'agent.cluster=prod-eu'] }),
    ).rejects.toThrow(/agent\.redisSecret/);
    await expect(render(tools.helm, { set: ['mode=hubs'] })).rejects.toThrow(/mode/);
  });
});

describe('values the chart refuses', () => {
  it('redis.enabled=false without any Redis URL', async () => {
    await expect(render(tools.helm, { set: ['redis.enabled=false'] })).rejects.toThrow(
      /externalRedis\.url/,
    );
  });

  it('a ClusterRole in files/rbac that rbac.roles does not map to an identity', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'kubemedic-chart-'));
    try {
      cpSync(chartDir, copy, { recursive: true });
      const extra = join(copy, 'files', 'rbac', 'zz-extra.yaml');
      cpSync(join(chartDir, 'Chart.yaml'), join(copy, 'Chart.yaml'));
      writeFileSync(
        extra,
        stringify({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: 'kubemedic-unreviewed' },
          rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }],
        }),
      );
      await expect(render(tools.helm, { chart: copy })).rejects.toThrow(
        /kubemedic-unreviewed.*does not map to an identity/,
      );
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('ClusterRoles come from files/rbac, the one source of truth', () => {
  const docs = rbacFileDocuments();
  const roles = docs.filter((d) => d.doc.kind === 'ClusterRole');
  let objects: K8sObject[];
  let roleSettings: Record<string, { bindTo?: string; enabled?: boolean } | undefined>;
  beforeAll(async () => {
    objects = await render(tools.helm, { release: 'rbac-check', namespace: 'ops' });
    const values = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
    roleSettings = values.rbac.roles;
  });

  it('has the diagnosis and remediation ClusterRoles', () => {
    expect(roles.map((r) => r.doc.metadata.name)).toEqual(
      expect.arrayContaining(['kubemedic-diagnosis', 'kubemedic-remediation']),
    );
  });

  it('renders each enabled role with exactly the rules of its file, renamed for the release', () => {
    for (const { file, doc } of roles) {
      const setting = roleSettings[doc.metadata.name];
      const name = `rbac-check-kubemedic-${doc.metadata.name.replace(/^kubemedic-/, '')}`;
      const rendered = find(objects, 'ClusterRole', name) as ClusterRoleObject[];
      if (setting?.enabled === false) {
        expect(rendered, `${file} is opt-in`).toEqual([]);
        continue;
      }
      expect(rendered, `${file} -> ${name}`).toHaveLength(1);
      expect(rendered[0]?.rules, file).toEqual(doc.rules);
      expect(rendered[0]?.aggregationRule, file).toEqual(doc.aggregationRule);
    }
    expect(find(objects, 'ClusterRole').length).toBe(
      roles.filter((r) => roleSettings[r.doc.metadata.name]?.enabled !== false).length,
    );
  });

  it('binds the read-only role to the pod identity and the write role to the remediation identity only', () => {
    const bindings = find(objects, 'ClusterRoleBinding') as BindingObject[];
    const subjectOf = (role: string) =>
      bindings
        .filter((b) => b.roleRef.name === role)
        .flatMap((b) => b.subjects.map((s) => `${s.namespace}/${s.name}`));
    expect(subjectOf('rbac-check-kubemedic-diagnosis')).toEqual(['ops/rbac-check-kubemedic']);
    expect(subjectOf('rbac-check-kubemedic-remediation')).toEqual([
      'ops/rbac-check-kubemedic-remediation',
    ]);
    expect(bot(objects).spec.template.spec.serviceAccountName).toBe('rbac-check-kubemedic');
  });

  it('adds an opt-in role, bound to its identity, only when enabled', async () => {
    const optIn = Object.entries(roleSettings).filter(([, s]) => s?.enabled === false);
    for (const [fileName, setting] of optIn) {
      const name = `rbac-check-kubemedic-${fileName.replace(/^kubemedic-/, '')}`;
      const enabled = await render(tools.helm, {
        release: 'rbac-check',
        namespace: 'ops',
        set: [`rbac.roles.${fileName}.enabled=true`],
      });
      const doc = roles.find((r) => r.doc.metadata.name === fileName)?.doc;
      expect((one(enabled, 'ClusterRole', name) as ClusterRoleObject).rules).toEqual(doc?.rules);
      const binding = one(enabled, 'ClusterRoleBinding', name) as BindingObject;
      const sa =
        setting?.bindTo === 'remediation'
          ? 'rbac-check-kubemedic-remediation'
          : 'rbac-check-kubemedic';
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', namespace: 'ops', name: sa }]);
    }
  });
});

describe('remediation RBAC per namespace (remediation.namespaces)', () => {
  let objects: K8sObject[];
  beforeAll(async () => {
    objects = await render(tools.helm, {
      release: 'scoped',
      namespace: 'ops',
      set: ['remediation.namespaces={shop,payments}'],
    });
  });

  it('renders a Role and a RoleBinding with the write rules in each listed namespace, and no cluster-wide write role', () => {
    const file = rbacFileDocuments().find((d) => d.doc.metadata.name === 'kubemedic-remediation');
    expect(find(objects, 'ClusterRole', 'scoped-kubemedic-remediation')).toEqual([]);
    expect(find(objects, 'ClusterRoleBinding', 'scoped-kubemedic-remediation')).toEqual([]);
    const roles = find(objects, 'Role', 'scoped-kubemedic-remediation') as ClusterRoleObject[];
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['shop', 'payments']);
    for (const r of roles) expect(r.rules).toEqual(file?.doc.rules);
    const bindings = find(
      objects,
      'RoleBinding',
      'scoped-kubemedic-remediation',
    ) as BindingObject[];
    expect(bindings.map((b) => [b.metadata.namespace, b.roleRef])).toEqual([
      [
        'shop',
        {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'scoped-kubemedic-remediation',
        },
      ],
      [
        'payments',
        {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'Role',
          name: 'scoped-kubemedic-remediation',
        },
      ],
    ]);
    for (const b of bindings)
      expect(b.subjects).toEqual([
        { kind: 'ServiceAccount', namespace: 'ops', name: 'scoped-kubemedic-remediation' },
      ]);
    // The read-only identity stays cluster-wide: diagnosis reads every namespace it is asked about.
    expect(find(objects, 'ClusterRoleBinding', 'scoped-kubemedic-diagnosis')).toHaveLength(1);
  });

  it('NOTES name the namespaces the fix identity may write in', async () => {
    const out = await exec(tools.helm, [
      'install',
      'scoped',
      chartDir,
      '--dry-run=client',
      '--namespace',
      'ops',
      '--set',
      'remediation.namespaces={shop,payments}',
    ]);
    expect(out).toContain('may write only in namespaces shop, payments');
  });

  it('refuses a namespace that is no namespace name', async () => {
    await expect(render(tools.helm, { set: ['remediation.namespaces={Shop_1}'] })).rejects.toThrow(
      /\/remediation\/namespaces\/0': .*does not match pattern/,
    );
  });
});

describe('the API server accepts the rendered manifests (server-side dry-run)', () => {
  let ns: { name: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    ns = await createNamespace('infra-helm');
  });
  afterAll(async () => {
    await ns?.cleanup();
  });

  const core = (objects: K8sObject[]) => objects.filter((o) => !monitoringKinds.has(o.kind));
  const dryRun = (objects: K8sObject[]) =>
    kubectl(
      ['apply', '--dry-run=server', '--validate=strict', '-n', ns.name, '-f', '-'],
      toManifest(objects),
    );

  it('on the test cluster, with the default values', async () => {
    const objects = await render(tools.helm, { release: `dr-${ns.name}`, namespace: ns.name });
    const out = await dryRun(core(objects));
    expect(out.split('\n').filter(Boolean)).toHaveLength(core(objects).length);
  });

  it('on the test cluster, with non-default values', async () => {
    const objects = await render(tools.helm, {
      release: `dr2-${ns.name}`,
      namespace: ns.name,
      values: nonDefault,
    });
    const out = await dryRun(core(objects));
    expect(out.split('\n').filter(Boolean)).toHaveLength(core(objects).length);
  });

  it('on the test cluster, with credentials, Redis auth and an ephemeral Redis', async () => {
    const objects = await render(tools.helm, {
      release: `dr3-${ns.name}`,
      namespace: ns.name,
      values: {
        secret: {
          slackBotToken: 'xoxb-1',
          slackAppToken: 'xapp-1',
          alertmanagerToken: 'a'.repeat(24),
        },
        redis: { auth: { password: 'pw' }, persistence: { enabled: false } },
        podDisruptionBudget: { enabled: true },
        replicaCount: 2,
      },
    });
    await dryRun(core(objects));
  });

  describe('the Prometheus Operator kinds, on a private API server with minimal CRDs', () => {
    let api: PrivateApiServer;
    beforeAll(async () => {
      api = await startPrivateApiServer();
      await api.kubectl(['apply', '-f', join(import.meta.dirname, 'monitoring-crds.yaml')]);
      await api.kubectl([
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        'crd/prometheusrules.monitoring.coreos.com',
        'crd/servicemonitors.monitoring.coreos.com',
      ]);
      await api.kubectl(['create', 'namespace', 'kubemedic']);
    }, 180_000);
    afterAll(async () => {
      await api?.stop();
    });

    it('accepts the PrometheusRule and the ServiceMonitor', async () => {
      const objects = await render(tools.helm, { values: { serviceMonitor: { enabled: true } } });
      const crs = objects.filter((o) => monitoringKinds.has(o.kind));
      expect(crs.map((o) => o.kind).sort()).toEqual(['PrometheusRule', 'ServiceMonitor']);
      // Waiting out CRD discovery: the first apply after Established may not see the kinds yet.
      await waitFor(
        'the CRD kinds to be served',
        async () => {
          await api.kubectl(
            ['apply', '--dry-run=server', '--validate=strict', '-n', 'kubemedic', '-f', '-'],
            toManifest(crs),
          );
          return true;
        },
        30_000,
        500,
      );
    });

    it('refuses a rule whose `for:` is not a duration (the schema bites)', async () => {
      const objects = await render(tools.helm, {
        set: ['prometheusRule.overrides.ServiceZeroEndpoints.for=two minutes'],
      });
      const rule = objects.filter((o) => o.kind === 'PrometheusRule');
      await expect(
        api.kubectl(['apply', '--dry-run=server', '-n', 'kubemedic', '-f', '-'], toManifest(rule)),
      ).rejects.toThrow(/for/);
    });
  });
});

describe('the identities really have their roles (applied to the test cluster)', () => {
  let ns: { name: string; cleanup: () => Promise<void> };
  let release: string;
  let objects: K8sObject[];
  let work: string;
  const applied: K8sObject[] = [];

  beforeAll(async () => {
    ns = await createNamespace('infra-rbac');
    release = `id-${ns.name}`;
    work = mkdtempSync(join(tmpdir(), 'kubemedic-identity-'));
    objects = await render(tools.helm, { release, namespace: ns.name });
    const identity = objects.filter((o) =>
      ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].includes(
        o.kind,
      ),
    );
    identity.sort(
      (a, b) => Number(b.kind === 'ServiceAccount') - Number(a.kind === 'ServiceAccount'),
    );
    await kubectl(['apply', '-n', ns.name, '-f', '-'], toManifest(identity));
    applied.push(...identity);
  }, 120_000);

  afterAll(async () => {
    const clusterScoped = applied.filter((o) => o.kind.startsWith('Cluster'));
    for (const o of clusterScoped)
      await kubectl([
        'delete',
        o.kind,
        o.metadata.name,
        '--ignore-not-found',
        '--wait=false',
      ]).catch(() => undefined);
    await ns?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const canI = async (as: string[], verb: string, resource: string, namespace: string) =>
    (
      await kubectl([...as, 'auth', 'can-i', verb, resource, '-n', namespace]).catch(
        (e: Error) => e.message,
      )
    )
      .trim()
      .endsWith('yes');

  it('the pod identity reads what diagnosis needs and writes nothing', async () => {
    const as = ['--as', `system:serviceaccount:${ns.name}:${release}-kubemedic`];
    await waitFor(
      'the diagnosis binding to take effect',
      () => canI(as, 'list', 'pods', 'default'),
      30_000,
    );
    expect(await canI(as, 'list', 'services', 'kube-system')).toBe(true);
    for (const [verb, resource] of [
      ['patch', 'services'],
      ['update', 'deployments'],
      ['delete', 'pods'],
      ['create', 'networkpolicies'],
    ])
      expect(
        await canI(as, verb as string, resource as string, 'default'),
        `${verb} ${resource}`,
      ).toBe(false);
  });

  it('the pod identity mints expiring tokens of the remediation identity, and of no other', async () => {
    const pod = `system:serviceaccount:${ns.name}:${release}-kubemedic`;
    const fix = `${release}-kubemedic-remediation`;
    await waitFor(
      'the token Role to take effect',
      async () =>
        (await kubectl(['--as', pod, 'create', 'token', fix, '-n', ns.name]).catch(() => ''))
          ? true
          : undefined,
      30_000,
    );
    // The bot's own code path: its identity's token mints the fix identity's, which is then used.
    const podToken = (
      await kubectl(['create', 'token', `${release}-kubemedic`, '-n', ns.name, '--duration=10m'])
    ).trim();
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfigPath);
    const cluster = admin.getCurrentCluster();
    if (!cluster) throw new Error('no cluster in the test kubeconfig');
    const asPod = new KubeConfig();
    asPod.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'pod', token: podToken }],
      contexts: [{ name: 'pod', cluster: cluster.name, user: 'pod' }],
      currentContext: 'pod',
    });
    const minter = new KubeApi(asPod);
    let now = Date.now();
    const tokens = serviceAccountTokens(
      minter,
      { namespace: ns.name, name: fix },
      { expirationSeconds: 600, now: () => now },
    );
    const writer = tokenClient(minter, tokens);
    const whoami = await writer.request<{ status: { userInfo: { username: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    expect(whoami.status.userInfo.username).toBe(`system:serviceaccount:${ns.name}:${fix}`);
    const first = await tokens();
    const claims = JSON.parse(Buffer.from(first.split('.')[1] ?? '', 'base64url').toString()) as {
      exp: number;
      iat: number;
    };
    expect(claims.exp - claims.iat).toBe(600);
    // Reused while fresh, renewed once most of its life is gone.
    expect(await tokens()).toBe(first);
    now += 500_000;
    expect(await tokens()).not.toBe(first);
    writer.close();
    minter.close();

    // The same identity may not mint tokens of any other ServiceAccount.
    await expect(
      kubectl(['--as', pod, 'create', 'token', `${release}-kubemedic`, '-n', ns.name]),
    ).rejects.toThrow(/forbidden/i);
  });

  it('the remediation identity may do what its ClusterRole file grants, and no more', async () => {
    const as = ['--as', `system:serviceaccount:${ns.name}:${release}-kubemedic-remediation`];
    const file = rbacFileDocuments().find((d) => d.doc.metadata.name === 'kubemedic-remediation');
    expect(file, 'files/rbac has the remediation ClusterRole').toBeDefined();
    const rules = (file?.doc.rules ?? []) as {
      apiGroups?: string[];
      resources?: string[];
      verbs?: string[];
      resourceNames?: string[];
    }[];
    const unrestricted = rules.find(
      (r) => !r.resourceNames?.length && r.resources?.length && r.verbs?.length,
    );
    if (unrestricted) {
      const group = unrestricted.apiGroups?.[0] ?? '';
      const resource = `${unrestricted.resources?.[0]}${group ? `.${group}` : ''}`;
      const verb = unrestricted.verbs?.[0] ?? 'get';
      await waitFor(
        `the remediation binding (${verb} ${resource})`,
        () => canI(as, verb, resource, 'default'),
        30_000,
      );
    }
    for (const [verb, resource] of [
      ['delete', 'namespaces'],
      ['create', 'clusterrolebindings'],
      ['get', 'secrets'],
      ['escalate', 'clusterroles'],
    ])
      expect(
        await canI(as, verb as string, resource as string, 'default'),
        `${verb} ${resource}`,
      ).toBe(false);
  });
});

describe('remediation RBAC per namespace, applied to the test cluster', () => {
  let listed: { name: string; cleanup: () => Promise<void> };
  let other: { name: string; cleanup: () => Promise<void> };
  let home: { name: string; cleanup: () => Promise<void> };
  let release: string;

  beforeAll(async () => {
    [home, listed, other] = await Promise.all([
      createNamespace('infra-scoped'),
      createNamespace('infra-listed'),
      createNamespace('infra-other'),
    ]);
    release = `sc-${home.name}`;
    const objects = await render(tools.helm, {
      release,
      namespace: home.name,
      set: [`remediation.namespaces={${listed.name}}`],
    });
    const identity = objects.filter((o) =>
      ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind),
    );
    // The objects name their namespaces (the Roles live in the listed one).
    await kubectl(['apply', '-f', '-'], toManifest(identity));
    const web = (ns: string) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'app', image: 'registry.example/web:1' }] },
          },
        },
      });
    await kubectl(['apply', '-f', '-'], `${web(listed.name)}\n---\n${web(other.name)}`);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([home?.cleanup(), listed?.cleanup(), other?.cleanup()]);
  });

  it('lets the fix identity patch a Deployment in a listed namespace, and forbids it in another', async () => {
    const as = ['--as', `system:serviceaccount:${home.name}:${release}-kubemedic-remediation`];
    const patch = (ns: string) =>
      kubectl([
        ...as,
        'patch',
        'deployment',
        'web',
        '-n',
        ns,
        '--type=json',
        '-p',
        '[{"op":"replace","path":"/spec/replicas","value":2}]',
      ]);
    await waitFor(
      'the RoleBinding to take effect',
      async () => ((await patch(listed.name).catch(() => '')) ? true : undefined),
      30_000,
    );
    expect(
      (
        await kubectlJson<{ spec: { replicas: number } }>([
          'get',
          'deployment/web',
          '-n',
          listed.name,
        ])
      ).spec.replicas,
    ).toBe(2);
    await expect(patch(other.name)).rejects.toThrow(/forbidden/i);
    expect(
      (
        await kubectlJson<{ spec: { replicas: number } }>([
          'get',
          'deployment/web',
          '-n',
          other.name,
        ])
      ).spec.replicas,
    ).toBe(1);
  });
});
