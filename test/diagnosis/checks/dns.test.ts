import { describe, expect, it } from 'vitest';
import type {
  ContainerStatus,
  DaemonSet,
  Deployment,
  EndpointSlice,
  Pod,
  Service,
} from '../../../src/cluster/k8s-types.js';
import { emptySnapshot, type Snapshot } from '../../../src/cluster/snapshot.js';
import { corednsUnhealthy } from '../../../src/diagnosis/checks/dns/coredns-unhealthy.js';
import { kubeProxyUnhealthy } from '../../../src/diagnosis/checks/dns/kube-proxy-unhealthy.js';
import { DiagnosisContext } from '../../../src/diagnosis/context.js';
import { CHECKS } from '../../../src/diagnosis/registry.js';

const dnsChecks = CHECKS.filter((c) => c.layer === 'dns');

const NOW = new Date('2026-01-01T14:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

const svc: Service = {
  kind: 'Service',
  metadata: { name: 'api', namespace: 'prod' },
  spec: { selector: { app: 'api' }, ports: [{ port: 80 }] },
};

function systemPod(
  name: string,
  labels: Record<string, string>,
  opts: { ready?: boolean; status?: Partial<ContainerStatus>; node?: string } = {},
): Pod {
  const ready = opts.ready ?? true;
  return {
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system', labels },
    spec: { nodeName: opts.node ?? 'node-1', containers: [{ name: 'main' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'main', ready, restartCount: 0, ...opts.status }],
    },
  };
}

const coredns = (name: string, opts?: Parameters<typeof systemPod>[2]) =>
  systemPod(name, { 'k8s-app': 'kube-dns' }, opts);
const kubeProxy = (name: string, opts?: Parameters<typeof systemPod>[2]) =>
  systemPod(name, { 'k8s-app': 'kube-proxy' }, opts);

function kubeDnsSlice(ready: boolean[]): EndpointSlice {
  return {
    kind: 'EndpointSlice',
    metadata: {
      name: 'kube-dns-abcde',
      namespace: 'kube-system',
      labels: { 'kubernetes.io/service-name': 'kube-dns' },
    },
    endpoints: ready.map((r, i) => ({
      addresses: [`10.96.0.${i + 10}`],
      conditions: { ready: r },
    })),
  };
}

const corednsDeployment: Deployment = {
  kind: 'Deployment',
  metadata: { name: 'coredns', namespace: 'kube-system', uid: 'uid-coredns' },
  spec: {
    selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    template: {
      metadata: { labels: { 'k8s-app': 'kube-dns' } },
      spec: { containers: [{ name: 'coredns' }] },
    },
  },
};

function kubeProxyDs(desired: number, available: number): DaemonSet {
  return {
    kind: 'DaemonSet',
    metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { 'k8s-app': 'kube-proxy' } },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      template: { spec: { containers: [{ name: 'kube-proxy' }] } },
    },
    status: { desiredNumberScheduled: desired, numberAvailable: available, numberReady: available },
  };
}

function ctxFor(snapshot: Snapshot): DiagnosisContext {
  return new DiagnosisContext({
    snapshot,
    target: { kind: 'Service', name: 'api', namespace: 'prod', cluster: 'default' },
    services: [svc],
    now: NOW,
  });
}

describe('dns.coredns-unhealthy', () => {
  it('is silent for healthy CoreDNS pods and endpoints', () => {
    const s = emptySnapshot();
    s.pods.push(coredns('coredns-1'), coredns('coredns-2'));
    s.endpointSlices.push(kubeDnsSlice([true, true]));
    s.deployments.push(corednsDeployment);
    expect(corednsUnhealthy.run(ctxFor(s))).toEqual([]);
  });

  it('is silent when the snapshot holds no CoreDNS objects at all', () => {
    expect(corednsUnhealthy.run(ctxFor(emptySnapshot()))).toEqual([]);
  });

  it('is silent about restarts that happened long ago', () => {
    const s = emptySnapshot();
    s.pods.push(
      coredns('coredns-1', {
        status: {
          restartCount: 7,
          lastState: {
            terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: minutesAgo(3 * 24 * 60) },
          },
        },
      }),
    );
    expect(corednsUnhealthy.run(ctxFor(s))).toEqual([]);
  });

  it('is critical when no CoreDNS pod is ready, and proposes restart-coredns', () => {
    const s = emptySnapshot();
    s.pods.push(coredns('coredns-1', { ready: false }), coredns('coredns-2', { ready: false }));
    s.endpointSlices.push(kubeDnsSlice([false, false]));
    s.deployments.push(corednsDeployment);
    const [f, ...rest] = corednsUnhealthy.run(ctxFor(s));
    expect(rest).toEqual([]);
    expect(f?.check).toBe('dns.coredns-unhealthy');
    expect(f?.layer).toBe('dns');
    expect(f?.severity).toBe('critical');
    expect(f?.title).toContain('0 of 2 CoreDNS pod(s) ready');
    expect(f?.title).toContain('kube-dns has no ready endpoint');
    expect(f?.detail).toContain('coredns-1: not ready');
    const pods = f?.evidence.find((e) => e.argv[1] === 'get' && e.argv[2] === 'pods');
    expect(pods?.argv.slice(0, 7)).toEqual([
      'kubectl',
      'get',
      'pods',
      '-n',
      'kube-system',
      '-l',
      'k8s-app=kube-dns',
    ]);
    expect(pods?.output).toMatch(/\ncoredns-1 +Running +false /);
    const plan = f?.remediations[0];
    expect(plan?.id).toBe('restart-coredns');
    expect(plan?.object).toMatchObject({
      kind: 'Deployment',
      namespace: 'kube-system',
      name: 'coredns',
    });
    expect(plan?.kubectl).toBe('kubectl rollout restart deployment/coredns -n kube-system');
    expect(plan?.verify.checks).toEqual(['dns.coredns-unhealthy']);
  });

  it('warns when one of two CoreDNS pods was OOMKilled and keeps restarting', () => {
    const s = emptySnapshot();
    s.pods.push(
      coredns('coredns-1'),
      coredns('coredns-2', {
        status: {
          restartCount: 5,
          lastState: {
            terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: minutesAgo(3) },
          },
        },
      }),
    );
    s.endpointSlices.push(kubeDnsSlice([true, true]));
    s.deployments.push(corednsDeployment);
    const [f] = corednsUnhealthy.run(ctxFor(s));
    expect(f?.severity).toBe('warning');
    expect(f?.title).toContain('coredns-2');
    expect(f?.detail).toContain('restarted 5 times');
    expect(f?.detail).toContain('OOMKilled 3m ago');
    expect(f?.detail).toContain('raise the memory limit');
    expect(f?.remediations[0]?.id).toBe('restart-coredns');
  });

  it('is critical when kube-dns has endpoints but none ready, even without CoreDNS pods in the dump', () => {
    const s = emptySnapshot();
    s.endpointSlices.push(kubeDnsSlice([false]));
    const [f] = corednsUnhealthy.run(ctxFor(s));
    expect(f?.severity).toBe('critical');
    // What kubectl prints with the columns shown: the slice and its one unready endpoint.
    expect(f?.evidence[0]?.command).toBe(
      "kubectl get endpointslices -n kube-system -l kubernetes.io/service-name=kube-dns -o 'custom-columns=NAME:.metadata.name,READY:.endpoints[*].conditions.ready'",
    );
    expect(f?.evidence[0]?.output).toMatch(/^NAME +READY\n\S+ +false$/);
    expect(f?.remediations).toEqual([]);
  });
});

describe('dns.kube-proxy-unhealthy', () => {
  it('is silent when the DaemonSet is fully available', () => {
    const s = emptySnapshot();
    s.daemonSets.push(kubeProxyDs(3, 3));
    s.pods.push(kubeProxy('kube-proxy-a'), kubeProxy('kube-proxy-b'), kubeProxy('kube-proxy-c'));
    expect(kubeProxyUnhealthy.run(ctxFor(s))).toEqual([]);
  });

  it('is silent on clusters without kube-proxy', () => {
    expect(kubeProxyUnhealthy.run(ctxFor(emptySnapshot()))).toEqual([]);
  });

  it('warns when a kube-proxy pod crash-loops and the DaemonSet is short', () => {
    const s = emptySnapshot();
    s.daemonSets.push(kubeProxyDs(3, 2));
    s.pods.push(
      kubeProxy('kube-proxy-a'),
      kubeProxy('kube-proxy-b'),
      kubeProxy('kube-proxy-c', {
        ready: false,
        node: 'node-3',
        status: {
          restartCount: 9,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: minutesAgo(1) } },
        },
      }),
    );
    const [f, ...rest] = kubeProxyUnhealthy.run(ctxFor(s));
    expect(rest).toEqual([]);
    expect(f?.check).toBe('dns.kube-proxy-unhealthy');
    expect(f?.severity).toBe('warning');
    expect(f?.title).toContain('2 of 3 available');
    expect(f?.detail).toContain('CrashLoopBackOff');
    expect(f?.detail).toContain('node-3');
    expect(f?.evidence.map((e) => e.command)).toContain(
      'kubectl delete pod -n kube-system kube-proxy-c',
    );
    expect(f?.remediations).toEqual([]);
  });

  it('is critical when no kube-proxy is available', () => {
    const s = emptySnapshot();
    s.daemonSets.push(kubeProxyDs(2, 0));
    const [f] = kubeProxyUnhealthy.run(ctxFor(s));
    expect(f?.severity).toBe('critical');
    expect(f?.title).toContain('kube-proxy is down');
  });

  it('exports both dns checks', () => {
    expect(dnsChecks.map((c) => c.id)).toEqual([
      'dns.coredns-unhealthy',
      'dns.kube-proxy-unhealthy',
    ]);
  });
});
