/**
 * The labelled evaluation set (`test/eval/cases/*.json`) is well formed, and the eval scores by the rules it
 * states. Accuracy itself is what `npm run eval` measures, not this test.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RootCause } from '../../src/analysis/schema.ts';
import {
  CASES_DIR,
  type EvalCase,
  evalCaseSchema,
  generatorUrlOf,
  inputOf,
  loadCaseFiles,
  loadCases,
  scoreCase,
} from '../eval/run.ts';

const files = loadCaseFiles();
const cases = files.flatMap((entry) => entry.cases);
// Sealed sets (cases/sealed/) are not scored yet, but must be valid and unique the day they are unsealed.
const SEALED_DIR = join(CASES_DIR, 'sealed');
const sealed = existsSync(SEALED_DIR) ? loadCaseFiles(SEALED_DIR) : [];

describe('evaluation cases', () => {
  it.each(files.map((entry) => [entry.file, entry.cases] as const))(
    '%s fits the case schema',
    (_file, list) => {
      for (const evalCase of list) expect(evalCaseSchema.safeParse(evalCase).success).toBe(true);
    },
  );

  it.each(sealed.map((entry) => [entry.file, entry.cases] as const))(
    'sealed %s fits the case schema, with ids unique across every set',
    (_file, list) => {
      for (const evalCase of list) expect(evalCaseSchema.safeParse(evalCase).success).toBe(true);
      const ids = [...cases, ...sealed.flatMap((entry) => entry.cases)].map((evalCase) => evalCase.id);
      expect(new Set(ids).size).toBe(ids.length);
    },
  );

  it('has at least 30 cases with unique ids', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const ids = cases.map((evalCase) => evalCase.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(() => loadCases()).not.toThrow();
  });

  it('names an https source for every case', () => {
    for (const evalCase of cases) expect(new URL(evalCase.source).protocol, evalCase.id).toBe('https:');
  });

  it('gives every case at least one alert with an alertname', () => {
    for (const evalCase of cases) {
      expect(evalCase.alerts.length, evalCase.id).toBeGreaterThanOrEqual(1);
      for (const alert of evalCase.alerts) expect(alert.alertname.trim(), evalCase.id).not.toBe('');
    }
  });

  it('expects a cause in every case except the unknown ones', () => {
    for (const evalCase of cases) {
      if (!evalCase.expected.unknown) expect(evalCase.expected.causes.length, evalCase.id).toBeGreaterThan(0);
    }
  });

  it('rejects a case without alerts, with an http source, or with a broken regex', () => {
    const [valid] = cases;
    if (!valid) throw new Error('no cases');
    expect(evalCaseSchema.safeParse({ ...valid, alerts: [] }).success).toBe(false);
    expect(evalCaseSchema.safeParse({ ...valid, source: 'http://example.com/runbook' }).success).toBe(false);
    expect(
      evalCaseSchema.safeParse({ ...valid, expected: { causes: [{ match: '(unclosed' }] } }).success,
    ).toBe(false);
    expect(
      evalCaseSchema.safeParse({ ...valid, alerts: [{ alertname: '', labels: {}, annotations: {} }] })
        .success,
    ).toBe(false);
  });

  it('builds an incident the analyzer can read: fingerprints, service, generator URL with the expression', () => {
    const withExpr = cases.find((evalCase) => evalCase.alerts.some((alert) => alert.expr));
    if (!withExpr) throw new Error('no case with an expression');
    const input = inputOf(withExpr, 1);
    const [alert] = input.incident.alerts;
    expect(alert?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(alert?.labels.alertname).toBe(alert?.alertname);
    const url = new URL(generatorUrlOf('rate(x[5m]) > 0.5'));
    expect(url.searchParams.get('g0.expr')).toBe('rate(x[5m]) > 0.5');
    expect(input.recentChanges).toEqual(withExpr.recentChanges);
  });
});

describe('eval scoring rules', () => {
  const cause = (title: string, category: RootCause['category'] = 'application'): RootCause => ({
    title,
    likelihood: 0.5,
    evidence: [],
    category,
  });
  const base: EvalCase = {
    id: 'scoring',
    source: 'https://example.com/runbook',
    kind: 'single',
    description: 'scoring rules',
    alerts: [{ alertname: 'A', labels: {}, annotations: {}, status: 'firing' }],
    recentChanges: [],
    expected: {
      causes: [{ match: 'disk' }, { match: 'rollout', category: 'deployment' }],
      forbidden: [],
      unknown: false,
    },
  };

  it('counts top-1 and top-3 by the first matching cause, case-insensitively', () => {
    expect(scoreCase(base, [cause('Slow DISK')])).toMatchObject({ top1: true, top3: true, rank: 1 });
    expect(scoreCase(base, [cause('x'), cause('y'), cause('slow disk')])).toMatchObject({
      top1: false,
      top3: true,
      rank: 3,
    });
    expect(scoreCase(base, [cause('x'), cause('y'), cause('z'), cause('disk')]).top3).toBe(false);
    expect(scoreCase(base, []).top3).toBe(false);
  });

  it('requires the category when the expectation names one', () => {
    expect(scoreCase(base, [cause('bad rollout', 'application')]).top3).toBe(false);
    expect(scoreCase(base, [cause('bad rollout', 'deployment')]).top1).toBe(true);
  });

  it('voids a hit when a forbidden cause ranks at or above it', () => {
    const guarded: EvalCase = {
      ...base,
      expected: { ...base.expected, forbidden: [{ match: 'deploy', category: 'deployment' }] },
    };
    expect(scoreCase(guarded, [cause('the deploy', 'deployment'), cause('disk')]).top3).toBe(false);
    expect(scoreCase(guarded, [cause('disk'), cause('the deploy', 'deployment')]).top1).toBe(true);
  });

  it('judges an unknown case honest when no cause, an unknown cause or a listed honest answer comes first', () => {
    const unknown: EvalCase = {
      ...base,
      expected: { causes: [{ match: 'heartbeat' }], forbidden: [], unknown: true },
    };
    expect(scoreCase(unknown, []).top1).toBe(true);
    expect(scoreCase(unknown, [cause('No known cause', 'unknown')]).top1).toBe(true);
    expect(scoreCase(unknown, [cause('Heartbeat routed to the wrong receiver', 'configuration')]).top1).toBe(
      true,
    );
    expect(scoreCase(unknown, [cause('Disk failure', 'infrastructure')])).toMatchObject({
      top1: false,
      top3: false,
    });
  });
});
