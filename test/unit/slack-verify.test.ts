/** Slack request verification (signature, 5-minute window either way) and receipt keys, as pure functions. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { slackReceiptOf } from '../../src/slack/receipts.ts';
import { verifySlackRequest } from '../../src/slack/verify.ts';
import { slackSignature } from '../support/slack-fake.ts';

const secret = 'test-signing-secret';
const now = new Date('2026-03-01T10:00:00Z');
const nowSec = Math.floor(now.getTime() / 1000);
const body = Buffer.from('token=x&command=%2Faiops&text=help&trigger_id=1.2');
const verify = (headers: Record<string, string | string[]>, raw = body, at = now) =>
  verifySlackRequest({ signingSecret: secret, headers, body: raw, now: at });

describe('verifySlackRequest', () => {
  it('accepts a request signed within 5 minutes either way, to the second', () => {
    for (const offset of [0, 300, -300]) {
      expect(verify(slackSignature(secret, body.toString(), nowSec + offset))).toEqual({ ok: true });
    }
  });

  it('refuses a timestamp 301 s in the future or the past', () => {
    for (const offset of [301, -301, 6 * 60, -6 * 60]) {
      const verdict = verify(slackSignature(secret, body.toString(), nowSec + offset));
      expect(verdict).toMatchObject({ ok: false, reason: expect.stringContaining('off the clock') });
    }
  });

  it('refuses timestamps that are not plain seconds, and a repeated header', () => {
    const signed = slackSignature(secret, body.toString(), nowSec);
    for (const timestamp of [
      `${nowSec}.0`,
      `${nowSec}e0`,
      ` ${nowSec}`,
      `-${nowSec}`,
      '',
      'NaN',
      `${nowSec}\u0000`,
    ]) {
      expect(verify({ ...signed, 'x-slack-request-timestamp': timestamp }).ok).toBe(false);
    }
    expect(verify({ ...signed, 'x-slack-request-timestamp': [String(nowSec), String(nowSec)] }).ok).toBe(
      false,
    );
  });

  it('refuses a forged, truncated or missing signature, and a body changed after signing', () => {
    const signed = slackSignature(secret, body.toString(), nowSec);
    expect(verify(slackSignature('other-secret', body.toString(), nowSec)).ok).toBe(false);
    expect(verify({ ...signed, 'x-slack-signature': signed['x-slack-signature'].slice(0, -2) }).ok).toBe(
      false,
    );
    expect(
      verify({ ...signed, 'x-slack-signature': signed['x-slack-signature'].replace('v0=', 'v1=') }).ok,
    ).toBe(false);
    expect(verify({ 'x-slack-request-timestamp': String(nowSec) }).ok).toBe(false);
    expect(verify(signed, Buffer.concat([body, Buffer.from('&text=resolve')])).ok).toBe(false);
    expect(verify(signed, Buffer.concat([body, Buffer.from([0])])).ok).toBe(false);
  });

  it('signs the raw bytes: a body that is not valid UTF-8 still verifies as Slack signed it', () => {
    const raw = Buffer.from([0x74, 0x3d, 0xff, 0xfe]);
    const signature = createHmac('sha256', secret).update(`v0:${nowSec}:`).update(raw).digest('hex');
    expect(
      verify({ 'x-slack-request-timestamp': String(nowSec), 'x-slack-signature': `v0=${signature}` }, raw),
    ).toEqual({ ok: true });
  });
});

describe('slackReceiptOf', () => {
  const click = (overrides: Record<string, unknown> = {}) => ({
    type: 'block_actions',
    team: { id: 'T1' },
    user: { id: 'U1' },
    trigger_id: '111.222',
    actions: [{ action_id: 'incident_resolve', action_ts: '1700000000.000100' }],
    ...overrides,
  });

  it('keys a request by Slack ids: the same request, the same key; another click, another key', () => {
    const first = slackReceiptOf(click());
    expect(first).toMatchObject({ kind: 'block_actions', key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(slackReceiptOf(JSON.parse(JSON.stringify(click())))).toEqual(first);
    expect(slackReceiptOf(click({ trigger_id: '111.223' }))).not.toEqual(first);
    expect(
      slackReceiptOf(click({ actions: [{ action_id: 'incident_resolve', action_ts: '1700000000.000200' }] })),
    ).not.toEqual(first);
    expect(slackReceiptOf(click({ user: { id: 'U2' } }))).not.toEqual(first);
  });

  it('keys events by event_id, commands by trigger_id; NUL bytes and long ids end up as a digest', () => {
    const event = slackReceiptOf({
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev1\u0000x',
      event: {},
    });
    expect(event).toMatchObject({ kind: 'event', key: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const command = slackReceiptOf({
      command: '/aiops',
      team_id: 'T1',
      user_id: 'U1',
      trigger_id: 'x'.repeat(900),
    });
    expect(command).toMatchObject({ kind: 'command', key: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('refuses a keyed kind without its ids; lets requests that change nothing through unkeyed', () => {
    expect(slackReceiptOf(click({ trigger_id: undefined, actions: [{ action_id: 'x' }] }))).toBeNull();
    expect(slackReceiptOf({ type: 'event_callback', team_id: 'T1', event: {} })).toBeNull();
    expect(slackReceiptOf({ command: '/aiops', team_id: 'T1', user_id: 'U1' })).toBeNull();
    expect(slackReceiptOf({ type: 'view_submission', user: { id: 'U1' } })).toBeNull();
    expect(slackReceiptOf({ type: 'block_suggestion', user: { id: 'U1' } })).toBe('none');
    expect(slackReceiptOf({ type: 'view_closed', user: { id: 'U1' } })).toBe('none');
  });
});
