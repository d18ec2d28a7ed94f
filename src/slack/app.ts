// The Bolt app: HTTP mode (Slack posts to /slack/events on our server; ingress.ts checks each
// request before Bolt sees it) or Socket Mode (SLACK_APP_TOKEN; no
// public URL). Listeners are registered by surface; Block Kit lives in blocks/.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import type { Logger as BoltLogger } from '@slack/bolt';
import { ConfigError, type Config } from '../config/env.js';
import { log, reasonOf } from '../log.js';
import type { WorkQueues } from '../queue/queues.js';
import type { PlanStore } from '../remediation/plan-store.js';
import { ALERT_ACTION_ID_PATTERN, registerAlertActions } from './actions/alert.js';
import { BUTTON_ID_PATTERN, registerRemediationActions } from './actions/remediation.js';
import type { Conversations } from './delivery/conversations.js';
import {
  type ClusterRouting,
  SLASH_COMMANDS,
  answerSlashCommand,
  registerDiagnoseCommands,
} from './commands/diagnose.js';
import { slackIngress } from './ingress.js';
import { WebApiPoster } from './poster.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackApp {
  poster: WebApiPoster;
  /** The one Slack Web API client (Bolt's), for what is not posting (user groups). */
  client: webApi.WebClient;
  /** HTTP mode: serves POST /slack/events (checked by the front door, then Bolt). */
  listener?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Bolt's logger interface over the one pino logger. */
function boltLogger(): BoltLogger {
  const child = log.child({ component: 'bolt' });
  const text = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : reasonOf(m))).join(' ');
  // Bolt logs several debug lines per request: formatted only when someone reads them.
  return {
    debug: (...m: unknown[]) => {
      if (child.isLevelEnabled('debug')) child.debug(text(m));
    },
    info: (...m: unknown[]) => child.info(text(m)),
    warn: (...m: unknown[]) => child.warn(text(m)),
    error: (...m: unknown[]) => child.error(text(m)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}

const AUTH_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked']);

/** Checks the bot token once; a token Slack refuses stops start-up with one clear line. */
async function whoAmI(
  token: string,
  clientOptions: webApi.WebClientOptions,
): Promise<{ botId?: string; botUserId?: string }> {
  const client = new webApi.WebClient(token, { ...clientOptions, timeout: 5000 });
  try {
    const res = await client.auth.test();
    return { botId: res.bot_id, botUserId: res.user_id };
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error;
    if (code && AUTH_ERRORS.has(code))
      throw new ConfigError(`invalid configuration: SLACK_BOT_TOKEN: Slack refused it (${code})`);
    log.warn({ err: reasonOf(err) }, 'could not reach Slack to check the bot token; going on');
    return {};
  }
}

export async function createSlackApp(
  config: Config,
  deps: {
    queues: WorkQueues;
    conversations: Conversations;
    clusterName: string;
    routing?: ClusterRouting;
    plans: PlanStore;
  },
): Promise<SlackApp> {
  const s = config.slack;
  if (s.mode === 'console' || !s.botToken)
    throw new Error('createSlackApp needs Slack credentials');
  const logger = boltLogger();
  const clientOptions: webApi.WebClientOptions = {
    ...(s.apiUrl ? { slackApiUrl: s.apiUrl } : {}),
    // The slack-post queue paces and retries; the client must report 429s, not sleep on them.
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
    logger,
  };
  const identity = await whoAmI(s.botToken, clientOptions);
  const verified = Boolean(identity.botId && identity.botUserId);

  let receiver: HTTPReceiver | SocketModeReceiver;
  if (s.mode === 'socket') {
    receiver = new SocketModeReceiver({
      appToken: s.appToken ?? '',
      logger,
      // The Socket Mode client opens its connection through apps.connections.open at this URL.
      installerOptions: { clientOptions: s.apiUrl ? { slackApiUrl: s.apiUrl } : {} },
    });
  } else {
    receiver = new HTTPReceiver({
      signingSecret: s.signingSecret ?? '',
      endpoints: SLACK_EVENTS_PATH,
      logger,
      processBeforeResponse: false,
      // Its request listener is reachable only through slackIngress (below), which verifies the
      // signature and the timestamp window (both ways) before handing a request on: a second
      // HMAC of every body here only delays the ack.
      signatureVerification: false,
    });
  }
  const app = new App({
    receiver,
    token: s.botToken,
    ...(verified ? identity : {}),
    // Without a verified identity, auth.test waits for the first event instead of start-up.
    tokenVerificationEnabled: verified,
    // kubemedic keeps its state in Redis; Bolt's in-memory conversation store is not used.
    convoStore: false,
    clientOptions,
    logger,
  });
  const poster = new WebApiPoster(app.client);
  const commandDeps = {
    queues: deps.queues,
    poster,
    clusterName: deps.clusterName,
    routing: deps.routing,
  };
  registerDiagnoseCommands(app, commandDeps);
  registerRemediationActions(app, { queues: deps.queues, poster, plans: deps.plans });
  registerAlertActions(app, { queues: deps.queues, conversations: deps.conversations, poster });
  app.error(async (err) => {
    log.error({ err: reasonOf(err) }, 'Slack listener failed');
  });

  return {
    poster,
    client: app.client,
    listener:
      receiver instanceof HTTPReceiver
        ? slackIngress(receiver.requestListener, {
            signingSecret: s.signingSecret ?? '',
            commands: SLASH_COMMANDS,
            actionIds: new RegExp(`${BUTTON_ID_PATTERN.source}|${ALERT_ACTION_ID_PATTERN.source}`),
            answerCommand: (command) => answerSlashCommand(command, commandDeps),
          })
        : undefined,
    async start() {
      if (receiver instanceof SocketModeReceiver) await app.start();
    },
    async stop() {
      if (receiver instanceof SocketModeReceiver) await app.stop();
    },
  };
}
