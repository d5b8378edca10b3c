/** How the job worker and the Slack poster wait out a database outage. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { OutageBackoff } from '../../src/db/outage.ts';
import { DatabaseUnavailableError, isConnectionError, isDatabaseUnavailable } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';

function backoff() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const outage = new OutageBackoff({
    logger: createLogger('info', sink),
    what: 'job worker',
    initialMs: 250,
    maxMs: 10_000,
    random: () => 0.5, // no jitter
  });
  return { outage, messages: () => lines.map((line) => JSON.parse(line).msg as string) };
}

const down = new DatabaseUnavailableError(
  Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
);

describe('OutageBackoff', () => {
  it('doubles its wait up to the cap and says once when the outage starts and once when it ends', () => {
    const { outage, messages } = backoff();
    const waits = Array.from({ length: 8 }, () => outage.failed(down));
    expect(waits).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(outage.down).toBe(true);
    outage.succeeded();
    outage.succeeded();
    expect(outage.down).toBe(false);
    expect(messages()).toEqual([
      'job worker: database unavailable; backing off until it is back',
      'job worker: database reachable again; resumed',
    ]);
    // The next outage starts from the first wait again.
    expect(outage.failed(down)).toBe(250);
  });

  it('leaves other failures to the caller', () => {
    const { outage, messages } = backoff();
    expect(outage.failed(new Error('relation "jobs" does not exist'))).toBeNull();
    expect(outage.down).toBe(false);
    expect(messages()).toEqual([]);
  });
});

describe('isDatabaseUnavailable', () => {
  it('finds the outage through wrapping errors, and only the outage', () => {
    expect(isDatabaseUnavailable(down)).toBe(true);
    expect(isDatabaseUnavailable(new Error('analysis failed', { cause: down }))).toBe(true);
    // A raw driver error is typed by the pg backend; on its own it is not yet "the database is down".
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isConnectionError(down)).toBe(true);
    expect(down.message).toBe('database unavailable: connect ECONNREFUSED');
  });
});
