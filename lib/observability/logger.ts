// Structured JSON logs (pino). Every line about a request carries request_id; secrets are
// redacted by key wherever they appear, as a second line of defence behind not logging them.
import pino from 'pino';
import { env } from '@/lib/env';

export const REDACTED_KEYS = [
  'password',
  'current_password',
  'new_password',
  'password_confirm',
  'token',
  'secret',
  'authorization',
  'cookie',
  'api_key',
  'apiKey',
  'value',
  'ciphertext',
];

const redactPaths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** Builds the application logger; `destination` exists for tests. */
export function createLogger(level: pino.LevelWithSilent, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level,
      base: { service: 'agentxsuite' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

let instance: pino.Logger | undefined;

export function logger(): pino.Logger {
  instance ??= createLogger(process.env.NODE_ENV === 'test' && !process.env.LOG_LEVEL ? 'silent' : env().LOG_LEVEL);
  return instance;
}

/** Tests capture log lines (e.g. the secret leak scan): install a logger, or undefined for the default. */
export function setLoggerForTests(replacement: pino.Logger | undefined): void {
  instance = replacement;
}
