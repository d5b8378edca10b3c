/** The shared alert vocabulary: severity normalization and ranking. */
import { describe, expect, it } from 'vitest';
import { highestSeverity, normalizeSeverity, SEVERITY_RANK } from '../../src/ingest/alert.ts';

describe('normalizeSeverity', () => {
  it.each([
    ['critical', 'critical'],
    ['CRITICAL', 'critical'],
    [' crit ', 'critical'],
    ['page', 'critical'],
    ['P1', 'critical'],
    ['sev1', 'critical'],
    ['disaster', 'critical'],
    ['high', 'high'],
    ['error', 'high'],
    ['major', 'high'],
    ['P2', 'high'],
    ['warning', 'warning'],
    ['Warning', 'warning'],
    ['warn', 'warning'],
    ['minor', 'warning'],
    ['P3', 'warning'],
    ['info', 'info'],
    ['informational', 'info'],
    ['none', 'info'],
    ['low', 'info'],
    ['P4', 'info'],
    ['p5', 'info'],
  ])('%j → %s', (input, expected) => {
    expect(normalizeSeverity(input)).toBe(expected);
  });

  it('counts a missing or unknown severity as a warning', () => {
    for (const value of [undefined, null, '', '   ', 'banana', 'P0', 'sev 1']) {
      expect(normalizeSeverity(value)).toBe('warning');
    }
  });

  it('never returns an Object.prototype member for a word like "constructor"', () => {
    // Regression: the lookup read inherited properties, so `constructor` returned a function.
    for (const value of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(normalizeSeverity(value)).toBe('warning');
    }
  });
});

describe('highestSeverity', () => {
  it('ranks critical > high > warning > info', () => {
    expect(SEVERITY_RANK.critical).toBeGreaterThan(SEVERITY_RANK.high);
    expect(SEVERITY_RANK.high).toBeGreaterThan(SEVERITY_RANK.warning);
    expect(SEVERITY_RANK.warning).toBeGreaterThan(SEVERITY_RANK.info);
  });

  it('returns the highest of the given severities', () => {
    expect(highestSeverity(['warning', 'critical', 'info'])).toBe('critical');
    expect(highestSeverity(['info', 'high', 'warning'])).toBe('high');
    expect(highestSeverity(['info', 'warning', 'info'])).toBe('warning');
    expect(highestSeverity(['info'])).toBe('info');
  });

  it('is info for no severities, and accepts any iterable', () => {
    expect(highestSeverity([])).toBe('info');
    expect(highestSeverity(new Set(['high', 'warning'] as const))).toBe('high');
  });
});
