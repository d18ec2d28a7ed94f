// The process entry (`npm start`): reads the configuration, starts kubemedic, and shuts it
// down cleanly on SIGTERM or SIGINT. A configuration or start-up problem is one line on stderr.
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config/env.js';
import { missingKubeconfig } from './config/kubeconfig.js';
import { PolicyError } from './config/policy.js';
import { log, reasonOf } from './log.js';

function fail(message: string, code: number): never {
  process.stderr.write(`kubemedic: ${message}\n`);
  process.exit(code);
}

// A promise some library let go of must not take the bot (and every request in flight) down
// with it: it is logged and the bot keeps serving. A synchronous throw nobody caught leaves
// state unknown, so that one is logged and the bot shuts down cleanly (the platform restarts it).
process.on('unhandledRejection', (reason) => {
  log.error({ err: reasonOf(reason) }, 'unhandled promise rejection (kept serving)');
});
// Filled in once started; an exception before that just exits.
const started: { app?: { stop(): Promise<void> } } = {};
let crashed = false;
process.on('uncaughtException', (err) => {
  log.fatal({ err: reasonOf(err) }, 'uncaught exception: shutting down');
  if (crashed || !started.app) fail(`uncaught exception: ${reasonOf(err)}`, 1);
  crashed = true;
  started.app.stop().then(
    () => process.exit(1),
    () => process.exit(1),
  );
  setTimeout(() => process.exit(1), 30_000).unref();
});

// Checked first: with no kubeconfig the console runs the demo locally, whose webhook may stay
// open without credentials.
// A hub holds no cluster credentials, so it looks for none.
const noKubeconfig = process.env.KUBEMEDIC_ROLE?.trim() === 'hub' ? undefined : missingKubeconfig();
let config;
try {
  config = loadConfig(process.env, { localDemo: noKubeconfig !== undefined });
} catch (err) {
  fail(reasonOf(err), err instanceof ConfigError ? 2 : 1);
}

// A first run with no cluster: one line says so, and the console answers from bundled dumps.
if (noKubeconfig !== undefined)
  process.stderr.write(
    config.slack.mode === 'console'
      ? `kubemedic: no kubeconfig found (${noKubeconfig}): running the demo on bundled dumps\n`
      : `kubemedic: no kubeconfig found (${noKubeconfig}): /readyz stays not ready until one is given\n`,
  );

const app = await startApp(config, {
  noKubeconfig,
  // Console mode reads what a person types (`/diagnose api-service`, `approve 1`) on stdin.
  consoleIn: config.slack.mode === 'console' ? process.stdin : undefined,
}).catch((err: unknown) =>
  err instanceof ConfigError || err instanceof PolicyError
    ? fail(`invalid configuration: ${reasonOf(err).replace(/^invalid configuration: /, '')}`, 2)
    : fail(`cannot start: ${reasonOf(err)}`, 1),
);
started.app = app;

let signals = 0;
const shutdown = (signal: string) => {
  signals++;
  if (signals > 1) fail(`second ${signal}: exiting now`, 1);
  app.stop().then(
    () => {
      // Nothing should be left running; if a library left a handle open, do not hang.
      setTimeout(() => process.exit(0), 3000).unref();
    },
    (err: unknown) => fail(`shutdown failed: ${reasonOf(err)}`, 1),
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
