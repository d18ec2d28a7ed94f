// The process entry (`npm start`): reads the configuration, starts kubemedic, and shuts it
// down cleanly on SIGTERM or SIGINT. A configuration or start-up problem is one line on stderr.
import { startApp } from './app.js';
import { ConfigError, loadConfig } from './config/env.js';
import { PolicyError } from './config/policy.js';
import { reasonOf } from './log.js';

function fail(message: string, code: number): never {
  process.stderr.write(`kubemedic: ${message}\n`);
  process.exit(code);
}

let config;
try {
  config = loadConfig();
} catch (err) {
  fail(reasonOf(err), err instanceof ConfigError ? 2 : 1);
}

const app = await startApp(config).catch((err: unknown) =>
  err instanceof ConfigError || err instanceof PolicyError
    ? fail(`invalid configuration: ${reasonOf(err).replace(/^invalid configuration: /, '')}`, 2)
    : fail(`cannot start: ${reasonOf(err)}`, 1),
);

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
