/**
 * The catalogue's data files (`catalogue/*.yaml`): every file loads, every example alert it carries is matched by
 * the signature it names and gets the first cause it expects; a broken file is refused naming file, line and
 * field; templates quote values by where they are used.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CATALOGUE_DIR,
  compileCatalogueFile,
  loadCatalogueDir,
  toRegExp,
} from '../../src/analysis/offline/catalogue/data.ts';
import { DATA_FILES } from '../../src/analysis/offline/catalogue/index.ts';
import { compileTemplate, renderTemplate } from '../../src/analysis/offline/catalogue/template.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import { analyzeOffline, matchSignature } from '../../src/analysis/offline/index.ts';
import { analysisSchema } from '../../src/analysis/schema.ts';
import { ConfigError } from '../../src/errors.ts';
import { testAlert, testInput } from '../support/incidents.ts';

const T0 = '2024-06-03T08:40:00.000Z';

describe('catalogue data files', () => {
  it('are loaded, and each carries examples for its signatures', () => {
    expect(DATA_FILES.length).toBeGreaterThan(0);
    for (const loaded of DATA_FILES) {
      expect(path.basename(loaded.file)).toBe(`${loaded.domain}.yaml`);
      for (const signature of loaded.signatures)
        expect(signature.examples.length, signature.id).toBeGreaterThan(0);
    }
  });

  const examples = DATA_FILES.flatMap((loaded) =>
    loaded.signatures.flatMap((signature) =>
      signature.examples.map((example, index) => ({ file: loaded.domain, signature, example, index })),
    ),
  );
  it.each(examples.map((item) => [`${item.file}: ${item.signature.id} #${item.index + 1}`, item] as const))(
    '%s',
    async (_label, { signature, example }) => {
      const alert = testAlert(
        {
          labels: example.labels,
          ...(example.annotations ? { annotations: example.annotations } : {}),
          ...(example.expr ? { expr: example.expr } : {}),
        },
        { at: T0 },
      );
      expect(matchSignature(viewOf(alert))?.id).toBe(example.signature ?? signature.id);
      const analysis = await analyzeOffline(testInput([alert], T0));
      expect(analysisSchema.parse(analysis)).toEqual(analysis);
      expect(analysis.summary).not.toMatch(/No known signature/);
      expect(analysis.rootCauses[0]?.title).toMatch(toRegExp(example.firstCause));
      expect(analysis.rootCauses[0]?.evidence.join('\n')).toContain(`\`${example.labels.alertname}\` firing`);
      const likelihoods = analysis.rootCauses.map((cause) => cause.likelihood);
      expect([...likelihoods].sort((x, y) => y - x)).toEqual(likelihoods);
      expect(analysis.nextSteps.length).toBeGreaterThan(0);
      if (example.step) expect(analysis.nextSteps.join('\n')).toContain(example.step);
    },
  );
});

const GOOD = readFileSync(path.join(CATALOGUE_DIR, 'messaging.yaml'), 'utf8');
const compile = (text: string) => () => compileCatalogueFile(text, 'catalogue/x.yaml', () => () => undefined);
const refused = (text: string): string => {
  if (text === GOOD) throw new Error('the test did not change the file (its text to replace is not in it)');
  try {
    compile(text)();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the file was accepted');
};
const lineOf = (text: string, needle: string): number =>
  text.slice(0, text.indexOf(needle)).split('\n').length;

describe('a broken catalogue file', () => {
  it('is refused naming file, line and field: a wrong category', () => {
    const broken = GOOD.replace('category: infrastructure', 'category: gremlins');
    expect(refused(broken)).toMatch(
      new RegExp(
        `^catalogue/x\\.yaml:${lineOf(broken, 'gremlins')}:\\d+: signatures\\[0\\]\\.causes\\[0\\]\\.causes\\[0\\]\\.category: `,
      ),
    );
  });

  it('an unknown placeholder', () => {
    const broken = GOOD.replace('"{{rabbitDiag}} alarms"', '"{{rabbitDiag}} {{podd}}"');
    expect(refused(broken)).toMatch(
      new RegExp(
        `^catalogue/x\\.yaml:${lineOf(broken, '{{podd}}')}:\\d+: signatures\\[2\\]\\.steps\\[0\\]\\.run: unknown placeholder "podd"`,
      ),
    );
  });

  it('an invalid regular expression, a missing field, a YAML syntax error', () => {
    expect(refused(GOOD.replace('namePattern: "^nats"', 'namePattern: "^nats("'))).toMatch(
      /^catalogue\/x\.yaml:\d+:\d+: signatures\[6\]\.namePattern: not a valid regular expression/,
    );
    expect(refused(GOOD.replace('    weight: 44\n', ''))).toMatch(
      /^catalogue\/x\.yaml:\d+:\d+: signatures\[8\]\.weight: /,
    );
    expect(refused(`${GOOD}\n  - id: [unclosed\n`)).toMatch(/^catalogue\/x\.yaml:\d+:\d+: /);
  });

  it('a command written as prose, a value outside quotes, a placeholder in a bare string', () => {
    expect(refused(GOOD.replace('run: "{{rabbitDiag}} alarms"', 'say: "rabbitmqctl -n {{pod}}"'))).toMatch(
      /signatures\[2\]\.steps\[0\]\.say: say: is prose/,
    );
    expect(refused(GOOD.replace('run: "curl -s {{word jsz}}"', 'run: "curl -s {{raw pod}}"'))).toMatch(
      /signatures\[6\]\.steps\[2\]\.run: \{\{raw …\}\} is only allowed after a " # "/,
    );
    expect(refused(GOOD.replace('- run: "curl -s {{word jsz}}"', '- "curl -s {{pod}}"'))).toMatch(
      /signatures\[6\]\.steps\[2\]: a step with placeholders must say what it is/,
    );
  });

  it('a var named like a field (it would be shadowed)', () => {
    expect(refused(GOOD.replace('  rabbitctl: ', '  pod: '))).toMatch(
      /vars\.pod: the var "pod" has the name of a field/,
    );
  });

  it('a hook that does not exist, and an unknown field', () => {
    expect(refused(GOOD.replace('    weight: 44\n', '    weight: 44\n    hook: nothing\n'))).toMatch(
      /signatures\[8\]\.hook: no hook "nothing"/,
    );
    expect(refused(GOOD.replace('    weight: 44\n', '    weight: 44\n    wieght: 4\n'))).toMatch(
      /signatures\[8\]/,
    );
  });
});

describe('the loader', () => {
  it('names the file it refuses, relative to the working directory', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'catalogue-'));
    writeFileSync(path.join(dir, 'team.yaml'), GOOD.replace('    weight: 44\n', '    weight: heavy\n'));
    expect(() => loadCatalogueDir(dir, () => () => undefined)).toThrow(
      new RegExp(
        `^${path.relative(process.cwd(), path.join(dir, 'team.yaml')).replaceAll('.', '\\.')}:\\d+:\\d+: signatures\\[8\\]\\.weight: `,
      ),
    );
  });

  it('sees the other alerts of the incident (incident: condition)', async () => {
    const api = testAlert({ labels: { alertname: 'KubeAPITerminatedRequests' } }, { at: T0 });
    const etcd = testAlert(
      { labels: { alertname: 'etcdGRPCRequestsSlow', instance: 'etcd-0:2379' } },
      { at: T0 },
    );
    const likelihood = async (alerts: (typeof api)[]) =>
      (await analyzeOffline(testInput(alerts, T0))).rootCauses.find((item) => /^etcd slow/.test(item.title))
        ?.likelihood;
    const alone = await likelihood([api]);
    expect(alone).toBe(0.25);
    expect(await likelihood([api, etcd])).toBeGreaterThan(alone as number);
  });
});

describe('templates', () => {
  const view = viewOf(
    testAlert(
      { labels: { alertname: 'X', namespace: 'shop', pod: "a'b $(x)", topic: 'orders' } },
      { at: T0 },
    ),
  );
  const scope = { view, variable: () => undefined };
  const render = (source: string, mode: 'prose' | 'shell' | 'promql') =>
    renderTemplate(compileTemplate(source, new Set(), mode), scope, mode);

  it('quote a value by where it is used', () => {
    expect(render('{{kubectl}} logs {{pod}}', 'shell')).toBe(`kubectl -n shop logs 'a'\\''b $(x)'`);
    expect(render('up{{sel namespace, pod}}', 'promql')).toBe(`up{namespace="shop", pod="a'b $(x)"}`);
    expect(render('pod {{q pod}} of {{q labels.missing}}', 'prose')).toBe("pod `a'b $(x)` of `?`");
    expect(render("{{labels.missing|labels.topic|'x'}}", 'prose')).toBe('orders');
    expect(
      render('a{{#labels.topic}} t={{labels.topic}}{{/labels.topic}}{{^pod}} none{{/pod}}', 'prose'),
    ).toBe('a t=orders');
  });
});
