import pino from 'pino';

export type Logger = pino.Logger;
export type LogFormat = 'json' | 'pretty';

/** `LOG_FORMAT` when set; else readable lines on a terminal and JSON lines anywhere else (containers, files). */
export function resolveLogFormat(configured: LogFormat | undefined, isTTY: boolean | undefined): LogFormat {
  return configured ?? (isTTY ? 'pretty' : 'json');
}

/**
 * Structured, one line per event; credentials in headers are never written. `pretty` turns each JSON
 * line into `12:04:05.123 INFO  message key=value …` (pino-pretty is not a dependency; this is enough).
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const target =
    format === 'pretty'
      ? prettyStream(destination ?? { write: (line) => process.stdout.write(line) })
      : destination;
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
    target,
  );
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg', 'err']);

function pad2(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function fieldValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return typeof value === 'string' && (text === '' || /[\s"=]/.test(text)) ? JSON.stringify(text) : text;
}

/** One pino JSON line → one readable line (plus an error's stack, indented). */
export function prettyLine(json: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = new Date(typeof event.time === 'number' ? event.time : Date.now());
  const clock = `${pad2(time.getHours())}:${pad2(time.getMinutes())}:${pad2(time.getSeconds())}.${pad2(time.getMilliseconds(), 3)}`;
  const level = (LEVELS[event.level as number] ?? String(event.level)).padEnd(5);
  const fields = Object.entries(event)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${fieldValue(value)}`);
  let line = [`${clock} ${level}`, typeof event.msg === 'string' ? event.msg : '', ...fields]
    .filter(Boolean)
    .join(' ');
  const err = event.err as { stack?: unknown; message?: unknown } | undefined;
  if (err) {
    const stack = typeof err.stack === 'string' ? err.stack : String(err.message);
    line += `\n${stack
      .split('\n')
      .map((part) => `    ${part.trim()}`)
      .join('\n')}`;
  }
  return `${line}\n`;
}

function prettyStream(out: pino.DestinationStream): pino.DestinationStream {
  return { write: (chunk: string) => out.write(prettyLine(chunk)) };
}
