/**
 * Server settings an operator should hear about at start. Today one: **autovacuum off**. Every delivery updates
 * its incident's row (counts kept by deltas, migration 030), so without (auto)vacuum the dead row versions pile up
 * and ingest slows as the incidents grow — measured with `npm run bench:ingest` (100 incidents): 5,322 alerts/s at
 * 100 k alerts → 1,732 at 1 M with autovacuum off (PostgreSQL CPU per delivery 1.9 → 9.4 ms), 4,393 → 4,750 with
 * it on (2.3 → 2.0 ms). PostgreSQL only: the embedded database is for small installs.
 */
import type { Logger } from '../logger.ts';
import type { Db } from './db.ts';

/** The warnings for the server's settings (none when all is well, or the database is embedded). */
export async function serverSettingWarnings(db: Db): Promise<string[]> {
  if (db.kind !== 'pg') return [];
  const result = await db.query<{ autovacuum: string }>("SELECT current_setting('autovacuum') AS autovacuum");
  const warnings: string[] = [];
  if (result.rows[0]?.autovacuum === 'off')
    warnings.push(
      'PostgreSQL runs with autovacuum off: every delivery updates its incident, so without vacuum ingest slows as incidents grow (3× slower at 1M alerts in the bench); turn autovacuum on or vacuum the incidents table regularly',
    );
  return warnings;
}

/** Logs each warning once at start; a failed check is logged, never fatal. */
export async function warnAboutServerSettings(db: Db, logger: Logger): Promise<void> {
  try {
    for (const warning of await serverSettingWarnings(db)) logger.warn({ setting: 'autovacuum' }, warning);
  } catch (error) {
    logger.warn({ err: error }, 'could not read the database server settings');
  }
}
