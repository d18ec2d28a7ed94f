// The one logger: structured JSON via pino, with tokens, secrets and authorization headers
// redacted wherever they appear in a logged object, and the bot's one redactor run on every
// string of every line (messages, fields, errors), since a logged API error or event message
// can carry a secret under any key.
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from './config/env.js';
import { redact, redactDeep } from './redact.js';

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
    serializers: { err: (e: Error) => redactDeep(pino.stdSerializers.err(e)) },
    formatters: { log: (obj: Record<string, unknown>) => redactDeep(obj) },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redact(a) : a)),
        );
      },
    },
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
