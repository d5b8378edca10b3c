/**
 * The catalogue language's features for values drawn from several alerts and from parsed labels (docs/catalogue.md):
 * `more:`, `{{list …}}`, `{{url …}}`, the probe-target fields, alert `sets:` with `some:`/`same:`/`primary:`,
 * `every:`, `startsWith:`, a cause's `evidence:` and likelihood choices. Each is compiled from a small file and run
 * against alerts, as the loader does at start.
 */
import { describe, expect, it } from 'vitest';
import { compileCatalogueFile } from '../../src/analysis/offline/catalogue/data.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import type { AlertView, Finding, SignatureContext } from '../../src/analysis/offline/types.ts';
import { ConfigError } from '../../src/errors.ts';
import { type AlertSpec, testAlert, testInput } from '../support/incidents.ts';

const T0 = '2024-06-03T08:40:00.000Z';

/** One signature from `body` (its YAML lines, indented under `- `), compiled as the loader does. */
function signature(body: string) {
  const text = `domain: x\nsignatures:\n  - id: s\n    title: S\n    weight: 1\n    names: [A]\n${body
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n`;
  const [compiled] = compileCatalogueFile(text, 'x.yaml', () => () => undefined).signatures;
  if (!compiled) throw new Error('no signature');
  return compiled;
}

const refusal = (body: string): string => {
  try {
    signature(body);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the file was accepted');
};

const views = (specs: AlertSpec[]): AlertView[] => specs.map((spec) => viewOf(testAlert(spec, { at: T0 })));

/** Runs the signature on the alerts it matched (`matched`) in an incident that also holds `others`. */
function analyze(sig: ReturnType<typeof signature>, matched: AlertSpec[], others: AlertSpec[] = []): Finding {
  const alerts = views(matched);
  const all = [...alerts, ...views(others)];
  const ctx: SignatureContext = {
    alerts,
    primary: alerts[0] as AlertView,
    all,
    input: testInput(
      all.map((view) => view.alert),
      T0,
    ),
    change: null,
  };
  return sig.analyze(ctx);
}

const a = (labels: Record<string, string> = {}, extra: Partial<AlertSpec> = {}): AlertSpec => ({
  labels: { alertname: 'A', ...labels },
  ...extra,
});

const CAUSES = `causes:
  - { title: c, likelihood: 0.5, category: application }
steps: []`;

describe('the summary suffix for several alerts', () => {
  it('is " (N alerts)" by default, and what `more:` says when given', () => {
    const plain = signature(`summary: s\n${CAUSES}`);
    expect(analyze(plain, [a(), a()]).summary).toBe('s (2 alerts)');
    expect(analyze(plain, [a()]).summary).toBe('s');
    const custom = signature(`summary: s\nmore: " {{count}} in all, jobs {{list labels.job}}."\n${CAUSES}`);
    expect(analyze(custom, [a({ job: 'a' }), a({ job: 'b' }), a({ job: 'a' })]).summary).toBe(
      's 3 in all, jobs `a`, `b`.',
    );
    expect(analyze(custom, [a({ job: 'a' })]).summary).toBe('s');
  });

  it('is nothing when `more:` is empty or its choice is', () => {
    expect(analyze(signature(`summary: s\nmore: ""\n${CAUSES}`), [a(), a()]).summary).toBe('s');
    const choices = signature(`summary: s
more:
  - { when: { has: labels.quiet }, text: "" }
  - { text: " many" }
${CAUSES}`);
    expect(analyze(choices, [a({ quiet: 'y' }), a()]).summary).toBe('s');
    expect(analyze(choices, [a(), a()]).summary).toBe('s many');
  });
});

describe('{{list …}}', () => {
  it('lists the distinct values over the matched alerts, three at most, as facts.ts listOf does', () => {
    const sig = signature(`summary: "{{list instance|labels.host}}"\nmore: ""\n${CAUSES}`);
    const alerts = ['a', 'b', 'a', 'c', 'd'].map((host) => a({ host }));
    expect(analyze(sig, alerts).summary).toBe('`a`, `b`, `c` (+1 more)');
    expect(analyze(sig, [a({ instance: 'i:1', host: 'h' }), a({ host: 'h' })]).summary).toBe('`i:1`, `h`');
  });

  it('is prose only, and names a set that exists', () => {
    expect(
      refusal(`summary: s\n${CAUSES.replace('steps: []', 'steps:\n  - run: "echo {{list name}}"')}`),
    ).toMatch(/steps\[0\]\.run: \{\{list …\}\} is prose/);
    expect(refusal(`summary: "{{list name in nope}}"\n${CAUSES}`)).toMatch(/no set "nope"/);
  });
});

describe('{{url …}} and the probe-target fields', () => {
  const sig = signature(`summary: "{{targetHost}} {{targetPort|'443'}}"
${CAUSES.replace(
  'steps: []',
  `steps:
  - say: "Debug: /probe?target={{url instance}}&module={{url labels.module|'<m>'}}"
  - when: { has: targetHost }
    run: "openssl s_client -connect {{word endpoint}}"`,
)}
vars:
  endpoint: "{{targetHost}}:{{targetPort|'443'}}"`);

  it('reads host and port from instance, target, url or host, as a URL or host:port', () => {
    expect(analyze(sig, [a({ instance: 'https://shop.example.com:8443/health' })]).summary).toBe(
      'shop.example.com 8443',
    );
    expect(analyze(sig, [a({ target: 'db:5432' })]).summary).toBe('db 5432');
    expect(analyze(sig, [a({ url: 'http://x.example/y' })]).summary).toBe('x.example 443');
    expect(analyze(sig, [a()]).nextSteps).not.toContainEqual(expect.stringMatching(/openssl/));
  });

  it('percent-encodes for a query string, and a hostile host stays one shell word', () => {
    const finding = analyze(sig, [a({ instance: "https://e$(id)v'l.example:4/x", module: 'a&b' })]);
    expect(finding.nextSteps[0]).toBe(
      "Debug: /probe?target=https%3A%2F%2Fe%24(id)v'l.example%3A4%2Fx&module=a%26b",
    );
    expect(finding.nextSteps[1]).toBe(`openssl s_client -connect 'e$(id)v'\\''l.example:4'`);
  });
});

describe('alert sets and the conditions that relate alerts', () => {
  const sig = signature(`sets:
  memory: { key: "^hostoutofmemory$", same: host }
  others: { primary: false, firing: true }
vars:
  memoryAlerts: "{{list name in memory}}"
summary: "{{#memoryAlerts}}with {{memoryAlerts}}{{/memoryAlerts}}{{^memoryAlerts}}alone{{/memoryAlerts}}"
more: ""
causes:
  - title: hog
    likelihood:
      - { when: { some: memory }, value: 0.65 }
      - { when: { any: [{ has: node }, { some: others }] }, value: 0.35 }
      - { value: 0.5 }
    category: resource-exhaustion
    evidence: [alerts, { text: "{{#memoryAlerts}}{{memoryAlerts}} firing for the same host{{/memoryAlerts}}" }]
  - title: other
    likelihood: 0.3
    category: capacity
    evidence: [{ set: others, max: 1 }, first]
steps: []`);

  it('finds the alerts of the incident a set names, relative to the primary alert', () => {
    const oom = a({ instance: 'h1:9100' });
    const alone = analyze(sig, [oom], [{ labels: { alertname: 'HostOutOfMemory', instance: 'h2:9100' } }]);
    expect(alone.summary).toBe('alone'); // `same: host`: another host's memory alert is not evidence
    const withMemory = analyze(
      sig,
      [oom],
      [{ labels: { alertname: 'HostOutOfMemory', instance: 'h1:9200' } }],
    );
    expect(withMemory.summary).toBe('with `HostOutOfMemory`');
    expect(withMemory.causes[0]?.likelihood).toBe(0.65);
    expect(withMemory.causes[0]?.evidence.at(-1)).toBe('`HostOutOfMemory` firing for the same host');
    expect(withMemory.causes[1]?.evidence[0]).toMatch(/^`HostOutOfMemory` firing for instance="h1:9200"/);
  });

  it('tests `some:` inside any: with the incident (a regression: any/all dropped it)', () => {
    const other = analyze(sig, [a({ instance: 'h1:9100' })], [{ labels: { alertname: 'Other' } }]);
    expect(other.causes[0]?.likelihood).toBe(0.35);
    const resolved = analyze(sig, [a({ instance: 'h1:9100' })], [a({}, { status: 'resolved' })]);
    expect(resolved.causes[0]?.likelihood).toBe(0.5);
    // Without others, a sentence that renders nothing is left out of the evidence.
    expect(resolved.causes[0]?.evidence).toHaveLength(1);
  });

  it('`every:` holds when every matched alert satisfies it', () => {
    const every = signature(`summary:
  - { when: { every: { label: { kind: "^x$" } } }, text: all }
  - { text: some }
${CAUSES}`);
    expect(analyze(every, [a({ kind: 'x' }), a({ kind: 'x' })]).summary).toBe('all (2 alerts)');
    expect(analyze(every, [a({ kind: 'x' }), a({ kind: 'y' })]).summary).toBe('some (2 alerts)');
  });

  it('`startsWith:` compares two fields', () => {
    const ref = signature(`vars:
  who: "{{labels.nodename|node}}"
summary:
  - { when: { has: [who, instance], not: { startsWith: { instance: who } } }, text: "{{who}} ({{instance}})" }
  - { text: "{{q who|instance}}" }
${CAUSES}`);
    expect(analyze(ref, [a({ nodename: 'web-1', instance: '10.0.0.1:9100' })]).summary).toBe(
      'web-1 (10.0.0.1:9100)',
    );
    expect(analyze(ref, [a({ nodename: 'web-1', instance: 'web-1:9100' })]).summary).toBe('`web-1`');
  });

  it('refuses an unknown set and an unknown field', () => {
    expect(refusal(`summary: { }\n`)).toMatch(/x\.yaml:\d+:\d+: signatures\[0\]\.summary/);
    expect(
      refusal(
        `summary: s\nmore: ""\ncauses:\n  - { title: c, likelihood: 0.5, category: data, when: { some: nope } }\nsteps: []`,
      ),
    ).toMatch(/causes\[0\]\.when\.some: no set "nope"/);
    expect(
      refusal(
        `summary: s\ncauses:\n  - { title: c, likelihood: 0.5, category: data, evidence: [{ set: nope }] }\nsteps: []`,
      ),
    ).toMatch(/causes\[0\]\.evidence\[0\]\.set: no set "nope"/);
    // A set is defined by the incident's alerts, never by another set (no loops at analysis time).
    expect(refusal(`sets: { x: { some: x } }\nsummary: s\n${CAUSES}`)).toMatch(/sets\.x\.some: no set "x"/);
    expect(refusal(`sets: { x: { same: nonsense } }\n${'summary: s'}\n${CAUSES}`)).toMatch(
      /sets\.x\.same: unknown field "nonsense"/,
    );
  });
});

describe("a cause's evidence and likelihood", () => {
  it('defaults to all matched alerts for the first cause and the first line for the others', () => {
    const sig = signature(`summary: s
causes:
  - { title: one, likelihood: 0.5, category: data }
  - { title: two, likelihood: 0.4, category: data }
  - { title: three, likelihood: 0.3, category: data, evidence: [alerts] }
steps: []`);
    const finding = analyze(sig, [a({ instance: '1' }), a({ instance: '2' })]);
    expect(finding.causes.map((cause) => cause.evidence.length)).toEqual([2, 1, 2]);
  });
});

describe("a hook's values", () => {
  const sig = signature(`hook: hpa-scale
summary: s
${CAUSES.replace(
  'steps: []',
  `steps:
  - when: { has: hook.replicas }
    say: "Raise maxReplicas to {{hook.replicas}}"`,
)}`);

  it('are usable as hook.NAME in templates and conditions, and the hook adds its action', () => {
    const finding = analyze(sig, [
      a({ namespace: 'shop', deployment: 'api' }, { annotations: { description: 'maximum replicas of 10' } }),
    ]);
    expect(finding.nextSteps).toEqual(['Raise maxReplicas to 15']);
    expect(finding.actions).toEqual([{ kind: 'scale', namespace: 'shop', name: 'api', replicas: 15 }]);
    const without = analyze(sig, [a({ namespace: 'shop', deployment: 'api' })]);
    expect(without.nextSteps).toEqual([]);
    expect(without.actions).toEqual([]);
  });

  it('are refused when the hook does not provide them', () => {
    expect(refusal(`summary: "{{hook.replicas}}"\n${CAUSES}`)).toMatch(
      /unknown placeholder "hook\.replicas"/,
    );
    expect(refusal(`hook: hpa-scale\nsummary: "{{hook.nope}}"\n${CAUSES}`)).toMatch(
      /unknown placeholder "hook\.nope"/,
    );
  });
});
