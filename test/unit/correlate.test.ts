/**
 * The incident status machine and how a batch's groups are split into waves (the database side of
 * correlation is covered by integration tests).
 */
import { describe, expect, it } from 'vitest';
import type { AlertGroup } from '../../src/ingest/alert.ts';
import { correlationLockKeys, correlationWaves, nextStatus } from '../../src/ingest/correlate.ts';

const firing = { total: 3, firing: 2, newlyFiring: 0 };
const firingAgain = { total: 3, firing: 2, newlyFiring: 1 };
const allResolved = { total: 3, firing: 0, newlyFiring: 0 };
const noAlerts = { total: 0, firing: 0, newlyFiring: 0 };

describe('nextStatus', () => {
  it('resolves when every alert is resolved, whatever was asked', () => {
    expect(nextStatus('triggered', allResolved, undefined)).toBe('resolved');
    expect(nextStatus('acknowledged', allResolved, undefined)).toBe('resolved');
    expect(nextStatus('triggered', allResolved, 'acknowledged')).toBe('resolved');
    expect(nextStatus('resolved', allResolved, 'triggered')).toBe('resolved');
  });

  it('follows a status the source sets while alerts fire', () => {
    expect(nextStatus('triggered', firing, 'acknowledged')).toBe('acknowledged');
    expect(nextStatus('acknowledged', firing, 'triggered')).toBe('triggered');
    expect(nextStatus('resolved', firingAgain, 'acknowledged')).toBe('acknowledged');
  });

  it('reopens a resolved incident when an alert fires again', () => {
    expect(nextStatus('resolved', firingAgain, undefined)).toBe('triggered');
  });

  it('keeps a hand-resolved incident resolved while the same alerts are redelivered still firing', () => {
    expect(nextStatus('resolved', firing, undefined)).toBe('resolved');
    expect(nextStatus('resolved', firing, 'acknowledged')).toBe('resolved');
  });

  it('otherwise keeps the status', () => {
    expect(nextStatus('triggered', firing, undefined)).toBe('triggered');
    expect(nextStatus('acknowledged', firing, undefined)).toBe('acknowledged');
  });

  it('an incident without alerts is not resolved by its (empty) alert set', () => {
    expect(nextStatus('triggered', noAlerts, undefined)).toBe('triggered');
    expect(nextStatus('acknowledged', noAlerts, undefined)).toBe('acknowledged');
  });
});

describe('correlationWaves', () => {
  const group = (name: string, key: string, legacy: string[] = []) =>
    ({ title: name, correlationKey: key, legacyCorrelationKeys: legacy }) as unknown as AlertGroup;
  const titles = (waves: AlertGroup[][]) => waves.map((wave) => wave.map((item) => item.title));

  it('puts groups that share no key in one wave, in the order they came', () => {
    expect(
      titles(correlationWaves([group('a', 'k1'), group('b', 'k2'), group('c', 'k3')], (g) => g)),
    ).toEqual([['a', 'b', 'c']]);
  });

  it('puts a group after every earlier group it shares a key with, legacy keys included', () => {
    const groups = [
      group('a', 'k1'),
      group('b', 'k2'),
      group('c', 'k1'), // the same group again: after a
      group('d', 'k3', ['k2']), // its alerts were under k2 before: after b
      group('e', 'k4'),
      group('f', 'k3'), // after d, which came after b
    ];
    expect(titles(correlationWaves(groups, (g) => g))).toEqual([['a', 'b', 'e'], ['c', 'd'], ['f']]);
    expect(correlationLockKeys(groups)).toEqual(['k1', 'k2', 'k3', 'k4']);
  });
});
