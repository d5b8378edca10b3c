/**
 * A process that takes the embedded-database lock, as `aiops start` does, and holds it until killed.
 * Usage: node --import tsx test/support/lock-holder.ts LOCKFILE. Prints `locked PID`, or the refusal.
 */
import { lockDataDir } from '../../src/db/data-dir-lock.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: lock-holder.ts LOCKFILE');
try {
  lockDataDir(file, 'the test folder', { onTakeover: (message) => console.log(message) });
  console.log(`locked ${process.pid}`);
  setInterval(() => {}, 60_000);
} catch (error) {
  console.log(`refused: ${(error as Error).message}`);
}
