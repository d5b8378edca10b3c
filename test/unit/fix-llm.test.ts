/**
 * What the LLM fix writer sends: the files most relevant to the incident first, capped in count and characters,
 * each redacted before it is cut, and read-only when it lost anything (a secret, its tail).
 */
import { describe, expect, it } from 'vitest';
import { chooseFiles, LLM_FIX_LIMITS, relevanceTerms } from '../../src/fixes/llm.ts';
import type { FixRequest, RepoFile } from '../../src/fixes/types.ts';

// Built from pieces so the file itself holds no secret-shaped string.
const TOKEN = ['gh', 'p_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'].join('');

function request(kubernetes: RepoFile[], extra: Partial<FixRequest> = {}): FixRequest {
  return {
    incidentId: 1,
    service: 'checkout',
    alertLabels: [{ pod: 'checkout-api-7d9f8b6c5d-x2k4q', container: 'api', namespace: 'shop' }],
    facts: {},
    files: { kubernetes, helm: [], terraform: [], ansible: [] },
    ...extra,
  };
}

describe('relevance terms', () => {
  it('are the service, the container and the pod name without its ReplicaSet hash', () => {
    expect(relevanceTerms(request([])).sort()).toEqual(['api', 'checkout', 'checkout-api']);
  });

  it('strip a StatefulSet ordinal and ignore names too short to mean anything', () => {
    const terms = relevanceTerms(request([], { service: 'db', alertLabels: [{ pod: 'postgres-0' }] }));
    expect(terms).toEqual(['postgres']);
  });
});

describe('choosing the files to send', () => {
  it('ranks by name in the path, then in the content; ties by path', () => {
    const chosen = chooseFiles(
      request([
        { path: 'deploy/zz-unrelated.yaml', content: 'kind: ConfigMap\n' },
        { path: 'deploy/mentions.yaml', content: 'image: checkout-api:1\n' },
        { path: 'deploy/checkout-api.yaml', content: 'kind: Deployment\n' },
        { path: 'deploy/aa-unrelated.yaml', content: 'kind: Service\n' },
      ]),
    );
    expect(chosen.sent.map((f) => f.path)).toEqual([
      'deploy/checkout-api.yaml',
      'deploy/mentions.yaml',
      'deploy/aa-unrelated.yaml',
      'deploy/zz-unrelated.yaml',
    ]);
    expect(chosen.sent.every((f) => f.editable)).toBe(true);
  });

  it('sends at most the file cap; the rest are listed by path only', () => {
    const files = Array.from({ length: LLM_FIX_LIMITS.files + 3 }, (_, i) => ({
      path: `deploy/f${String(i).padStart(2, '0')}.yaml`,
      content: 'kind: ConfigMap\n',
    }));
    const chosen = chooseFiles(request(files));
    expect(chosen.sent).toHaveLength(LLM_FIX_LIMITS.files);
    expect(chosen.notSent).toEqual(['deploy/f08.yaml', 'deploy/f09.yaml', 'deploy/f10.yaml']);
    expect(chosen.existing.size).toBe(LLM_FIX_LIMITS.files + 3);
  });

  it('redacts before it cuts: a token across the cut never leaves in part, and the file is read-only', () => {
    const head = 'x'.repeat(LLM_FIX_LIMITS.fileChars - 20);
    const chosen = chooseFiles(
      request([{ path: 'deploy/checkout.yaml', content: `${head}${TOKEN}\nmore\n` }]),
    );
    const [file] = chosen.sent;
    expect(file?.content).not.toContain(TOKEN.slice(0, 12));
    expect(file?.content.length).toBeLessThanOrEqual(LLM_FIX_LIMITS.fileChars);
    expect(file).toMatchObject({ editable: false });
    expect(file?.note).toMatch(/secrets redacted \(github-token\); cut to/);
    expect(chosen.editable.size).toBe(0);
  });

  it('stops at the total character cap', () => {
    const big = (i: number) => ({
      path: `deploy/big${i}.yaml`,
      content: 'y'.repeat(LLM_FIX_LIMITS.fileChars),
    });
    const chosen = chooseFiles(request([0, 1, 2, 3, 4].map(big)));
    const total = chosen.sent.reduce((n, f) => n + f.content.length, 0);
    expect(total).toBeLessThanOrEqual(LLM_FIX_LIMITS.totalChars);
    expect(chosen.sent.filter((f) => f.editable).map((f) => f.path)).toEqual([
      'deploy/big0.yaml',
      'deploy/big1.yaml',
      'deploy/big2.yaml',
    ]);
    // The fourth fits only in part: read-only; the fifth is not sent.
    expect(chosen.sent[3]).toMatchObject({ path: 'deploy/big3.yaml', editable: false });
    expect(chosen.notSent).toEqual(['deploy/big4.yaml']);
  });
});
