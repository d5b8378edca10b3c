import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  changedLines,
  type FixKind,
  type FixRequest,
  type GeneratedFix,
  generateFix,
  unifiedDiff,
  validateFix,
} from '../../src/fixes/index.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'fixes');
const fixture = (p: string) => readFileSync(join(FIXTURES, p), 'utf8');

function request(
  over: Omit<Partial<FixRequest>, 'files'> & {
    files?: Partial<Record<FixKind, { path: string; content: string }[]>>;
  },
): FixRequest {
  return {
    incidentId: 7,
    service: 'shop',
    alertLabels: [],
    facts: {},
    ...over,
    files: { kubernetes: [], helm: [], terraform: [], ansible: [], ...over.files },
  };
}

function fixOf(result: GeneratedFix | { none: string }): GeneratedFix {
  if ('none' in result) throw new Error(`expected a fix, got none: ${result.none}`);
  return result;
}

/** Every document of the edited file other than `except` is byte-identical. */
function otherDocsIdentical(before: string, after: string, except: number): void {
  const src = (text: string) => {
    const docs = parseAllDocuments(text) as ReturnType<typeof parseAllDocuments> & unknown[];
    return (docs as { range: [number, number, number] }[]).map((d) => text.slice(d.range[0], d.range[2]));
  };
  const a = src(before);
  const b = src(after);
  expect(b.length).toBe(a.length);
  a.forEach((doc, i) => {
    if (i !== except) expect(b[i]).toBe(doc);
  });
}

function comments(text: string): string[] {
  return text.split('\n').filter((l) => /^\s*#/.test(l));
}

const checkout = { path: 'deploy/checkoutservice.yaml', content: fixture('kubernetes/checkoutservice.yaml') };

describe('OOMKilled → memory limit (Deployment)', () => {
  it('raises the limit × 1.5 when no peak was measured, touching one line', async () => {
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: [{ namespace: 'shop', pod: 'checkoutservice-7d9f8b6c5d-x2x9z', container: 'server' }],
          files: { kubernetes: [checkout] },
        }),
      ),
    );
    expect(fix.kind).toBe('kubernetes');
    expect(fix.title).toBe('Raise memory limit of checkoutservice (container server) to 192Mi');
    expect(fix.rationale).toContain('128Mi limit × 1.5');
    expect(fix.rationale).toContain('request 64Mi is kept');
    const [edit] = fix.edits;
    expect(edit?.path).toBe('deploy/checkoutservice.yaml');
    expect(changedLines(edit as never)).toEqual([
      '-              memory: 128Mi',
      '+              memory: 192Mi',
    ]);
    expect(comments(edit?.after ?? '')).toEqual(comments(checkout.content));
    otherDocsIdentical(checkout.content, edit?.after ?? '', 0);
    const validation = await validateFix(fix);
    expect(validation.ok).toBe(true);
    expect(validation.checks.map((c) => c.name)).toEqual([
      'yaml parse (deploy/checkoutservice.yaml)',
      'kubernetes schema (apps/v1 Deployment checkoutservice)',
      'requests within limits (Deployment checkoutservice)',
    ]);
    expect(unifiedDiff(fix.edits)).toBe(
      [
        '--- a/deploy/checkoutservice.yaml',
        '+++ b/deploy/checkoutservice.yaml',
        '@@ -72,7 +72,7 @@',
        '               memory: 64Mi',
        '             limits:',
        '               cpu: 200m',
        '-              memory: 128Mi',
        '+              memory: 192Mi',
        ' ---',
        ' apiVersion: v1',
        ' kind: Service',
        '',
      ].join('\n'),
    );
  });

  it('sizes from the measured peak and says why', async () => {
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: [{ namespace: 'shop', deployment: 'checkoutservice', container: 'server' }],
          facts: { memoryPeakBytes: 1.9 * 2 ** 30, window: '6h' },
          files: { kubernetes: [checkout] },
        }),
      ),
    );
    expect(fix.rationale).toContain('peak 1.9 GiB over 6h + 30 % headroom → 2.5Gi (was 128Mi)');
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-              memory: 128Mi',
      '+              memory: 2.5Gi',
    ]);
    expect((await validateFix(fix)).ok).toBe(true);
  });

  it('names no object it cannot match, and says why', async () => {
    const r = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ namespace: 'shop', deployment: 'cartservice', container: 'server' }],
        files: { kubernetes: [checkout] },
      }),
    );
    expect(r).toEqual({ none: expect.stringContaining('matches Deployment shop/cartservice') });
  });

  it('a file that does not parse: a clear message, nothing produced', async () => {
    const broken = {
      path: 'deploy/broken.yaml',
      content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [checkout\n',
    };
    const r = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ namespace: 'shop', deployment: 'checkout' }],
        files: { kubernetes: [broken] },
      }),
    );
    expect('none' in r && r.none).toMatch(/deploy\/broken\.yaml does not parse as YAML \(line \d+\)/);
  });
});

describe('OOMKilled → Helm values', () => {
  const values = {
    path: 'charts/patch-operator/values.yaml',
    content: fixture('helm/patch-operator/values.yaml'),
  };

  it('edits resources under the key named after the container', async () => {
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: [
            { namespace: 'ops', pod: 'patch-operator-6b8f9c7d4b-abcde', container: 'kube-rbac-proxy' },
          ],
          files: { helm: [values] },
        }),
      ),
    );
    expect(fix.kind).toBe('helm');
    expect(changedLines(fix.edits[0] as never)).toEqual(['-      memory: 128Mi', '+      memory: 192Mi']);
    expect(comments(fix.edits[0]?.after ?? '')).toEqual(comments(values.content));
    expect((await validateFix(fix)).ok).toBe(true);
  });

  it('without a limit at the top level, needs a measured peak', async () => {
    const labels = [{ namespace: 'ops', pod: 'patch-operator-6b8f9c7d4b-abcde', container: 'manager' }];
    const none = await generateFix(
      request({ signature: 'oom-killed', alertLabels: labels, files: { helm: [values] } }),
    );
    expect('none' in none && none.none).toContain('no memory limit is set and no peak usage was measured');
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: labels,
          facts: { memoryPeakBytes: 300 * 2 ** 20 },
          files: { helm: [values] },
        }),
      ),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual(['+    memory: 448Mi', '+  limits:'].reverse());
    expect((await validateFix(fix)).ok).toBe(true);
  });
});
