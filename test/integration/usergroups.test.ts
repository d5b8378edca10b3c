/** Approvers named as Slack user groups: members read through the Web API (the Slack fake), cached briefly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackWebClient } from '../../src/clients/slack.ts';
import { ManualClock } from '../../src/clock.ts';
import { createSlackGroups } from '../../src/slack/usergroups.ts';
import { type SlackFake, startSlackFake } from '../support/slack-fake.ts';

describe('Slack user groups', () => {
  let slack: SlackFake;
  beforeAll(async () => {
    slack = await startSlackFake();
    slack.userGroups.set('sre', ['U0CAROL', 'U0DAVE']);
    slack.userGroups.set('dba', ['U0ERIN']);
  });
  afterAll(async () => slack?.close());

  it('resolves a handle (with or without @, any case) to its members, and caches for the TTL', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const groups = createSlackGroups({
      client: createSlackWebClient({ token: 'xoxb-t', apiUrl: slack.apiUrl }),
      clock,
      ttlMs: 60_000,
    });
    slack.calls.length = 0;
    expect(await groups('@SRE')).toEqual(['U0CAROL', 'U0DAVE']);
    expect(await groups('sre')).toEqual(['U0CAROL', 'U0DAVE']);
    expect(await groups('@dba')).toEqual(['U0ERIN']);
    expect(await groups('@nobody')).toEqual([]);
    expect(slack.callsOf('usergroups.list')).toHaveLength(1);
    expect(slack.callsOf('usergroups.users.list').map((call) => call.body.usergroup)).toHaveLength(2);
    // Membership changed in Slack: seen once the cache expired.
    slack.userGroups.set('sre', ['U0DAVE']);
    expect(await groups('@sre')).toEqual(['U0CAROL', 'U0DAVE']);
    clock.advance(61_000);
    expect(await groups('@sre')).toEqual(['U0DAVE']);
  });

  it('does not cache a failure', async () => {
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const groups = createSlackGroups({
      client: createSlackWebClient({ token: 'xoxb-t', apiUrl: slack.apiUrl }),
      clock,
    });
    slack.failNext('usergroups.list', { error: 'missing_scope' });
    await expect(groups('@sre')).rejects.toThrow(/missing_scope/);
    expect(await groups('@sre')).toEqual(['U0DAVE']);
  });
});
