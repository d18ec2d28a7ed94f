// Wires kubemedic together: config -> Redis, queues, workers, the Slack app (or the console),
// the HTTP server. startApp returns a handle whose stop() shuts down without losing work.
import { loadKubeConfig, KubeApi } from './cluster/client.js';
import { serviceAccountTokens, tokenClient } from './cluster/token-request.js';
import type { Config } from './config/env.js';
import { handleAlertmanager, ALERTMANAGER_PATH } from './alerts/webhook.js';
import { type Handler, createHttpServer, sendJson, withTimeout } from './http.js';
import { log, reasonOf, setLogLevel } from './log.js';
import { addQueueDepthSource, registry } from './metrics.js';
import { Conversations } from './slack/delivery/conversations.js';
import { liveDiagnosis, processDiagnosis } from './queue/diagnose.js';
import { PrometheusClient } from './alerts/prometheus.js';
import { SlackPacer } from './slack/delivery/pacer.js';
import { WorkQueues } from './queue/queues.js';
import { connectRedis, describeRedis, openRedis, redisHealth, replicated } from './queue/redis.js';
import { processRemediation } from './queue/remediate.js';
import { processSlackPost } from './slack/delivery/slack-post.js';
import { startWorkers, workerSettings } from './queue/workers.js';
import { loadPolicy } from './config/policy.js';
import { PlanStore } from './remediation/plan-store.js';
import { SlackUsergroupDirectory } from './slack/usergroups.js';
import { SLACK_EVENTS_PATH, createSlackApp } from './slack/app.js';
import { SlackQueueNotifier, slackReporter } from './slack/notifier.js';
import { ConsolePoster } from './slack/poster.js';
import { CONSOLE_HELP, startConsoleInput } from './slack/console.js';
import { RemediationActionSchema } from './remediation/flow.js';
import type { Readable } from 'node:stream';
import { startAgent } from './agent.js';
import { ClusterHub } from './queue/clusters.js';
import { gateClick, sweepAbandoned } from './queue/hub-jobs.js';

export interface AppOptions {
  /** Console mode: where what would be posted is printed (default: stdout). */
  consoleOut?: (text: string) => void;
  /** Console mode: where typed commands come from (`npm start`: stdin). */
  consoleIn?: Readable;
  /**
   * Set when no kubeconfig exists (why, e.g. "KUBECONFIG unset, ~/.kube/config absent"). In
   * console mode kubemedic then runs the demo on the bundled dumps; otherwise /readyz says so.
   */
  noKubeconfig?: string;
  /** The demo's dumps (default: demo/ in the package). */
  demoDir?: string;
}

export interface RunningApp {
  url: string;
  mode: Config['slack']['mode'];
  clusterName: string;
  stop(): Promise<void>;
}

export async function startApp(config: Config, opts: AppOptions = {}): Promise<RunningApp> {
  if (config.role === 'agent') return startAgent(config);
  setLogLevel(config.logLevel);
  // A hub holds no cluster credentials: it never loads a kubeconfig.
  const isHub = config.role === 'hub';
  const kubeConfig = isHub ? undefined : loadKubeConfig(config.kube);
  const demo =
    opts.noKubeconfig !== undefined && config.slack.mode === 'console'
      ? await import('./demo.js')
      : undefined;
  const demoSnapshot = demo ? await demo.loadDemoSnapshot(opts.demoDir) : undefined;
  // Who may approve what (KUBEMEDIC_POLICY or KUBEMEDIC_APPROVERS); absent, nobody may apply.
  const policy = await loadPolicy({ approvers: config.approvers, policyFile: config.policyFile });
  const clusterName = isHub
    ? 'hub'
    : (config.clusterName ??
      (demo ? demo.DEMO_CLUSTER : kubeConfig?.getCurrentContext() || 'in-cluster'));
  const timeoutMs = config.kube.requestTimeoutMs;

  const redis = openRedis(config.redisUrl, 'command', config.redisSentinel);
  await connectRedis(redis, config.redisUrl, undefined, config.redisSentinel);
  const prefix = config.queuePrefix;
  const queues = new WorkQueues(redis, prefix, config.redisReplicaAcks);
  const conversations = new Conversations(redis, prefix);
  const plans = new PlanStore(redis, prefix);
  const pacer = new SlackPacer(redis, prefix, config.slack.channelIntervalMs);
  // A hub: each cluster's agent reports through that cluster's slack-post queue, worked here.
  const clusterWorkers: ReturnType<typeof startWorkers>[] = [];
  let handingBack = false;
  const hub = isHub
    ? new ClusterHub(redis, prefix, conversations, (cluster) => {
        const plansOfCluster = hub?.plansOf(cluster) ?? plans;
        clusterWorkers.push(
          startWorkers({
            // Only the cluster's slack-post queue is worked here.
            ...workerSettings(config, hub?.prefixOf(cluster) ?? prefix),
            processors: {
              'slack-post': (job, token) =>
                processSlackPost(job, token, {
                  poster,
                  conversations,
                  pacer,
                  plans: plansOfCluster,
                  stopping: () => handingBack,
                }),
            },
          }),
        );
      })
    : undefined;
  const routing = hub
    ? { channelDefaults: config.clusters.channelDefaults, hub, label: config.clusters.alertLabel }
    : undefined;

  const slack =
    config.slack.mode === 'console'
      ? undefined
      : await createSlackApp(config, { queues, conversations, clusterName, routing, plans });
  const consolePoster = slack ? undefined : new ConsolePoster(opts.consoleOut);
  const poster = slack?.poster ?? (consolePoster as ConsolePoster);
  const reader = kubeConfig ? new KubeApi(kubeConfig, { timeoutMs }) : undefined;
  const fixIdentity = config.remediationKube;
  // The fix identity: expiring tokens of its ServiceAccount, minted by the diagnosis identity
  // (in-cluster), or a kubeconfig of its own. A hub has neither.
  const writer = !reader
    ? undefined
    : fixIdentity.serviceAccount
      ? tokenClient(
          reader,
          serviceAccountTokens(reader, fixIdentity.serviceAccount, {
            expirationSeconds: fixIdentity.tokenSeconds,
            boundPod: fixIdentity.boundPod,
          }),
          timeoutMs,
        )
      : KubeApi.fromOptions({ ...fixIdentity, timeoutMs });
  const readiness = kubeConfig ? new KubeApi(kubeConfig, { timeoutMs: 2000 }) : undefined;
  const report = slackReporter(new SlackQueueNotifier(queues, conversations));
  const usergroups = slack ? new SlackUsergroupDirectory(slack.client) : undefined;
  const prometheus = config.prometheusUrl ? new PrometheusClient(config.prometheusUrl) : undefined;
  const diagnoseTarget =
    demo && demoSnapshot
      ? demo.demoDiagnosis(demoSnapshot)
      : kubeConfig
        ? liveDiagnosis(kubeConfig, timeoutMs)
        : undefined;

  // Refuse new requests and report not ready once shutdown begins; hand back Slack work once
  // the workers stop.
  let stopping = false;
  const workers = startWorkers({
    ...workerSettings(config, prefix),
    processors: {
      // A hub diagnoses nothing itself: its agents do.
      diagnose: diagnoseTarget
        ? (job) => processDiagnosis(job, { queues, conversations, diagnoseTarget, prometheus })
        : undefined,
      'slack-post': (job, token) =>
        processSlackPost(job, token, {
          poster,
          conversations,
          pacer,
          plans,
          stopping: () => handingBack,
          replicated: () => replicated(redis, config.redisReplicaAcks),
        }),
      remediate: (job) =>
        hub
          ? gateClick(job, {
              hub,
              hubPlans: plans,
              slack: queues,
              report,
              policy,
              usergroups,
              logger: log,
            })
          : demo && demoSnapshot
            ? demo.demoRemediation(RemediationActionSchema.parse(job.data), {
                store: plans,
                snapshot: demoSnapshot,
                say: (m) => poster.postMessage(m),
              })
            : processRemediation(job, {
                store: plans,
                writer: writer as KubeApi,
                reader: reader as KubeApi,
                report,
                policy,
                usergroups,
                logger: log,
              }),
    },
  });

  const readyz: Handler = async (_req, res) => {
    const problems: Record<string, string> = {};
    if (stopping) problems.shutdown = 'shutting down';
    const redisWhere = describeRedis(config.redisUrl, config.redisSentinel);
    let redisReport = redisWhere;
    await withTimeout(redisHealth(redis, config.redisReplicaAcks), 1000, 'Redis')
      .then((h) => {
        redisReport = `${redisWhere}: ${h.detail}`;
        if (!h.ok) problems.redis = redisReport;
      })
      .catch((err: unknown) => {
        redisReport = `${redisWhere}: ${reasonOf(err)}`;
        problems.redis = redisReport;
      });
    // Without a kubeconfig the client would try http://localhost:8080 and report a TLS rule.
    // A hub reaches no cluster: Redis is all it needs.
    if (readiness && opts.noKubeconfig === undefined)
      await readiness.get('/version').catch((err: unknown) => {
        problems.kubernetes = reasonOf(err);
      });
    else if (!demo && !isHub) problems.kubernetes = `no kubeconfig found (${opts.noKubeconfig})`;
    const ok = Object.keys(problems).length === 0;
    sendJson(
      res,
      ok ? 200 : 503,
      ok
        ? {
            status: 'ready',
            redis: redisReport,
            ...(demo ? { kubernetes: 'no kubeconfig: demo on bundled dumps' } : {}),
          }
        : { status: 'not ready', redis: redisReport, problems },
    );
  };
  const routes: Record<string, Handler> = {
    '/healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    '/readyz': readyz,
    '/metrics': async (_req, res) => {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType }).end(body);
    },
    [ALERTMANAGER_PATH]: (req, res) =>
      handleAlertmanager(req, res, {
        config,
        redis,
        prefix,
        queues,
        conversations,
        clusterName,
        logAlerts: config.alertmanager.logAlerts,
        routing,
      }),
  };
  if (slack?.listener) routes[SLACK_EVENTS_PATH] = slack.listener;
  const http = createHttpServer(routes);
  const url = await http.listen(config.http.port, config.http.host);
  await slack?.start();
  const unregister = addQueueDepthSource(() => queues.depths());
  // A hub learns of clusters from their heartbeats, and answers jobs nobody took in time.
  const sweeping = hub
    ? setInterval(
        () =>
          void sweepAbandoned(hub, queues, config.clusters.jobTtlMs).catch((err: unknown) =>
            log.warn({ err: reasonOf(err) }, 'sweeping abandoned cluster jobs failed'),
          ),
        Math.min(config.clusters.heartbeatMs, 30_000),
      )
    : undefined;
  if (hub) await hub.list();

  log.info({ url, mode: config.slack.mode, cluster: clusterName, prefix }, 'kubemedic is running');
  if (config.slack.mode === 'console')
    log.info(
      `console mode (no Slack credentials): what would be posted is printed here; type /diagnose NAME, or POST an Alertmanager notification to ${url}${ALERTMANAGER_PATH}`,
    );
  const keyboard =
    consolePoster && opts.consoleIn
      ? startConsoleInput({
          input: opts.consoleIn,
          write: opts.consoleOut ?? ((t) => process.stdout.write(t)),
          queues,
          poster: consolePoster,
          plans,
          clusterName,
          channel: config.slack.defaultChannel ?? 'console',
        })
      : undefined;
  if (keyboard) {
    const services = demo && demoSnapshot ? demo.demoServices(demoSnapshot) : [];
    (opts.consoleOut ?? ((t: string) => process.stdout.write(t)))(
      `\n${CONSOLE_HELP}\n` +
        (services.length
          ? `Demo Services (namespace ${demo?.DEMO_NAMESPACE}): ${services.join(', ')}\n`
          : ''),
    );
  }

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      const deadline = Date.now() + config.shutdownTimeoutMs;
      const left = () => Math.max(1000, deadline - Date.now());
      log.info('shutting down: no new requests or jobs; finishing those in hand');
      stopping = true;
      clearInterval(sweeping);
      keyboard?.close();
      await http.close(Math.min(5000, left()));
      await slack
        ?.stop()
        .catch((err: unknown) => log.warn({ err: reasonOf(err) }, 'Slack disconnect failed'));
      handingBack = true;
      await Promise.all([workers, ...clusterWorkers].map((w) => w.close(left())));
      unregister();
      await hub?.close();
      await queues.close();
      await redis.quit().catch(() => redis.disconnect());
      for (const api of [reader, writer, readiness]) api?.close();
      log.info('stopped');
    })());
  return { url, mode: config.slack.mode, clusterName, stop };
}
