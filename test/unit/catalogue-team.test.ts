/**
 * A team's catalogue files joining the built-in catalogue (catalogue/team.ts): new signatures are tried first,
 * an override takes the built-in's place and is what built-in delegates answer with, claims between team files
 * are refused naming both, and a refusal leaves the catalogue as it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileCatalogueFile } from '../../src/analysis/offline/catalogue/data.ts';
import { CATALOGUE, signatureById } from '../../src/analysis/offline/catalogue/index.ts';
import { describeTeamFiles, installTeamCatalogue } from '../../src/analysis/offline/catalogue/team.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import { analyzeOffline, matchSignature } from '../../src/analysis/offline/index.ts';
import { activeCatalogue } from '../../src/analysis/offline/match.ts';
import { ConfigError } from '../../src/errors.ts';
import { testAlert, testInput } from '../support/incidents.ts';

const T0 = '2026-03-01T10:00:00.000Z';
afterEach(() => {
  installTeamCatalogue([]);
});

const file = (name: string, id: string, extra: string, cause = `Team cause of ${id}`) =>
  compileCatalogueFile(
    `domain: ${id}
signatures:
  - id: ${id}
    title: ${id}
    weight: 50
${extra}
    summary: "{{name}} fired."
    causes: [{ title: ${cause}, likelihood: 0.6, category: application }]
    steps: [Look at the dashboard]
    examples: [{ labels: { alertname: X }, firstCause: . }]
`,
    name,
    () => signatureById,
  );

const first = (labels: Record<string, string>) =>
  analyzeOffline(testInput([testAlert({ labels }, { at: T0 })], T0)).rootCauses[0]?.title;
const matched = (labels: Record<string, string>) =>
  matchSignature(viewOf(testAlert({ labels }, { at: T0 })))?.id;

describe('team catalogue files', () => {
  it('try a new signature before the built-in ones, and take a built-in alert name it claims', () => {
    const team = file(
      'team/a.yaml',
      'team-cpu',
      "    names: [KubePodCrashLooping]\n    namePattern: '^billing'",
    );
    expect(describeTeamFiles([team]).conflicts).toEqual([
      expect.objectContaining({
        kind: 'built-in',
        message: expect.stringContaining('built-in signature crash-loop'),
      }),
    ]);
    const installed = installTeamCatalogue([team]);
    expect(installed).toEqual({ signatures: CATALOGUE.length + 1, overridden: [], added: ['team-cpu'] });
    expect(activeCatalogue()[0]?.id).toBe('team-cpu');
    expect(matched({ alertname: 'BillingWhatever' })).toBe('team-cpu');
    expect(matched({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'api-0' })).toBe('team-cpu');
  });

  it('put an override in the built-in place, and built-in delegates answer with it', () => {
    const position = CATALOGUE.findIndex((signature) => signature.id === 'node-cpu');
    const host = { alertname: 'HighCpuUsage', instance: 'web-1:9100' };
    expect(first(host)).not.toBe('Team cause of node-cpu');
    installTeamCatalogue([file('team/cpu.yaml', 'node-cpu', '    names: [HostHighCpuLoad]')]);
    expect(activeCatalogue()[position]?.title).toBe('node-cpu');
    // home-grown-cpu delegates a host's HighCpuUsage to node-cpu: now the team's.
    expect(matched(host)).toBe('home-grown-cpu');
    expect(first(host)).toBe('Team cause of node-cpu');
    expect(first({ alertname: 'HostHighCpuLoad', instance: 'web-1:9100' })).toBe('Team cause of node-cpu');
  });

  it('refuse one alert name or one id in two team files, naming both, and change nothing', () => {
    const a = file('team/a.yaml', 'team-a', '    names: [Billing_Lag]');
    const b = file('team/b.yaml', 'team-b', '    names: [billinglag]');
    expect(() => installTeamCatalogue([a, b])).toThrow(
      new ConfigError(
        'catalogue.paths: alert name billinglag is claimed by team/a.yaml (signature team-a) and by team/b.yaml (signature team-b)',
      ),
    );
    expect(matched({ alertname: 'BillingLag' })).toBeUndefined();
    expect(activeCatalogue()).toBe(CATALOGUE);
    const again = file('team/c.yaml', 'team-a', '    names: [Other]');
    expect(() => installTeamCatalogue([a, again])).toThrow(
      /signature id team-a is in team\/a\.yaml and in team\/c\.yaml/,
    );
  });

  it('refuse a delegate to no signature of the assembled catalogue', () => {
    const delegating = compileCatalogueFile(
      `domain: d
signatures:
  - id: team-d
    title: D
    weight: 10
    names: [DAlert]
    delegate: [{ to: nowhere }]
    examples: [{ labels: { alertname: DAlert }, firstCause: . }]
`,
      'team/d.yaml',
      () => signatureById,
    );
    expect(() => installTeamCatalogue([delegating])).toThrow(
      /team\/d\.yaml:7:\d+.*no signature with id "nowhere"/,
    );
    expect(activeCatalogue()).toBe(CATALOGUE);
  });
});
