import { createHash } from 'node:crypto';
import pg from 'pg';
import { DatabaseUnavailableError, isConnectionError } from '../errors.ts';
import type { Db, Queryable, QueryResult } from './db.ts';
import { INT8_OID, parseInt8 } from './db.ts';

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Statements with parameters that run again and again (the ingest path runs the same few for every
 * delivery) become named prepared statements: each connection parses and plans them once instead of per
 * call. A text is named from its second use, and at most MAX_PREPARED texts are, so SQL built with varying
 * text cannot fill the server's per-connection statement cache.
 */
const MAX_PREPARED = 200;

export function preparedNames(limit = MAX_PREPARED): (sql: string) => string | undefined {
  const named = new Map<string, string>();
  const seenOnce = new Set<string>();
  return (sql) => {
    const name = named.get(sql);
    if (name !== undefined || named.size >= limit) return name;
    if (!seenOnce.has(sql)) {
      if (seenOnce.size < limit * 4) seenOnce.add(sql);
      return undefined;
    }
    seenOnce.delete(sql);
    const fresh = `aiops_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    named.set(sql, fresh);
    return fresh;
  };
}

export interface PgDbOptions {
  connectionString: string;
  max?: number;
  /** How long making one connection may take before the database counts as unavailable. */
  connectionTimeoutMillis?: number;
  /** How long a query may wait for one of the `max` connections to be free (a burst, not an outage). */
  queueTimeoutMillis?: number;
  /**
   * Named prepared statements (see preparedNames); on by default. `AIOPS_PG_PREPARE=0` turns them off for a
   * pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).
   */
  prepare?: boolean;
}

/**
 * At most `size` queries or transactions hold a connection; the rest wait here, in order. pg-pool has its
 * own queue, but it counts the wait for a busy pool against connectionTimeoutMillis, so a burst (100
 * concurrent Approve clicks, a webhook storm on a loaded machine) turned into "database unavailable" for
 * work that only had to queue. With this gate in front, pg-pool never queues: its timeout measures making
 * a connection, and the wait here has its own, much longer bound. When making a connection fails, the
 * waiters are failed at once with the same error instead of each trying a dead server in turn.
 */
class ConnectionGate {
  private free: number;
  private readonly waiters: {
    resolve: () => void;
    reject: (error: unknown) => void;
    timer: NodeJS.Timeout;
  }[] = [];

  constructor(
    size: number,
    private readonly waitMs: number,
  ) {
    this.free = size;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new DatabaseUnavailableError(new Error(`no connection free within ${this.waitMs} ms`)));
        }, this.waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (!next) {
      this.free += 1;
      return;
    }
    clearTimeout(next.timer);
    next.resolve();
  }

  /** Fails every waiter with `error` (the server is down: they would only find that out one by one). */
  failWaiting(error: unknown): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}

export function createPgDb(options: PgDbOptions): Db {
  const max = options.max ?? 10;
  const gate = new ConnectionGate(max, options.queueTimeoutMillis ?? 60_000);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    types,
    // Every statement here is short OLTP work, which JIT compilation only slows down: once the alerts table
    // grows, the planner's estimate for the alert upsert (correlate.ts) passes jit_above_cost and each
    // webhook paid ~8 ms of LLVM compile time for ~0.3 ms of work. Sent in the startup packet, so it holds
    // on every connection before its first query (needs PostgreSQL >= 11, which has the setting).
    options: '-c jit=off',
  });
  // An idle client losing its connection must not crash the process; the pool drops it and the next
  // query reconnects. (This covers idle clients only: see transaction() for checked-out ones.)
  pool.on('error', () => {});
  // Every connection-class failure (refused, reset, 57P01 on `pg_ctl stop -m fast`, terminated) becomes one
  // typed error, so callers tell "the database is down, retry later" from a failure of their own work.
  const typed = (error: unknown) => (isConnectionError(error) ? new DatabaseUnavailableError(error) : error);
  const nameOf =
    (options.prepare ?? process.env.AIOPS_PG_PREPARE !== '0') ? preparedNames() : () => undefined;
  const run = async <T>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    try {
      const name = params && params.length > 0 ? nameOf(sql) : undefined;
      const result = await (name
        ? client.query({ name, text: sql, values: params as unknown[] })
        : client.query(sql, params as unknown[] | undefined));
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 } satisfies QueryResult<T>;
    } catch (error) {
      throw typed(error);
    }
  };

  /** Runs `work` holding one of the gate's slots; a connection-class failure fails the waiters too. */
  const gated = async <T>(work: () => Promise<T>): Promise<T> => {
    await gate.acquire();
    try {
      return await work();
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) gate.failWaiting(error);
      throw error;
    } finally {
      gate.release();
    }
  };

  return {
    kind: 'pg',
    query: (sql, params) => gated(() => run(pool, sql, params)),
    exec: (sql) => gated(async () => void (await run(pool, sql))),
    transaction: (work) => gated(() => transaction(work)),
    close: () => pool.end(),
  };

  async function transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await pool.connect().catch((error: unknown) => {
      throw typed(error);
    });
    // pg-pool takes its 'error' listener off a client while it is checked out, and a pg Client emits
    // 'error' when its connection ends under it (the server stopping sends 57P01, then closes) — with a
    // query in flight or between two queries of this transaction. An EventEmitter 'error' nobody listens
    // to is thrown as an uncaught exception and ends the process, so listen for as long as we hold it.
    let broken: Error | undefined;
    // The connection broke, or a ROLLBACK failed: either way the client must not go back to the pool.
    let unusable: Error | undefined;
    const onError = (error: Error) => {
      broken ??= error;
    };
    client.on('error', onError);
    const tx: Queryable = {
      query: (sql, params) => run(client, sql, params),
      exec: async (sql) => void (await run(client, sql)),
    };
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (error) {
      unusable = broken;
      if (!unusable) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          unusable = rollbackError;
        });
      }
      // A transaction that failed because its connection did is an outage, whatever `work` made of it.
      if (broken && !isConnectionError(error)) throw new DatabaseUnavailableError(broken);
      throw typed(error);
    } finally {
      client.off('error', onError);
      // A client whose connection broke (or that could not roll back) is destroyed, not reused.
      client.release(unusable ?? broken);
    }
  }
}
