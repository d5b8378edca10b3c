/** LOG_FORMAT: JSON lines for machines, readable lines for a person at a terminal. */
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config.ts';
import { createLogger, resolveLogFormat } from '../../src/logger.ts';

function sink() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
}

describe('resolveLogFormat', () => {
  it('is pretty on a terminal and JSON otherwise, unless LOG_FORMAT says', () => {
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat(undefined, undefined)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('LOG_FORMAT is validated with the rest of the environment', () => {
    expect(configFrom({ LOG_FORMAT: 'pretty' }).env.LOG_FORMAT).toBe('pretty');
    expect(configFrom({}).env.LOG_FORMAT).toBeUndefined();
    expect(() => configFrom({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });
});

describe('pretty format', () => {
  it('writes one readable line per event: time, level, message, then the fields', () => {
    const out = sink();
    const logger = createLogger('info', out.stream, 'pretty');
    logger.info({ url: 'http://localhost:3000', incidentIds: [1, 2] }, 'aiops-bot listening');
    logger.debug('not shown');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}aiops-bot listening url=http:\/\/localhost:3000 incidentIds=\[1,2\]\n$/,
    );
  });

  it('keeps redaction, quotes values with spaces, and prints an error with its stack', () => {
    const out = sink();
    const logger = createLogger('info', out.stream, 'pretty');
    logger.warn({ headers: { authorization: 'Bearer abc' }, reason: 'two words' }, 'webhook refused');
    logger.error({ err: new Error('boom') }, 'request failed');
    expect(out.lines[0]).toContain(
      'WARN  webhook refused headers={"authorization":"[redacted]"} reason="two words"',
    );
    expect(out.lines[0]).not.toContain('abc');
    expect(out.lines[1]).toMatch(/ERROR request failed\n {4}Error: boom\n {4}at /);
  });

  it('JSON stays the default: one object per line', () => {
    const out = sink();
    createLogger('info', out.stream).info({ a: 1 }, 'hello');
    expect(JSON.parse(out.lines[0] as string)).toMatchObject({ level: 30, msg: 'hello', a: 1 });
  });
});
