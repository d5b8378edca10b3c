/** Job queue retry policy (claiming and leases are covered by integration tests). */
import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../src/queue/jobs.ts';

describe('backoffMs', () => {
  it('doubles from 5 seconds', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(backoffMs)).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000,
    ]);
  });

  it('is capped at 10 minutes', () => {
    expect(backoffMs(8)).toBe(600_000);
    expect(backoffMs(50)).toBe(600_000);
    expect(backoffMs(5_000)).toBe(600_000);
  });

  it('treats zero or fewer attempts as the first', () => {
    expect(backoffMs(0)).toBe(5_000);
    expect(backoffMs(-3)).toBe(5_000);
  });
});
