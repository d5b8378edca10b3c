import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changedLines, unifiedDiff } from '../../src/fixes/index.ts';
import { parseQuantity, roundCpuUp, roundMemoryUp, roundStorageUp } from '../../src/fixes/quantity.ts';
import { applyYamlEdits, parseYamlFile, readYamlValue } from '../../src/fixes/yaml-edit.ts';

const edit = (text: string, path: (string | number)[], value: string | number, doc = 0) =>
  applyYamlEdits('f.yaml', text, [{ doc, path, value }]);

describe('targeted YAML edits', () => {
  it('keeps the quoting style and the trailing comment of a scalar', () => {
    const text = 'limits:\n  memory: "128Mi"  # tuned in 2023\n  cpu: \'1\'\n';
    expect(edit(text, ['limits', 'memory'], '192Mi')).toBe(
      'limits:\n  memory: "192Mi"  # tuned in 2023\n  cpu: \'1\'\n',
    );
    expect(edit(text, ['limits', 'cpu'], '1500m')).toBe(
      'limits:\n  memory: "128Mi"  # tuned in 2023\n  cpu: \'1500m\'\n',
    );
  });

  it('adds a key to a non-empty flow map, and turns an empty one into a block', () => {
    expect(edit('resources: {limits: {cpu: 1}}\n', ['resources', 'limits', 'memory'], '1Gi')).toBe(
      'resources: {limits: {cpu: 1, memory: 1Gi}}\n',
    );
    expect(edit('resources: {}\nnodeSelector: {}\n', ['resources', 'limits', 'memory'], '1Gi')).toBe(
      'resources:\n  limits:\n    memory: 1Gi\nnodeSelector: {}\n',
    );
  });

  it('leaves every other document of a multi-document file byte-identical', () => {
    const text = '# one\na: 1 # keep\n---\n# two\nb:   {x: 1}\n...\n---\nc: [1,   2]\n';
    const out = edit(text, ['b', 'x'], 2, 1);
    expect(out).toBe('# one\na: 1 # keep\n---\n# two\nb:   {x: 2}\n...\n---\nc: [1,   2]\n');
  });

  it('refuses an anchored value: editing it would change every alias too', () => {
    const text = 'defaults: &mem 128Mi\nserver:\n  memory: *mem\nworker:\n  memory: *mem\n';
    expect(() => edit(text, ['defaults'], '192Mi')).toThrow(/anchor/);
    expect(() => edit(text, ['server', 'memory'], '192Mi')).toThrow(/alias/);
  });

  it('keeps CRLF line endings when it adds lines', () => {
    const text = 'resources:\r\n  requests:\r\n    memory: 64Mi\r\nimage: x\r\n';
    const out = edit(text, ['resources', 'limits', 'memory'], '128Mi');
    expect(out).toBe(
      'resources:\r\n  requests:\r\n    memory: 64Mi\r\n  limits:\r\n    memory: 128Mi\r\nimage: x\r\n',
    );
  });

  it('a NUL byte or a duplicate key is a clear parse error, not a guess', () => {
    expect(parseYamlFile('a.yaml', 'a: 1\u0000\n')).toEqual({
      error: 'a.yaml is not a text file (it contains a NUL byte)',
    });
    const dup = parseYamlFile('b.yaml', 'a: 1\na: 2\n');
    expect('error' in dup && dup.error).toMatch(/^b\.yaml does not parse as YAML \(line 2\): /);
  });

  it('any value written reads back as itself (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        const out = edit('a:\n  b: old # c\n', ['a', 'b'], value);
        expect(readYamlValue(out, 0, ['a', 'b'])).toBe(value);
        expect(out.endsWith(' # c\n') || out.includes('# c')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('quantities', () => {
  it('parses Kubernetes quantities', () => {
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('2G')).toBe(2e9);
    expect(parseQuantity('12 Mi')).toBeUndefined();
  });

  it('rounding never goes below the input and always parses back (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 2 ** 40, noNaN: true }), (bytes) => {
        for (const r of [roundMemoryUp(bytes), roundStorageUp(bytes)]) {
          expect(r.bytes).toBeGreaterThanOrEqual(bytes);
          expect(parseQuantity(r.text)).toBe(r.bytes);
        }
        const cores = bytes / 2 ** 30;
        const c = roundCpuUp(cores);
        expect(c.cores).toBeGreaterThanOrEqual(cores - 1e-9);
        expect(parseQuantity(c.text)).toBeCloseTo(c.cores, 9);
      }),
      { numRuns: 500 },
    );
  });
});

describe('unifiedDiff', () => {
  it('shows a created file against /dev/null and separate hunks for distant changes', () => {
    expect(unifiedDiff([{ path: 'p.yml', before: '', after: 'a\nb\n', created: true }])).toBe(
      '--- /dev/null\n+++ b/p.yml\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    );
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l2', 'L2').replace('l17', 'L17');
    const diff = unifiedDiff([{ path: 'x', before, after }]);
    expect(diff.match(/^@@/gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,6 +1,6 @@\n l0\n l1\n-l2\n+L2\n l3\n');
    expect(changedLines({ path: 'x', before, after })).toEqual(['-l2', '+L2', '-l17', '+L17']);
  });
});
