/**
 * Features of the catalogue format added for the workloads and services domains (docs/catalogue.md): a cause's
 * `evidence: [{ alerts: N }]`, `actions:`, the `expr` field, var `replace:`, the `notFewer:` condition, and the
 * `crash-loop-oom` hook; with catA's `{{list …}}` and `more:` as those signatures use them. Checked on small files
 * compiled by the loader and on the built-in signatures that use them.
 */
import { describe, expect, it } from 'vitest';
import { compileCatalogueFile } from '../../src/analysis/offline/catalogue/data.ts';
import { signatureById } from '../../src/analysis/offline/catalogue/index.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import { analyzeOffline } from '../../src/analysis/offline/index.ts';
import type { SignatureContext } from '../../src/analysis/offline/types.ts';
import { ConfigError } from '../../src/errors.ts';
import { testAlert, testInput } from '../support/incidents.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const FILE = `
domain: team
signatures:
  - id: team-pods
    title: Team pods failing
    weight: 10
    names: [TeamPodsFailing]
    vars:
      owner: "{{labels.team|labels.owner}}"
    summary: "Pods of {{q namespace}} fail."
    more: " {{count}} alerts, pods {{list pod}}, owners {{list owner}}."
    causes:
      - title: First
        likelihood: 0.5
        category: application
      - title: Second, citing two
        likelihood: 0.3
        category: capacity
        evidence: [{ alerts: 2 }]
      - title: Third
        likelihood: 0.2
        category: dependency
    steps:
      - run: "echo {{pod}}"
    actions:
      - { kind: restart, max: 2, namespace: "{{namespace}}", name: "{{deployment}}", workload: deployment }
    examples:
      - labels: { alertname: TeamPodsFailing }
        firstCause: First
`;

const compile = (text: string) =>
  compileCatalogueFile(text, 'team/x.yaml', () => () => undefined).signatures[0];

function analyze(labelSets: Record<string, string>[]) {
  const signature = compile(FILE);
  if (!signature) throw new Error('no signature');
  const alerts = labelSets.map((labels) =>
    viewOf(testAlert({ labels: { alertname: 'TeamPodsFailing', ...labels } }, { at: T0 })),
  );
  const primary = alerts[0];
  if (!primary) throw new Error('no alert');
  const input = testInput([], T0);
  const ctx: SignatureContext = { alerts, primary, all: alerts, input, change: null };
  return signature.analyze(ctx);
}

describe('{{list …}} and more:', () => {
  it('list the distinct values over the matched alerts, at most three', () => {
    const finding = analyze([
      { namespace: 'shop', pod: 'a', deployment: 'api', team: 'core' },
      { namespace: 'shop', pod: 'b', deployment: 'api', owner: 'billing' },
      { namespace: 'shop', pod: 'a', deployment: 'web' },
      { namespace: 'shop', pod: 'c' },
      { namespace: 'shop', pod: "d'$(x)" },
    ]);
    expect(finding.summary).toBe(
      'Pods of `shop` fail. 5 alerts, pods `a`, `b`, `c` (+1 more), owners `core`, `billing`.',
    );
  });

  it('add nothing for a single alert (and more: is only used then)', () => {
    const finding = analyze([{ namespace: 'shop', pod: 'a' }]);
    expect(finding.summary).toBe('Pods of `shop` fail.');
  });

  it('more: defaults to the alert count', () => {
    const signature = compile(FILE.replace(/ {4}more: .*\n/, ''));
    const alerts = [{ pod: 'a' }, { pod: 'b' }].map((labels) =>
      viewOf(testAlert({ labels: { alertname: 'TeamPodsFailing', ...labels } }, { at: T0 })),
    );
    const primary = alerts[0];
    if (!signature || !primary) throw new Error('not compiled');
    const finding = signature.analyze({
      alerts,
      primary,
      all: alerts,
      input: testInput([], T0),
      change: null,
    });
    expect(finding.summary).toBe('Pods of `?` fail. (2 alerts)');
  });
});

describe('a cause evidence: [{ alerts: N }]', () => {
  it('cites the first N lines of the matched alerts (the first cause all, the others one by default)', () => {
    const finding = analyze([{ pod: 'a' }, { pod: 'b' }, { pod: 'c' }]);
    expect(finding.causes.map((item) => item.evidence.length)).toEqual([3, 2, 1]);
  });
});

describe('actions:', () => {
  it('proposes one action per matched alert whose params all render, deduplicated, at most max', () => {
    const finding = analyze([
      { namespace: 'shop', pod: 'a', deployment: 'api' },
      { namespace: 'shop', pod: 'b', deployment: 'api' },
      { namespace: 'shop', pod: 'c' },
      { namespace: 'shop', pod: 'd', deployment: 'web' },
      { namespace: 'shop', pod: 'e', deployment: 'worker' },
    ]);
    expect(finding.actions).toEqual([
      { kind: 'restart', namespace: 'shop', name: 'api', workload: 'deployment' },
      { kind: 'restart', namespace: 'shop', name: 'web', workload: 'deployment' },
    ]);
  });

  it('drops an action the schema refuses', () => {
    const finding = analyze([{ namespace: 'shop', deployment: 'x'.repeat(300) }]);
    expect(finding.actions).toEqual([]);
  });

  it('are checked at load: an unknown kind or param is refused naming the field', () => {
    expect(() => compile(FILE.replace('kind: restart', 'kind: reboot'))).toThrow(
      /^team\/x\.yaml:\d+:\d+: signatures\[0\]\.actions\[0\]\.kind: /,
    );
    expect(() => compile(FILE.replace('workload: deployment', 'replicaz: "3"'))).toThrow(ConfigError);
    expect(() => compile(FILE.replace('workload: deployment', 'replicaz: "3"'))).toThrow(
      /signatures\[0\]\.actions\[0\]\.replicaz: a restart action has no "replicaz"/,
    );
    expect(() => compile(FILE.replace('name: "{{deployment}}"', 'name: "{{deploymnt}}"'))).toThrow(
      /signatures\[0\]\.actions\[0\]\.name: unknown placeholder "deploymnt"/,
    );
  });
});

describe('built-in signatures using them', () => {
  const alert = (labels: Record<string, string>, annotations: Record<string, string> = {}) =>
    testAlert({ labels, annotations }, { at: T0 });

  it('oom-killed lists the pods and proposes raising the limits of each container (at most 3)', async () => {
    const alerts = ['a', 'b', 'c', 'd'].map((name) =>
      alert({
        alertname: 'KubePodOOMKilled',
        namespace: 'shop',
        pod: `${name}-1`,
        container: 'app',
        deployment: name,
      }),
    );
    const analysis = await analyzeOffline(testInput(alerts, T0));
    expect(analysis.summary).toContain('4 alerts in all, pods `a-1`, `b-1`, `c-1` (+1 more).');
    expect(analysis.proposedActions.map((action) => 'name' in action && action.name)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(analysis.rootCauses.find((item) => /^Memory leak/.test(item.title))?.evidence).toHaveLength(2);
  });

  it('crash-loop cites an OOM kill of the same pod reported by another alert (the crash-loop-oom hook)', () => {
    const crash = alert({ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'api-1' });
    const oomOf = (pod: string) =>
      alert(
        { alertname: 'AppMemoryTrouble', namespace: 'shop', pod },
        { description: 'container was OOMKilled' },
      );
    const crashLoop = signatureById('crash-loop');
    if (!crashLoop) throw new Error('no crash-loop signature');
    const oomCause = (others: ReturnType<typeof alert>[]) => {
      const primary = viewOf(crash);
      const all = [primary, ...others.map(viewOf)];
      const ctx = { alerts: [primary], primary, all, input: testInput([], T0), change: null };
      return crashLoop.analyze(ctx).causes.find((item) => /OOMKilled/.test(item.title));
    };
    expect(oomCause([])?.likelihood).toBe(0.2);
    expect(oomCause([oomOf('api-2')])?.likelihood).toBe(0.2);
    const same = oomCause([oomOf('api-1')]);
    expect(same?.likelihood).toBe(0.75);
    expect(same?.evidence[0]).toBe(
      '`AppMemoryTrouble` in the same incident reports OOMKilled for pod `shop/api-1`',
    );
  });
});

const SERVICE_FILE = `
domain: team
signatures:
  - id: team-jobs
    title: Team jobs failing
    weight: 10
    names: [TeamJobsFailing]
    vars:
      jobPath:
        - text: "job/{{url labels.jenkins_job}}"
          replace: { pattern: "%2F", with: /job/ }
    sets:
      errors: { key: error }
      slow: { key: slow }
    summary:
      - when: { some: errors, notFewer: [errors, slow] }
        text: Mostly errors.
      - text: Mostly slow.
    causes:
      - title: A cause
        likelihood: 0.5
        category: application
    steps:
      - run: "curl {{jobPath}}"
      - say: "Path {{jobPath}}"
      - when: { has: expr }
        say: "Query: {{expr}}"
    examples:
      - labels: { alertname: TeamJobsFailing }
        firstCause: A cause
`;

describe('var replace:, the expr field and notFewer:', () => {
  const signature = compile(SERVICE_FILE);
  const run = (labelSets: Record<string, string>[], expr?: string) => {
    if (!signature) throw new Error('no signature');
    const views = labelSets.map((labels) =>
      viewOf(testAlert(expr ? { labels, expr } : { labels }, { at: T0 })),
    );
    const primary = views[0];
    if (!primary) throw new Error('no alert');
    return signature.analyze({
      alerts: [primary],
      primary,
      all: views,
      input: testInput([], T0),
      change: null,
    });
  };

  it('replace: rewrites what the var rendered, and the value is quoted like a label', () => {
    const finding = run([{ alertname: 'TeamJobsFailing', jenkins_job: "folder/it's done" }]);
    expect(finding.nextSteps[0]).toBe("curl 'job/folder/job/it'\\''s%20done'");
    expect(finding.nextSteps[1]).toBe("Path job/folder/job/it's%20done");
  });

  it('expr is the PromQL expression of the alert, when it has one', () => {
    expect(run([{ alertname: 'TeamJobsFailing' }], 'rate(x[5m]) > 1').nextSteps).toContain(
      'Query: rate(x[5m]) > 1',
    );
    expect(run([{ alertname: 'TeamJobsFailing' }]).nextSteps.some((step) => step.startsWith('Query'))).toBe(
      false,
    );
  });

  it('notFewer: compares the sizes of two sets', () => {
    const alert = { alertname: 'TeamJobsFailing' };
    expect(run([alert]).summary).toBe('Mostly slow.');
    expect(run([alert, { alertname: 'ApiError' }]).summary).toBe('Mostly errors.');
    expect(run([alert, { alertname: 'ApiError' }, { alertname: 'ApiSlow' }]).summary).toBe('Mostly errors.');
    expect(
      run([alert, { alertname: 'ApiError' }, { alertname: 'ApiSlow' }, { alertname: 'DbSlow' }]).summary,
    ).toBe('Mostly slow.');
  });

  it('notFewer: naming no set is refused at load', () => {
    expect(() =>
      compile(SERVICE_FILE.replace('notFewer: [errors, slow]', 'notFewer: [errors, slower]')),
    ).toThrow(/signatures\[0\]\.summary\[0\]\.when\.notFewer\[1\]: no set "slower" in sets:/);
  });

  it('dns-failures blames the side most of the firing CoreDNS alerts point to', async () => {
    const alert = (name: string) =>
      testAlert({ labels: { alertname: name, namespace: 'kube-system' } }, { at: T0 });
    const first = async (names: string[]) =>
      (await analyzeOffline(testInput(names.map(alert), T0))).rootCauses[0]?.title;
    expect(await first(['CoreDNSErrorsHigh'])).toMatch(/^CoreDNS pods overloaded/);
    expect(await first(['CoreDNSErrorsHigh', 'CoreDNSForwardErrorsHigh'])).toMatch(/^The upstream resolver/);
    expect(await first(['CoreDNSErrorsHigh', 'CoreDNSForwardErrorsHigh', 'CoreDNSLatencyHigh'])).toMatch(
      /^The upstream resolver/,
    );
    expect(
      await first([
        'CoreDNSErrorsHigh',
        'CoreDNSForwardErrorsHigh',
        'CoreDNSLatencyHigh',
        'CoreDNSPanicCount',
      ]),
    ).toMatch(/^CoreDNS pods overloaded/);
  });
});
