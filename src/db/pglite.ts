import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import { PGlite, parse, protocol } from '@electric-sql/pglite';
// node-postgres's own parameter encoding: the same text the pg backend sends, so both backends agree.
import pgUtils from 'pg/lib/utils.js';
import type { Db, Queryable, QueryResult } from './db.ts';
import { INT8_OID, parseInt8 } from './db.ts';

/**
 * Postgres settings for the embedded database (on top of PGlite's own start parameters). PGlite's
 * shared_buffers default of 128 MB is allocated and zeroed up front inside the WASM memory, so it is all
 * resident from the first second whatever the data size; the app's working set (recent alerts, open
 * incidents, pending jobs) fits in far less, and pages beyond it come from the OS page cache anyway.
 */
export const PGLITE_SETTINGS: readonly string[] = ['shared_buffers=32MB', 'temp_buffers=2MB'];

/** Prepared statements kept per database: the app has a few dozen distinct ones; the cap bounds the rest. */
const MAX_PREPARED = 256;

const { serialize } = protocol;

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const message = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.length;
  }
  return message;
}

/** A parameter as text, exactly as node-postgres encodes it (bytes as bytea hex, which pg sends in binary). */
function encodeParam(value: unknown): string | null {
  if (value instanceof Uint8Array)
    return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  const prepared = pgUtils.prepareValue(value);
  return prepared === null ? null : String(prepared);
}

/**
 * Creates the database cluster in an empty `dataDir` in a short-lived child process. PGlite runs initdb in
 * a second, in-memory PGlite whose WASM memory (and the tar it hands over) this process would keep until
 * it exits — about 350 MB of RSS on top of the database's own, for the whole life of `aiops start` after a
 * first start. A child gives all of it back to the OS when it exits.
 */
async function initDataDir(dataDir: string): Promise<void> {
  const script = `const { PGlite } = await import(process.argv[1]);
const db = await PGlite.create(process.argv[2]);
await db.close();`;
  await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '--eval', script, import.meta.resolve('@electric-sql/pglite'), dataDir],
    { timeout: 120_000 },
  );
}

/**
 * V8 settings for a process that runs the embedded database (a server, not the throwaway in-memory
 * databases tests create by the dozen), set before PGlite compiles its module:
 * - `--no-liftoff`: V8 otherwise compiles PGlite's 9 MB of WASM twice — at once with its baseline compiler,
 *   then again with TurboFan for the functions that run hot — and keeps both. TurboFan only: 2–4 s more
 *   once at start, 25–40 MB less RSS, and Postgres's code optimized from the first query.
 * - `--optimize-for-size`: with one embedded connection, webhooks wait their turn for tens of ms and what
 *   they allocate meanwhile outlives the young generation; V8's default heap growth then lets the old
 *   space fill to 100–120 MB of garbage between major GCs (24–32 MB live). Growing the heap less eagerly
 *   keeps the peak near 40 MB with no loss of throughput measured (bench:embedded), and unlike a hard
 *   `--max-old-space-size` cannot end the process.
 */
function tuneV8ForEmbeddedDatabase(): void {
  v8.setFlagsFromString('--no-liftoff');
  v8.setFlagsFromString('--optimize-for-size');
}

/** Embedded Postgres: in memory when `dataDir` is omitted, otherwise persistent in that folder. */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initDataDir(dataDir);
    tuneV8ForEmbeddedDatabase();
  }
  const pglite = await PGlite.create(dataDir, {
    parsers: { [INT8_OID]: parseInt8 },
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])],
  });
  const parsers = pglite.parsers;

  /**
   * Each statement goes to Postgres as one pipelined message (Parse once per distinct text, then Bind,
   * Describe, Execute, Sync), instead of PGlite's query(), which enters the WASM instance six times per
   * statement and asks Postgres to parse and plan the same text on every call.
   */
  const prepared = new Map<string, string>();
  let nextName = 1;
  const runStatement = async <T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> => {
    let name = prepared.get(sql);
    const parts: Uint8Array[] = [];
    let naming: string | null = null;
    if (name === undefined) {
      naming = prepared.size < MAX_PREPARED ? `aiops_${nextName++}` : '';
      parts.push(serialize.parse({ name: naming, text: sql }));
      name = naming;
    }
    parts.push(
      serialize.bind({ statement: name, values: params.map(encodeParam) }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    );
    const { messages } = await pglite.execProtocol(concat(parts), { syncToFs: false });
    // Known only once Postgres accepted it: a statement that failed to parse is parsed again next time.
    if (naming) prepared.set(sql, naming);
    const result = parse.parseResults(messages, parsers)[0];
    const rows = (result?.rows ?? []) as T[];
    // pg counts the rows a SELECT returns; PGlite reports affectedRows 0 for it.
    return { rows, rowCount: rows.length > 0 ? rows.length : (result?.affectedRows ?? 0) };
  };
  const runScript = async (sql: string) => {
    await pglite.execProtocol(serialize.query(sql), { syncToFs: false });
  };
  // One statement or one transaction at a time on the single embedded connection (PGlite's own lock, so
  // its other entry points — exec, listen — wait their turn too).
  const exclusive = <T>(work: () => Promise<T>) =>
    pglite.runExclusive(async () => {
      try {
        return await work();
      } finally {
        await pglite.syncToFs();
      }
    });
  const inside: Queryable = { query: runStatement, exec: runScript };

  return {
    kind: 'pglite',
    query: (sql, params) => exclusive(() => runStatement(sql, params)),
    exec: (sql) => exclusive(() => runScript(sql)),
    transaction: (work) =>
      exclusive(async () => {
        await runScript('BEGIN');
        let result: Awaited<ReturnType<typeof work>>;
        try {
          result = await work(inside);
        } catch (error) {
          await runScript('ROLLBACK').catch(() => {});
          throw error;
        }
        await runScript('COMMIT');
        return result;
      }),
    close: () => pglite.close(),
  };
}
