import { describe, expect, it } from 'vitest';
import { jsonParam } from '../../src/db/json.ts';

describe('jsonParam', () => {
  it('turns NUL and lone surrogates into U+FFFD, which jsonb accepts', () => {
    const value = { nul: 'a\u0000b', high: 'x\ud800', low: '\udfffy', 'k\ud83d': 'v' };
    expect(JSON.parse(jsonParam(value))).toEqual({
      nul: 'a\ufffdb',
      high: 'x\ufffd',
      low: '\ufffdy',
      'k\ufffd': 'v',
    });
  });

  it('keeps paired surrogates and the literal text \\u0000 or \\ud800 as they are', () => {
    const value = { emoji: '🔥 fire', text: 'a \\u0000 b \\\\u0000 c \\ud800', both: '\\\u0000' };
    expect(JSON.parse(jsonParam(value))).toEqual({
      emoji: '🔥 fire',
      text: 'a \\u0000 b \\\\u0000 c \\ud800',
      both: '\\\ufffd',
    });
  });
});
