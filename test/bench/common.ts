/** What the Slack and analysis benchmarks share: the database they run on, and how they report. */
import pg from 'pg';
import { pgliteDatabase, postgresDatabase } from '../support/databases.ts';
import { table } from './stats.ts';

export const log = (text = '') => process.stdout.write(`${text}\n`);

/**
 * A fresh database on the local PostgreSQL server (BENCH_DATABASE_URL / TEST_DATABASE_URL / 127.0.0.1),
 * dropped by `dispose`; embedded PGlite, flagged, when no server answers.
 */
export async function openBenchDatabase(env: NodeJS.ProcessEnv = process.env) {
  const url = env.BENCH_DATABASE_URL ?? env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.end();
    return { ...(await postgresDatabase(url).create()), label: `PostgreSQL at ${new URL(url).host}` };
  } catch {
    await client.end().catch(() => {});
    log('!! No PostgreSQL server answers: using embedded PGlite (figures not comparable with a server).');
    return { ...(await pgliteDatabase.create()), label: 'PGlite (embedded)' };
  }
}

export interface TargetResult {
  target: string;
  measured: string;
  pass: boolean;
}

/** Prints the targets table and the JSON line; the exit code is 1 only with BENCH_STRICT=1 and a miss. */
export function report(name: string, results: TargetResult[], figures: Record<string, unknown>): number {
  const pass = results.every((result) => result.pass);
  log('');
  log(
    table(
      ['target', 'measured', 'result'],
      results.map((result) => [result.target, result.measured, result.pass ? 'PASS' : 'FAIL']),
    ),
  );
  log('');
  log(JSON.stringify({ bench: name, quick: process.env.BENCH_QUICK === '1', ...figures, pass }));
  return pass || process.env.BENCH_STRICT !== '1' ? 0 : 1;
}

/** Runs a benchmark's main and sets the exit code; a crash prints its stack and exits 1. */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/** Ctrl-C during a run: `cleanup` (drop the bench database, stop children) before exiting with 130. */
export function cleanUpOnInterrupt(cleanup: () => Promise<void>): void {
  process.once('SIGINT', () => {
    log('\ninterrupted: cleaning up');
    void cleanup().finally(() => process.exit(130));
  });
}
