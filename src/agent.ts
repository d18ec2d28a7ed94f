// KUBEMEDIC_ROLE=agent: kubemedic inside one cluster. It works that cluster's diagnose and
// remediate queues with that cluster's identities, reports through the cluster's own slack-post
// queue (the hub posts it), and heartbeats its name, versions and capabilities. It touches only
// keys under its cluster's prefix (queue/clusters.ts), so its Redis user can be confined to them.
import { version } from './cli/args.js';
import { capabilitiesOf, type Capabilities } from './cluster/capabilities.js';
import { KubeApi, loadKubeConfig } from './cluster/client.js';
import type { Config } from './config/env.js';
import { type Handler, createHttpServer, sendJson, withTimeout } from './http.js';
import { log, reasonOf, setLogLevel } from './log.js';
import { addQueueDepthSource, registry } from './metrics.js';
import type { RunningApp } from './app.js';
import { type AgentInfo, clearHeartbeat, clusterPrefix, writeHeartbeat } from './queue/clusters.js';
import { liveDiagnosis, processDiagnosis } from './queue/diagnose.js';
import { WorkQueues } from './queue/queues.js';
import { connectRedis, describeRedis, openRedis } from './queue/redis.js';
import { processRemediation } from './queue/remediate.js';
import { startWorkers, workerSettings } from './queue/workers.js';
import { PlanStore } from './remediation/plan-store.js';
import { SlackQueueNotifier, slackReporter } from './slack/notifier.js';

/** Capabilities change only with RBAC; asked again this often. */
const CAPABILITIES_REFRESH_MS = 5 * 60_000;

export async function startAgent(config: Config): Promise<RunningApp> {
  setLogLevel(config.logLevel);
  const cluster = config.clusterName;
  if (!cluster) throw new Error('an agent needs KUBEMEDIC_CLUSTER');
  const kubeConfig = loadKubeConfig(config.kube);
  const timeoutMs = config.kube.requestTimeoutMs;
  const redis = openRedis(config.redisUrl, 'command', config.redisSentinel);
  await connectRedis(redis, config.redisUrl, undefined, config.redisSentinel);
  const prefix = clusterPrefix(config.queuePrefix, cluster);
  const queues = new WorkQueues(redis, prefix);
  const plans = new PlanStore(redis, prefix);
  const reader = new KubeApi(kubeConfig, { timeoutMs });
  const writer = KubeApi.fromOptions({ ...config.remediationKube, timeoutMs });
  const readiness = new KubeApi(kubeConfig, { timeoutMs: 2000 });
  const report = slackReporter(new SlackQueueNotifier(queues));

  const workers = startWorkers({
    ...workerSettings(config, prefix),
    processors: {
      diagnose: (job) =>
        processDiagnosis(job, { queues, diagnoseTarget: liveDiagnosis(kubeConfig, timeoutMs) }),
      remediate: (job) =>
        processRemediation(job, {
          store: plans,
          writer,
          reader,
          report,
          authorisedByHub: true,
          logger: log,
        }),
    },
  });

  // The heartbeat: what the hub shows in `/diagnose clusters` and routes by.
  const startedAt = new Date().toISOString();
  let kubernetesVersion: string | undefined;
  let capabilities: Capabilities = { checks: [], skippedChecks: [], fixes: [] };
  const learn = async () => {
    try {
      kubernetesVersion = (await reader.get<{ gitVersion?: string }>('/version')).gitVersion;
      capabilities = await capabilitiesOf(reader, writer);
    } catch (err) {
      log.warn({ err: reasonOf(err) }, 'could not ask the API server what this agent may do');
    }
  };
  const beat = async () => {
    const info: AgentInfo = {
      cluster,
      version: version(),
      kubernetesVersion,
      capabilities,
      startedAt,
      at: new Date().toISOString(),
    };
    await writeHeartbeat(redis, config.queuePrefix, info, config.clusters.heartbeatMs * 3).catch(
      (err: unknown) => log.warn({ err: reasonOf(err) }, 'heartbeat not written'),
    );
  };
  await learn();
  await beat();
  const beating = setInterval(() => void beat(), config.clusters.heartbeatMs);
  const relearning = setInterval(() => void learn(), CAPABILITIES_REFRESH_MS);

  let stopping = false;
  const readyz: Handler = async (_req, res) => {
    const problems: Record<string, string> = {};
    if (stopping) problems.shutdown = 'shutting down';
    await withTimeout(redis.ping(), 1000, 'Redis').catch((err: unknown) => {
      problems.redis = `${describeRedis(config.redisUrl, config.redisSentinel)}: ${reasonOf(err)}`;
    });
    await readiness.get('/version').catch((err: unknown) => {
      problems.kubernetes = reasonOf(err);
    });
    const ok = Object.keys(problems).length === 0;
    sendJson(res, ok ? 200 : 503, ok ? { status: 'ready' } : { status: 'not ready', problems });
  };
  const metrics: Handler = async (_req, res) => {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType }).end(body);
  };
  const healthz: Handler = (_req, res) => sendJson(res, 200, { status: 'ok' });
  const http = createHttpServer({
    '/healthz': healthz,
    '/readyz': readyz,
    '/metrics': metrics,
  });
  const url = await http.listen(config.http.port, config.http.host);
  const unregister = addQueueDepthSource(() => queues.depths());
  log.info(
    {
      url,
      mode: 'agent',
      cluster,
      prefix,
      checks: capabilities.checks.length,
      fixes: capabilities.fixes.length,
    },
    'kubemedic agent is running',
  );

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      log.info('shutting down: no new jobs; finishing those in hand');
      stopping = true;
      clearInterval(beating);
      clearInterval(relearning);
      // Gone at once for the hub; a job in hand still finishes (or is retried after restart).
      await clearHeartbeat(redis, config.queuePrefix, cluster).catch(() => undefined);
      await http.close(5000);
      await workers.close(config.shutdownTimeoutMs);
      unregister();
      await queues.close();
      await redis.quit().catch(() => redis.disconnect());
      for (const api of [reader, writer, readiness]) api.close();
      log.info('stopped');
    })());
  return { url, mode: 'console', clusterName: cluster, stop };
}
