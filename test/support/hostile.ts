/** fast-check arbitraries for hostile webhook input: text PostgreSQL refuses, odd dates, odd shapes. */
import fc from 'fast-check';

/** One UTF-16 unit or code point, biased to what breaks storage: NUL, lone surrogates, controls, emoji. */
export const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '\u0000',
      '\ud800',
      '\udbff',
      '\udc00',
      '\udfff',
      '\ud83d',
      '\ufffd',
      '\\',
      '"',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('🔥', '\u202e', '\u2028', '\ufeff', '\u0001', '\u007f') },
);

export const hostileString = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({ unit: hostileUnit, maxLength });

/** Timestamps as senders write them, and as attackers do: out of range, BC, offsets, garbage. */
export const hostileTimestamp: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc
      .date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2100-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc
      .date({
        min: new Date(-8_640_000_000_000_000),
        max: new Date(8_640_000_000_000_000),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString()),
  },
  {
    weight: 1,
    arbitrary: fc.date({ noInvalidDate: true }).map((date) => date.toISOString().replace('Z', '+14:00')),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0001-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '-002026-01-01T00:00:00Z',
      '+010000-01-01T00:00:00Z',
      '9999-12-31T23:59:59-23:59',
      '2026-02-30T00:00:00Z',
      '2026-03-01T10:00:00Z',
      '2026-03-01 10:00:00',
      '1',
      'now',
      '',
      '2026-03-01T10:00:00.123456789Z',
    ),
  },
  { weight: 1, arbitrary: hostileString(30) },
);
