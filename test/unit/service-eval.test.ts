/**
 * The service eval (test/eval/service): the share of alerts whose service is the affected one, on the shared
 * fixture payloads and public rule examples. Guards the figures in the report: no alert the old labels got
 * right may go wrong, and the shares may not fall.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, loadCases, share } from '../eval/service/run.ts';

describe('service eval', () => {
  const rows = evaluate();
  const holdout = evaluate(loadCases('holdout.json'));

  it('names the affected service for every fixture alert and tuned case', () => {
    const misses = rows.filter((row) => !row.expected.includes(row.after));
    expect(misses.map((row) => `${row.id}: ${row.after} (${row.decidedBy})`)).toEqual([]);
    expect(share(rows, 'before').percent).toBeLessThan(30); // 21/80 with the old labels
  });

  it('loses none the old labels got right, and keeps its held-out share', () => {
    for (const row of [...rows, ...holdout]) {
      if (row.expected.includes(row.before)) expect(row.expected, row.id).toContain(row.after);
    }
    expect(share(holdout, 'after').right).toBeGreaterThanOrEqual(25); // 25/31 when first scored
  });
});
