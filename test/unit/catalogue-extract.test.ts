/**
 * Catalogue features the cloud domains needed (docs/catalogue.md): the `says:` condition (key or text), a var's
 * `extract:` (a value captured from what the var renders, quoted like a label wherever it is used), and a
 * delegate's `set:` (the target answers for the alert with some fields replaced).
 */
import { describe, expect, it } from 'vitest';
import { compileCatalogueFile, extractValue } from '../../src/analysis/offline/catalogue/data.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import type { Signature, SignatureContext } from '../../src/analysis/offline/types.ts';
import { ConfigError } from '../../src/errors.ts';
import { testAlert, testInput } from '../support/incidents.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const FILE = `
domain: x
vars:
  titleTail:
    - text: "{{name}}"
      extract: '(?i)\\son\\s+([\\w./:@-]+)\\s*$'
  fromId:
    - text: "{{labels.resource_id}}"
      extract: '^/subscriptions/(?:[^]*/)?([^/]+)/*$|^(?!/subscriptions/)([^]*)$'
  resource: "{{fromId|titleTail}}"
signatures:
  - id: cloud-thing
    title: A cloud thing
    weight: 10
    namePattern: thing
    summary:
      - when: { says: deadletter }
        text: "Dead letters{{#resource}} on {{q resource}}{{/resource}}."
      - text: "Something{{#resource}} on {{q resource}}{{/resource}}."
    causes:
      - { title: A cause, likelihood: 0.5, category: application }
    steps:
      - run: "az thing show -n {{resource|'none'}}"
      - promql: 'thing{name={{resource}}}'
      - when: { missing: resource }
        say: No resource named
  - id: via-title
    title: Answered by another signature, with the title's host as instance
    weight: 10
    namePattern: viatitle
    delegate:
      - to: show-instance
        set: { instance: "{{^instance}}{{titleTail}}{{/instance}}" }
  - id: aws-thing
    title: Words, first non-empty chains and the summary field
    weight: 10
    namePattern: cpu
    accepts: { words: '\\s(?:aws\\s?)?rds\\s' }
    vars:
      dbId: "{{labels.dimension_DBInstanceIdentifier || labels.db_instance_identifier}}"
      either: "{{labels.dimension_DBInstanceIdentifier | labels.db_instance_identifier}}"
    summary: "RDS {{q dbId}} ({{q either}}), said {{q summary}}."
    causes:
      - { title: A cause, likelihood: 0.5, category: application }
    steps: []
  - id: show-instance
    title: Shows the instance
    weight: 10
    names: [ShowInstance]
    summary: "Instance {{q instance}}, host {{q host}}."
    causes:
      - { title: A cause, likelihood: 0.5, category: application }
    steps: []
`;

const loaded = compileCatalogueFile(FILE, 'catalogue/x.yaml', () => (id) => byId.get(id));
const byId = new Map<string, Signature>(loaded.signatures.map((signature) => [signature.id, signature]));
const sig = (id: string): Signature => byId.get(id) as Signature;

function answer(id: string, labels: Record<string, string>, annotations: Record<string, string> = {}) {
  const alert = testAlert({ labels, annotations }, { at: T0 });
  const view = viewOf(alert);
  const ctx: SignatureContext = {
    alerts: [view],
    primary: view,
    all: [view],
    input: testInput([alert], T0),
    change: null,
  };
  return sig(id).analyze(ctx);
}

describe('says: condition', () => {
  it('holds when the key or the lower-cased text matches', () => {
    expect(answer('cloud-thing', { alertname: 'Thing DeadLetter' }).summary).toMatch(/^Dead letters/);
    expect(
      answer('cloud-thing', { alertname: 'Thing' }, { description: 'Messages in the DeadLetter queue' })
        .summary,
    ).toMatch(/^Dead letters/);
    expect(answer('cloud-thing', { alertname: 'Thing backlog' }).summary).toMatch(/^Something/);
  });
});

describe('extract: on a var', () => {
  it('captures the first group that matched, or nothing', () => {
    expect(extractValue(/a(\d)|b(\d)/, 'b7')).toBe('7');
    expect(extractValue(/x\d/, 'ax5')).toBe('x5');
    expect(extractValue(/a(\d*)/, 'a')).toBeUndefined();
    expect(extractValue(/z/, 'a')).toBeUndefined();
  });

  it('gives the value a var names, with fallbacks when it does not match', () => {
    const fromTitle = answer('cloud-thing', { alertname: 'Thing high on vm-web-02' });
    expect(fromTitle.summary).toBe('Something on `vm-web-02`.');
    expect(fromTitle.nextSteps[0]).toBe('az thing show -n vm-web-02');
    const fromId = answer('cloud-thing', {
      alertname: 'Thing high on vm-web-02',
      resource_id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1',
    });
    expect(fromId.summary).toBe('Something on `vm-1`.');
    const none = answer('cloud-thing', { alertname: 'Thing high' });
    expect(none.summary).toBe('Something.');
    expect(none.nextSteps).toEqual(['az thing show -n none', 'PromQL: thing{name=}', 'No resource named']);
  });

  it('quotes the extracted value by the step it is used in', () => {
    const hostile = "x'`pwned`$(pwned);pwned";
    const found = answer('cloud-thing', { alertname: 'Thing', resource_id: hostile });
    expect(found.summary).toBe(`Something on \`${hostile}\`.`);
    expect(found.nextSteps[0]).toBe(`az thing show -n 'x'\\''\`pwned\`$(pwned);pwned'`);
    expect(found.nextSteps[1]).toBe(`PromQL: thing{name=${JSON.stringify(hostile)}}`);
  });

  it('is refused when it is not a regular expression', () => {
    expect(() =>
      compileCatalogueFile(
        FILE.replace("extract: '(?i)", "extract: '(?i)("),
        'catalogue/x.yaml',
        () => () => undefined,
      ),
    ).toThrow(ConfigError);
  });
});

describe('words: condition', () => {
  it('matches the name as words, split at separators or at camel-case humps', () => {
    const accepts = (name: string) =>
      sig('aws-thing').accepts?.(viewOf(testAlert({ labels: { alertname: name } }, { at: T0 })));
    expect(accepts('prod-orders-rds-high-cpu')).toBe(true);
    expect(accepts('awsRDSHighCPU')).toBe(true);
    expect(accepts('AWS RDS CPU')).toBe(true);
    expect(accepts('cardsHighCPU')).toBe(false);
    expect(accepts('prod-rdsproxy-cpu')).toBe(false);
  });
});

describe('a || chain and the summary field', () => {
  it('skips empty values, where | stops at an empty label', () => {
    const found = answer(
      'aws-thing',
      { alertname: 'rds cpu', dimension_DBInstanceIdentifier: '', db_instance_identifier: 'orders-db' },
      { summary: 'CPU above 90%' },
    );
    expect(found.summary).toBe('RDS `orders-db` (`?`), said `CPU above 90%`.');
  });

  it('is refused when it mixes | and ||', () => {
    expect(() =>
      compileCatalogueFile(
        FILE.replace(
          'labels.dimension_DBInstanceIdentifier || ',
          "labels.dimension_DBInstanceIdentifier | 'x' || ",
        ),
        'catalogue/x.yaml',
        () => () => undefined,
      ),
    ).toThrow(/mixes \| and \|\|/);
  });
});

describe('set: on a delegate', () => {
  it('gives the target the alert with the fields replaced, when the template renders a value', () => {
    expect(answer('via-title', { alertname: 'ViaTitle down on db-1.example.com' }).summary).toBe(
      'Instance `db-1.example.com`, host `db-1.example.com`.',
    );
    expect(answer('via-title', { alertname: 'ViaTitle down on db-1', instance: 'db-2:9100' }).summary).toBe(
      'Instance `db-2:9100`, host `db-2`.',
    );
    expect(answer('via-title', { alertname: 'ViaTitle down' }).summary).toBe('Instance `?`, host `?`.');
  });

  it('names only fields an alert has', () => {
    expect(() =>
      compileCatalogueFile(
        FILE.replace('set: { instance:', 'set: { severity:'),
        'catalogue/x.yaml',
        () => () => undefined,
      ),
    ).toThrow(/delegate\[0\]\.set/);
  });
});
