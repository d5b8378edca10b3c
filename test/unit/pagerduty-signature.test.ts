/** PagerDuty V3 HMAC signatures: go-pagerduty's known-answer vector, rotation, and malformed headers. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signPagerDutyBody, verifyPagerDutySignature } from '../../src/ingest/pagerduty-signature.ts';
import { fixturePath } from '../support/payloads.ts';

// Known-answer vector from PagerDuty/go-pagerduty webhookv3/webhookv3_test.go (see SOURCES.md).
const BODY = readFileSync(fixturePath('pd-v3-incident.priority_updated-signed-go-pagerduty.json'));
const SECRET = 'lDQHScfUeXUKaQRNF+8XIiDKZ7XX3itBAYzwU0TARw8lJqRnkKl2iB1anSb0Z+IK';
const VALID = 'v1=0c0b9495b893a39e70d1fea2fe11fbe0a825f88b9f67846f6cc07dd2bc5476cd';
const INVALID = 'v1=7020c8a7ec668a9b7012bc3dd82e483394b038f4230acc6785efbf2a7d8bcaf5';
const OTHER_SECRET = 'another-secret-from-before-the-rotation';
const VALID_HEX = VALID.slice(3);

const verify = (header: string | undefined, secrets: readonly string[] = [SECRET]) =>
  verifyPagerDutySignature(BODY, header, secrets);

describe('known-answer vector', () => {
  it('reads the exact body bytes', () => {
    expect(BODY.length).toBe(1655);
    expect(BODY.at(-1)).toBe('}'.charCodeAt(0)); // no trailing newline
  });

  it('accepts the valid header and rejects the mismatching one', () => {
    expect(verify(VALID)).toBe(true);
    expect(verify(INVALID)).toBe(false);
  });

  it('signs to the same header', () => {
    expect(signPagerDutyBody(BODY, SECRET)).toBe(VALID);
    expect(signPagerDutyBody(BODY.toString('utf8'), SECRET)).toBe(VALID);
  });

  it('rejects the valid header for a body that differs by one byte', () => {
    expect(verifyPagerDutySignature(Buffer.concat([BODY, Buffer.from('\n')]), VALID, [SECRET])).toBe(false);
    const reencoded = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8')), null, 1));
    expect(verifyPagerDutySignature(reencoded, VALID, [SECRET])).toBe(false);
  });

  it('rejects the valid header under another secret', () => {
    expect(verify(VALID, [OTHER_SECRET])).toBe(false);
    expect(verify(VALID, [`${SECRET} `])).toBe(false);
  });
});

describe('rotation: several v1= entries', () => {
  it.each([
    ['first', `${VALID},${INVALID}`],
    ['last', `${INVALID},${VALID}`],
    ['middle', `${INVALID},${VALID},v1=${'0'.repeat(64)}`],
    ['after a space', `${INVALID}, ${VALID}`],
    ['next to an unknown scheme', `v2=${'a'.repeat(64)},${VALID}`],
  ])('accepts a matching entry in any position (%s)', (_position, header) => {
    expect(verify(header)).toBe(true);
  });

  it('rejects when no entry matches', () => {
    expect(verify(`${INVALID},v1=${'0'.repeat(64)}`)).toBe(false);
  });
});

describe('several secrets', () => {
  it('accepts a header signed with any configured secret', () => {
    expect(verify(VALID, [OTHER_SECRET, SECRET])).toBe(true);
    expect(verify(VALID, [SECRET, OTHER_SECRET])).toBe(true);
    const signedWithOther = signPagerDutyBody(BODY, OTHER_SECRET);
    expect(verify(signedWithOther, [SECRET, OTHER_SECRET])).toBe(true);
    expect(verify(signedWithOther, [SECRET])).toBe(false);
  });

  it('matches old and new secret entries during a rotation', () => {
    const header = `${signPagerDutyBody(BODY, 'new-secret')},${signPagerDutyBody(BODY, 'old-secret')}`;
    expect(verify(header, ['old-secret'])).toBe(true);
    expect(verify(header, ['new-secret'])).toBe(true);
    expect(verify(header, ['unrelated'])).toBe(false);
  });

  it('rejects everything when no secret is configured', () => {
    expect(verify(VALID, [])).toBe(false);
  });
});

describe('missing and malformed headers', () => {
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['garbage', 'hello world'],
    ['only commas', ',,,'],
    ['bare scheme', 'v1='],
    ['no scheme', VALID_HEX],
    ['another scheme', `v2=${VALID_HEX}`],
    ['sha256= prefix', `sha256=${VALID_HEX}`],
    ['upper-case scheme', `V1=${VALID_HEX}`],
    ['non-hex digits', `v1=${'g'.repeat(64)}`],
    ['base64 of the digest', `v1=${Buffer.from(VALID_HEX, 'hex').toString('base64')}`],
    ['too short', `v1=${VALID_HEX.slice(0, 62)}`],
    ['half the digest', `v1=${VALID_HEX.slice(0, 32)}`],
    ['too long by two digits', `${VALID}00`],
    // Regression: Buffer.from(hex) drops a trailing odd digit or anything after the first non-hex character,
    // so these decoded to the valid digest and matched.
    ['too long by one digit', `${VALID}0`],
    ['valid digest followed by garbage', `${VALID}zz`],
    ['valid digest followed by a space and garbage', `${VALID} x`],
  ])('rejects a %s header', (_kind, header) => {
    expect(verify(header)).toBe(false);
  });
});
