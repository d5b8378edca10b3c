/**
 * A local stand-in for Slack at the HTTP boundary: the Web API (`/api/<method>`, form- or JSON-encoded, as
 * @slack/web-api sends it) and `response_url` endpoints (`/respond/<id>`). It records every call and can
 * be told to fail the next calls (429 with Retry-After, 5xx, `ok: false` errors, a dropped connection).
 * Also signs requests the way Slack does, for driving POST /slack/events.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface SlackCall {
  method: string;
  /** Form fields with JSON values (blocks, …) parsed, or the JSON body. */
  body: Record<string, unknown>;
  token: string | null;
  /** When the fake received it (ms, `performance.now()` of the test process): for spacing checks. */
  at: number;
}

export type Failure =
  | { status: 429; retryAfterSec: number }
  | { status: 500 | 502 | 503 }
  | { error: string }
  | { drop: true };

export interface SlackFake {
  url: string;
  /** SLACK_API_URL for the app. */
  apiUrl: string;
  calls: SlackCall[];
  /** Answers to response_url posts, in order. */
  responses: { id: string; body: Record<string, unknown> }[];
  /** The calls of one Web API method, e.g. `chat.postMessage`. */
  callsOf(method: string): SlackCall[];
  /** The next calls to `method` fail like this, one failure per call, then succeed again. */
  failNext(method: string, ...failures: Failure[]): void;
  responseUrl(id: string): string;
  /** User groups the fake knows (usergroups.list / usergroups.users.list): handle → user ids. */
  userGroups: Map<string, string[]>;
  close(): Promise<void>;
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(raw || '{}');
  const fields: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    try {
      fields[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
    } catch {
      fields[key] = value;
    }
  }
  return fields;
}

export async function startSlackFake(): Promise<SlackFake> {
  const calls: SlackCall[] = [];
  const responses: { id: string; body: Record<string, unknown> }[] = [];
  const failures = new Map<string, Failure[]>();
  const userGroups = new Map<string, string[]>();
  const groupId = (handle: string) => `S${[...userGroups.keys()].indexOf(handle) + 100}`;
  let nextTs = 1_700_000_000;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = parseBody(raw, req.headers['content-type']);
      const path = new URL(req.url ?? '/', 'http://fake').pathname;
      const reply = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };

      if (path.startsWith('/respond/')) {
        responses.push({ id: path.slice('/respond/'.length), body });
        return reply(200, { ok: true });
      }
      const method = path.replace(/^\/api\//, '');
      const token =
        req.headers.authorization?.replace(/^Bearer /, '') ?? (body.token as string | undefined) ?? null;
      calls.push({ method, body, token, at });

      const failure = failures.get(method)?.shift();
      if (failure) {
        if ('drop' in failure) return req.socket.destroy();
        if ('error' in failure) return reply(200, { ok: false, error: failure.error });
        if (failure.status === 429) {
          return reply(
            429,
            { ok: false, error: 'ratelimited' },
            { 'retry-after': String(failure.retryAfterSec) },
          );
        }
        return reply(failure.status, { ok: false, error: 'internal_error' });
      }

      switch (method) {
        case 'auth.test':
          return reply(200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'aiops' });
        case 'chat.postMessage': {
          nextTs += 1;
          const channel = String(body.channel).startsWith('#') ? 'C0INCIDENTS' : String(body.channel);
          return reply(200, { ok: true, channel, ts: `${nextTs}.000100`, message: { text: body.text } });
        }
        case 'chat.update':
          return reply(200, { ok: true, channel: body.channel, ts: body.ts });
        case 'usergroups.list':
          return reply(200, {
            ok: true,
            usergroups: [...userGroups.keys()].map((handle) => ({
              id: groupId(handle),
              handle,
              name: handle,
            })),
          });
        case 'usergroups.users.list': {
          const handle = [...userGroups.keys()].find((name) => groupId(name) === body.usergroup);
          if (handle === undefined) return reply(200, { ok: false, error: 'no_such_subteam' });
          return reply(200, { ok: true, users: userGroups.get(handle) });
        }
        default:
          return reply(200, { ok: true });
      }
    });
  });
  // Node's 5-s keep-alive lets the server close an idle connection just as the app's fetch reuses it when
  // the test process's event loop is busy (ECONNRESET on a response_url answer); Slack keeps them longer.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responses,
    callsOf: (method) => calls.filter((call) => call.method === method),
    failNext: (method, ...next) => failures.set(method, [...(failures.get(method) ?? []), ...next]),
    responseUrl: (id) => `${url}/respond/${id}`,
    userGroups,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Headers Slack sends with a request: `v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function slackSignature(secret: string, body: string, timestampSec = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', secret).update(`v0:${timestampSec}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestampSec), 'x-slack-signature': `v0=${signature}` };
}

/** Slack's ids are unique per interaction (`trigger_id`, `action_ts`): so are the fake's. */
let interaction = 0;
const nextInteraction = () => {
  interaction += 1;
  return `${1_700_000_000 + interaction}.${String(interaction).padStart(6, '0')}`;
};

/** A slash command as Slack posts it (form-encoded). */
export function slashCommandBody(fields: {
  text: string;
  channelId?: string;
  channelName?: string;
  userId?: string;
  responseUrl: string;
  triggerId?: string;
}): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T1',
    team_domain: 'acme',
    channel_id: fields.channelId ?? 'C0INCIDENTS',
    channel_name: fields.channelName ?? 'incidents',
    user_id: fields.userId ?? 'U0ALICE',
    user_name: 'alice',
    command: '/aiops',
    text: fields.text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId ?? `${nextInteraction()}.trigger`,
  }).toString();
}

/** A block_actions interaction (a button click) as Slack posts it: form field `payload` with JSON. */
export function buttonClickBody(fields: {
  actionId: string;
  value: string;
  userId?: string;
  channelId?: string;
  messageTs?: string;
  responseUrl: string;
  /** Slack's per-click action timestamp (a replayed request repeats it). */
  actionTs?: string;
}): string {
  const id = nextInteraction();
  const payload = {
    type: 'block_actions',
    user: { id: fields.userId ?? 'U0BOB', username: 'bob', name: 'bob', team_id: 'T1' },
    api_app_id: 'A1',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: fields.messageTs ?? '1.0',
      channel_id: fields.channelId ?? 'C0INCIDENTS',
    },
    trigger_id: `${id}.trigger`,
    team: { id: 'T1', domain: 'acme' },
    channel: { id: fields.channelId ?? 'C0INCIDENTS', name: 'incidents' },
    message: { type: 'message', ts: fields.messageTs ?? '1.0', text: 'incident' },
    response_url: fields.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: fields.actionId,
        block_id: 'b1',
        text: { type: 'plain_text', text: 'Button' },
        value: fields.value,
        action_ts: fields.actionTs ?? id,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An Events API envelope with an app_mention. */
export function appMentionBody(fields: {
  text: string;
  channel?: string;
  threadTs?: string;
  user?: string;
  /** Slack's clock for `event_time` / `ts` (seconds); the wall clock by default. */
  nowSec?: number;
}): string {
  const nowSec = fields.nowSec ?? Math.floor(Date.now() / 1000);
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 10)}`,
    event_time: nowSec,
    authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true }],
    event: {
      type: 'app_mention',
      user: fields.user ?? 'U0ALICE',
      text: fields.text,
      ts: `${nowSec}.000200`,
      channel: fields.channel ?? 'C0INCIDENTS',
      ...(fields.threadTs ? { thread_ts: fields.threadTs } : {}),
      event_ts: `${nowSec}.000200`,
    },
  });
}

/** A button as the thread shows it. */
export interface ShownButton {
  action_id: string;
  value: string;
}

/**
 * The **Open fix PR** buttons (`fix_open_pr:N`) of an incident as the thread last showed them: from the last
 * message (post or edit) that carried any, with the text of the section each sits in.
 */
export function lastFixButtons(
  slack: SlackFake,
  incidentId: number,
): { text: string; button: ShownButton }[] {
  const messages = [...slack.callsOf('chat.postMessage'), ...slack.callsOf('chat.update')];
  const lists = messages.map((call) =>
    ((call.body.blocks ?? []) as { text?: { text?: string }; accessory?: Partial<ShownButton> }[])
      .filter(
        (block) =>
          block.accessory?.action_id?.startsWith('fix_open_pr:') &&
          (JSON.parse(block.accessory.value ?? '{}') as { incidentId?: number }).incidentId === incidentId,
      )
      .map((block) => ({ text: block.text?.text ?? '', button: block.accessory as ShownButton })),
  );
  return lists.filter((list) => list.length > 0).at(-1) ?? [];
}
