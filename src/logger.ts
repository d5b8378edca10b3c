import pino from 'pino';

export type Logger = pino.Logger;

/** Structured, one line per event; credentials in headers are never written. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'aiops-bot' },
      redact: {
        paths: [
          'headers.authorization',
          'headers["x-pagerduty-signature"]',
          'headers["x-slack-signature"]',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
