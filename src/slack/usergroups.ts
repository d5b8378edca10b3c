/**
 * Members of a Slack user group by handle (`@sre` → its user ids), for approvers configured as groups.
 * Slack's usergroups.users.list takes a group id, so the handle is resolved with usergroups.list first.
 * Both answers are cached briefly (membership changes rarely; a click must not cost two API calls), and a
 * failure is not cached. Needs the `usergroups:read` scope.
 */
import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.ts';

export interface SlackGroupsOptions {
  client: WebClient;
  clock: Clock;
  /** How long an answer is reused (60 s by default). */
  ttlMs?: number;
}

const normalize = (handle: string) => handle.trim().replace(/^@/, '').toLowerCase();

export function createSlackGroups(options: SlackGroupsOptions): (handle: string) => Promise<string[]> {
  const ttl = options.ttlMs ?? 60_000;
  let ids: { at: number; value: Promise<Map<string, string>> } | null = null;
  const members = new Map<string, { at: number; value: Promise<string[]> }>();
  const fresh = (at: number) => options.clock.now().getTime() - at < ttl;

  const groupIds = (): Promise<Map<string, string>> => {
    if (ids && fresh(ids.at)) return ids.value;
    const value = options.client.usergroups.list({ include_disabled: false }).then((result) => {
      const map = new Map<string, string>();
      for (const group of result.usergroups ?? []) {
        if (group.handle && group.id) map.set(normalize(group.handle), group.id);
      }
      return map;
    });
    const entry = { at: options.clock.now().getTime(), value };
    ids = entry;
    value.catch(() => {
      if (ids === entry) ids = null;
    });
    return value;
  };

  return async (handle: string) => {
    const key = normalize(handle);
    const cached = members.get(key);
    if (cached && fresh(cached.at)) return cached.value;
    const value = groupIds().then(async (map) => {
      const id = map.get(key);
      if (!id) return [];
      const result = await options.client.usergroups.users.list({ usergroup: id });
      return (result.users ?? []).filter((user): user is string => typeof user === 'string');
    });
    const entry = { at: options.clock.now().getTime(), value };
    members.set(key, entry);
    value.catch(() => {
      if (members.get(key) === entry) members.delete(key);
    });
    return value;
  };
}
