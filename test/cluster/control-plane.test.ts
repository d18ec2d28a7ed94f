// The test control plane is real: the scheduler places pods on KWOK nodes, the EndpointSlice
// controller fills endpoints, KWOK stages produce the failure states, and RBAC is enforced.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apply,
  binDir,
  createNamespace,
  endpointReadiness,
  kubectl,
  kubectlJson,
  kubeconfigPath,
  repoRoot,
  waitFor,
} from '../support/cluster.js';
import { TestCluster } from '../scenarios/support/cluster.js';
import { writePodLog } from '../scenarios/support/pod-logs.js';

const run = promisify(execFile);

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      ready: boolean;
      restartCount: number;
      state?: { waiting?: { reason?: string; message?: string } };
      lastState?: { terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

const deployment = (name: string, labels: string, extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 2
  selector: {matchLabels: {${labels}}}
  template:
    metadata: {labels: {${labels}}${extra}}
    spec: {containers: [{name: app, image: registry.example/app:1, ports: [{containerPort: 8080}]}]}
`;

describe('test control plane', () => {
  let ns: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ name: ns, cleanup } = await createNamespace('cp'));
  });
  afterAll(async () => cleanup());

  it('schedules a Deployment onto KWOK nodes, and the EndpointSlice controller follows the selector', async () => {
    await apply(ns, deployment('api', 'app: api-service'));
    await apply(
      ns,
      `
apiVersion: v1
kind: Service
metadata: {name: api-service}
spec: {selector: {app: api-svc}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: api-good}
spec: {selector: {app: api-service}, ports: [{port: 80, targetPort: 8080}]}
`,
    );
    const pods = await waitFor('2 Ready pods', async () => {
      const list = await kubectlJson<{ items: PodJson[] }>([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        'app=api-service',
      ]);
      const ready = list.items.filter((p) =>
        p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return ready.length === 2 ? ready : undefined;
    });
    for (const p of pods) expect(p.spec.nodeName).toMatch(/^kwok-node-\d+$/);

    await waitFor(
      'ready endpoints for the matching Service',
      async () => (await endpointReadiness(ns, 'api-good')).ready === 2,
    );
    // The mismatched Service gets a slice with no endpoints at all.
    await waitFor('an empty slice for the mismatched Service', async () => {
      const list = await kubectlJson<{ items: { endpoints?: unknown[] }[] }>([
        'get',
        'endpointslices',
        '-n',
        ns,
        '-l',
        'kubernetes.io/service-name=api-service',
      ]);
      return list.items.length > 0 && list.items.every((s) => (s.endpoints ?? []).length === 0);
    });
    expect(await endpointReadiness(ns, 'api-service')).toEqual({ ready: 0, notReady: 0 });

    await kubectl([
      'patch',
      'service',
      'api-service',
      '-n',
      ns,
      '-p',
      '{"spec":{"selector":{"app":"api-service"}}}',
    ]);
    await waitFor(
      'the patched Service to get ready endpoints',
      async () => (await endpointReadiness(ns, 'api-service')).ready === 2,
    );
  });

  it('serves a container log through the API server once a test has written one (KWOK Logs)', async () => {
    await apply(
      ns,
      `
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec: {containers: [{name: app, image: app:1}]}
`,
    );
    await waitFor('the pod Running', async () =>
      (await kubectlJson<PodJson>(['get', 'pod', 'talker', '-n', ns])).status.phase === 'Running'
        ? true
        : undefined,
    );
    // No log written: KWOK has none to serve, and says so through the API server.
    await expect(kubectl(['logs', 'talker', '-n', ns])).rejects.toThrow(/no logs found/);
    const cluster = new TestCluster(join(kubeconfigPath, '..'));
    try {
      await writePodLog(cluster, ns, 'talker', ['first line', 'dial tcp 10.96.0.9:5432: refused']);
    } finally {
      cluster.close();
    }
    expect(await kubectl(['logs', 'talker', '-n', ns])).toBe(
      'first line\ndial tcp 10.96.0.9:5432: refused\n',
    );
    // The kubelet's options reach KWOK: tail, and since (a future time leaves nothing).
    expect(await kubectl(['logs', 'talker', '-n', ns, '--tail', '1'])).toBe(
      'dial tcp 10.96.0.9:5432: refused\n',
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await kubectl(['logs', 'talker', '-n', ns, '--since-time', future])).toBe('');
  });

  it('drives a labelled pod into CrashLoopBackOff with lastState OOMKilled/137', async () => {
    await apply(
      ns,
      `
apiVersion: v1
kind: Pod
metadata:
  name: oom
  labels: {kubemedic.test/stage: crashloop}
  annotations: {kubemedic.test/reason: OOMKilled, kubemedic.test/exit-code: "137", kubemedic.test/restarts: "7"}
spec: {containers: [{name: app, image: app:1}]}
`,
    );
    const pod = await waitFor('the crash loop', async () => {
      const p = await kubectlJson<PodJson>(['get', 'pod', 'oom', '-n', ns]);
      return p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff'
        ? p
        : undefined;
    });
    const cs = pod.status.containerStatuses?.[0];
    expect(cs?.lastState?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(cs?.restartCount).toBe(7);
    expect(cs?.ready).toBe(false);
  });

  it('offers the other failure stages: readiness failing, image pull, container config error', async () => {
    await apply(
      ns,
      `
apiVersion: v1
kind: Pod
metadata: {name: unready, labels: {kubemedic.test/stage: not-ready}}
spec: {containers: [{name: app, image: app:1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: badimage, labels: {kubemedic.test/stage: image-pull}}
spec: {containers: [{name: app, image: registry.example/nope:404}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: badconfig
  labels: {kubemedic.test/stage: config-error}
  annotations: {kubemedic.test/message: 'configmap "api-config" not found'}
spec: {containers: [{name: app, image: app:1}]}
`,
    );
    const get = (name: string) => kubectlJson<PodJson>(['get', 'pod', name, '-n', ns]);
    const unready = await waitFor('Running but not Ready', async () => {
      const p = await get('unready');
      return p.status.phase === 'Running' ? p : undefined;
    });
    expect(unready.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    const bad = await waitFor('ImagePullBackOff', async () => {
      const p = await get('badimage');
      return p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff'
        ? p
        : undefined;
    });
    expect(bad.status.phase).toBe('Pending');
    const cfg = await waitFor('CreateContainerConfigError', async () => {
      const p = await get('badconfig');
      return p.status.containerStatuses?.[0]?.state?.waiting?.reason ===
        'CreateContainerConfigError'
        ? p
        : undefined;
    });
    expect(cfg.status.containerStatuses?.[0]?.state?.waiting?.message).toBe(
      'configmap "api-config" not found',
    );
  });

  it('turns a labelled node NotReady, and its pods leave the ready endpoints', async () => {
    const node = `kwok-${ns}`;
    await kubectl(
      ['apply', '-f', '-'],
      `
apiVersion: v1
kind: Node
metadata:
  name: ${node}
  annotations: {kwok.x-k8s.io/node: fake}
  labels: {type: kwok, kubernetes.io/hostname: ${node}}
spec:
  taints: [{key: kubemedic.test/dedicated, value: "${ns}", effect: NoSchedule}]
`,
    );
    try {
      await waitFor(
        'the extra node to be Ready',
        async () =>
          (await kubectl([
            'get',
            'node',
            node,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ])) === 'True',
      );
      await apply(
        ns,
        `
apiVersion: v1
kind: Pod
metadata: {name: on-bad-node, labels: {app: pinned}}
spec:
  nodeName: ${node}
  tolerations: [{key: kubemedic.test/dedicated, operator: Exists}]
  containers: [{name: app, image: app:1, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: pinned}
spec: {selector: {app: pinned}, ports: [{port: 80, targetPort: 8080}]}
`,
      );
      await waitFor(
        'a ready endpoint on the node',
        async () => (await endpointReadiness(ns, 'pinned')).ready === 1,
      );
      await kubectl(['label', 'node', node, 'kubemedic.test/node-not-ready=true']);
      // No heartbeats: the node lifecycle controller turns Ready to Unknown, which kubectl shows as NotReady.
      await waitFor('the node to turn NotReady', async () =>
        ['False', 'Unknown'].includes(
          await kubectl([
            'get',
            'node',
            node,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ]),
        ),
      );
      await waitFor('the endpoint to become not-ready', async () => {
        const r = await endpointReadiness(ns, 'pinned');
        return r.ready === 0 && r.notReady === 1;
      });
    } finally {
      await kubectl(['delete', 'node', node, '--wait=false']).catch(() => undefined);
    }
  });

  it('enforces RBAC: a ServiceAccount with no role is refused with 403', async () => {
    await kubectl(['create', 'serviceaccount', 'nobody', '-n', ns]);
    const token = (await kubectl(['create', 'token', 'nobody', '-n', ns])).trim();
    const server = await kubectl([
      'config',
      'view',
      '--minify',
      '-o',
      'jsonpath={.clusters[0].cluster.server}',
    ]);
    const args = [
      '--server',
      server,
      '--token',
      token,
      '--insecure-skip-tls-verify',
      '--kubeconfig',
      '/dev/null',
    ];
    const denied = await run(join(binDir(), 'kubectl'), [...args, 'get', 'pods', '-n', ns]).then(
      () => 'allowed',
      (e: { stderr: string }) => e.stderr,
    );
    expect(denied).toMatch(/Forbidden/);
    expect(denied).toContain(`system:serviceaccount:${ns}:nobody`);
    const raw = await run(join(binDir(), 'kubectl'), [
      ...args,
      'get',
      '--raw',
      `/api/v1/namespaces/${ns}/pods`,
    ]).catch((e: { stderr: string }) => e.stderr);
    expect(String(raw)).toMatch(/403|forbidden/i);
  });
});

describe('cluster:up and cluster:down', () => {
  it('starts a second cluster, returns at once when it is already up, and leaves no process behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubemedic-cluster-'));
    const env = { ...process.env, KUBEMEDIC_CLUSTER_DIR: dir, KUBEMEDIC_CLUSTER_NODES: '1' };
    await run('bash', [join(repoRoot, 'test/cluster/up.sh')], { env });
    const pids = readdirSync(join(dir, 'pids')).map((f) =>
      Number(readFileSync(join(dir, 'pids', f), 'utf8')),
    );
    expect(pids).toHaveLength(5);
    for (const pid of pids) expect(() => process.kill(pid, 0)).not.toThrow();

    const again = await run('bash', [join(repoRoot, 'test/cluster/up.sh')], { env });
    expect(again.stdout).toContain('already running');

    await run('bash', [join(repoRoot, 'test/cluster/down.sh')], { env });
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(join(dir, 'kubeconfig'))).toBe(false);
  });
});
