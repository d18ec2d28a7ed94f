// The one logger: structured JSON via pino, with tokens, secrets and authorization headers
// redacted wherever they appear in a logged object.
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from './config/env.js';

const SECRET_KEYS = ['token', 'botToken', 'appToken', 'signingSecret', 'password', 'authorization'];

const REDACT = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'headers["x-slack-signature"]',
  '*.headers["x-slack-signature"]',
  'config.alertmanager.basic.password',
];

/** A logger with kubemedic's settings; `destination` is for tests. */
export function createLogger(destination?: DestinationStream): Logger {
  const options = {
    name: 'kubemedic',
    level: process.env.LOG_LEVEL?.toLowerCase() || 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const log: Logger = createLogger();

export function setLogLevel(level: LogLevel): void {
  log.level = level;
}

/** A short reason from anything thrown, for one-line logs and user-facing text. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
