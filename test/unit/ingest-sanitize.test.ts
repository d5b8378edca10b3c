import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonParam } from '../../src/db/json.ts';
import {
  boundedIdentifier,
  MAX_IDENTIFIER_BYTES,
  storableJson,
  storableText,
} from '../../src/ingest/sanitize.ts';
import { hostileString, hostileUnit } from '../support/hostile.ts';

const isStorable = (text: string) => !text.includes('\u0000') && Buffer.from(text).toString() === text;

describe('storableText', () => {
  it('replaces NUL and lone surrogates, keeps pairs and everything else', () => {
    expect(storableText('a\u0000b')).toBe('a\ufffdb');
    expect(storableText('\ud800\udc00 \ud800 x \udc00\ud83d')).toBe('\ud800\udc00 \ufffd x \ufffd\ufffd');
    expect(storableText('🔥 ok')).toBe('🔥 ok');
  });

  it('always gives well-formed text without NUL, unchanged when it already was', () => {
    fc.assert(
      fc.property(hostileString(60), (text) => {
        const clean = storableText(text);
        expect(isStorable(clean)).toBe(true);
        expect(clean.length).toBe(text.length);
        if (isStorable(text)) expect(clean).toBe(text);
      }),
      { seed: 10_2, numRuns: 500 },
    );
  });
});

describe('storableJson', () => {
  it('cleans keys and values at any depth and keeps __proto__ an own key', () => {
    const parsed = JSON.parse('{"__proto__": {"a\\u0000": ["\\ud800", 1, null]}, "ok": "x"}');
    const clean = storableJson(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
    expect(Object.hasOwn(clean, '__proto__')).toBe(true);
    expect(JSON.stringify(clean)).toBe('{"__proto__":{"a\ufffd":["\ufffd",1,null]},"ok":"x"}');
  });

  it('returns the same object when nothing needed cleaning', () => {
    const parsed = { a: ['b', { c: 'd' }], e: 1 };
    expect(storableJson(parsed)).toBe(parsed);
  });

  it('makes any JSON value storable as jsonb text', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: hostileUnit }), (value) => {
        const text = JSON.stringify(storableJson(value));
        expect(text).not.toMatch(/(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/i);
        expect(jsonParam(value)).not.toMatch(/(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/i);
      }),
      { seed: 10_2, numRuns: 300 },
    );
  });
});

describe('boundedIdentifier', () => {
  it('keeps short values and cuts long ones to a prefix and a hash, distinct for distinct values', () => {
    expect(boundedIdentifier('am:{}:{alertname="X"}')).toBe('am:{}:{alertname="X"}');
    const long = 'é'.repeat(600);
    const cut = boundedIdentifier(long);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_IDENTIFIER_BYTES);
    expect(cut).toMatch(/^é{200}…#[0-9a-f]{16}$/);
    expect(boundedIdentifier(`${long}x`)).not.toBe(cut);
    expect(boundedIdentifier(long)).toBe(cut);
  });

  it('never splits a surrogate pair', () => {
    const cut = boundedIdentifier('🔥'.repeat(400));
    expect(isStorable(cut)).toBe(true);
    expect(cut.startsWith('🔥'.repeat(200))).toBe(true);
  });
});
