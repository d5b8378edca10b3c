/**
 * How the poster reaches Slack: the Web API (chat.postMessage, chat.update) or, in local mode, the
 * console. Transports do not retry; they throw, and `classifySlackError` tells the poster whether to wait
 * (rate limited), back off (Slack or the network is down) or give up on the message (Slack refused it).
 */
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';

/**
 * The `code` @slack/web-api puts on its errors (its `ErrorCode` enum), written out so that this module —
 * loaded in local mode too — does not load the Web API client.
 */
const SlackErrorCode = {
  RequestError: 'slack_webapi_request_error',
  HTTPError: 'slack_webapi_http_error',
  PlatformError: 'slack_webapi_platform_error',
  RateLimitedError: 'slack_webapi_rate_limited_error',
} as const;

import { redactAndCut } from '../analysis/redact.ts';
import type { SlackMessage } from './message.ts';

export interface PostMessageArgs {
  channel: string;
  text: string;
  blocks: KnownBlock[];
  thread_ts?: string;
}

export interface UpdateArgs {
  channel: string;
  ts: string;
  text: string;
  blocks: KnownBlock[];
}

export interface SlackTransport {
  /** Posts a message; answers the channel id and the message ts. */
  postMessage(args: PostMessageArgs): Promise<{ channel: string; ts: string }>;
  /** Replaces the content of the message `ts` in channel `channel` (a channel id). */
  update(args: UpdateArgs): Promise<void>;
}

/** Why a call to Slack failed, as far as the poster cares. `error` is short and safe to log and store. */
export type SlackFailure =
  | { kind: 'rate_limited'; retryAfterSec: number; error: string }
  | { kind: 'retryable'; error: string }
  | { kind: 'permanent'; error: string };

/** Thrown by a transport that already knows how a failure classifies. */
export class SlackDeliveryError extends Error {
  constructor(readonly failure: SlackFailure) {
    super(failure.error);
    this.name = 'SlackDeliveryError';
  }
}

/** `ok: false` errors that mean "Slack had a problem, try again later". Every other one is final. */
const RETRYABLE_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

/** HTTP statuses (besides 5xx) worth retrying; other 4xx mean the request itself is wrong. */
const RETRYABLE_HTTP_STATUSES = new Set([408, 409, 425]);

/** Network error codes, usually found on the `cause` of undici's "fetch failed". */
function networkCode(error: unknown): string | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause ?? (current as { original?: unknown }).original;
  }
  return null;
}

/**
 * Maps what a transport threw to a SlackFailure. Anything not recognised is retryable: a surprise must
 * delay a message, not drop it (the poster logs every failure).
 */
export function classifySlackError(error: unknown): SlackFailure {
  if (error instanceof SlackDeliveryError) return error.failure;
  if (!(error instanceof Error)) return { kind: 'retryable', error: redactAndCut(String(error), 200) };
  const fields = error as Error & {
    code?: unknown;
    retryAfter?: unknown;
    statusCode?: unknown;
    data?: { error?: unknown };
  };
  switch (fields.code) {
    case SlackErrorCode.RateLimitedError: {
      const retryAfterSec =
        typeof fields.retryAfter === 'number' && fields.retryAfter >= 0 ? fields.retryAfter : 1;
      return { kind: 'rate_limited', retryAfterSec, error: `rate limited (retry after ${retryAfterSec} s)` };
    }
    case SlackErrorCode.PlatformError: {
      const code = typeof fields.data?.error === 'string' ? fields.data.error : 'unknown_error';
      if (code === 'ratelimited' || code === 'rate_limited') {
        return { kind: 'rate_limited', retryAfterSec: 1, error: code };
      }
      return { kind: RETRYABLE_PLATFORM_ERRORS.has(code) ? 'retryable' : 'permanent', error: code };
    }
    case SlackErrorCode.HTTPError: {
      const status = typeof fields.statusCode === 'number' ? fields.statusCode : 0;
      const retryable = status >= 500 || status === 0 || RETRYABLE_HTTP_STATUSES.has(status);
      return { kind: retryable ? 'retryable' : 'permanent', error: `http_${status}` };
    }
    case SlackErrorCode.RequestError: {
      const code = networkCode(error);
      return {
        kind: 'retryable',
        error: code ? `request_error ${code}` : redactAndCut(`request_error ${error.message}`, 200),
      };
    }
    default: {
      const code = networkCode(error);
      return { kind: 'retryable', error: redactAndCut(code ?? `${error.name}: ${error.message}`, 200) };
    }
  }
}

/** The real Slack, through a WebClient built without retries (see src/clients/slack.ts). */
export class WebApiTransport implements SlackTransport {
  constructor(private readonly client: WebClient) {}

  async postMessage(args: PostMessageArgs): Promise<{ channel: string; ts: string }> {
    const result = await this.client.chat.postMessage({
      channel: args.channel,
      text: args.text,
      blocks: args.blocks,
      ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}),
      // Incident messages carry runbook and dashboard links; previews of them would bury the content.
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!result.channel || !result.ts) {
      // Slack accepted the message; retrying would post it twice.
      throw new SlackDeliveryError({ kind: 'permanent', error: 'invalid_response: no channel or ts' });
    }
    return { channel: result.channel, ts: result.ts };
  }

  async update(args: UpdateArgs): Promise<void> {
    await this.client.chat.update({
      channel: args.channel,
      ts: args.ts,
      text: args.text,
      blocks: args.blocks,
    });
  }
}

/** Plain-text rendering of a message for the console when no richer renderer is given. */
export function plainText(message: SlackMessage): string {
  return message.text;
}

export interface ConsoleTransportOptions {
  /** Receives each rendered message, several lines ending without a newline. */
  print: (text: string) => void;
  /** Turns a message into readable text; `plainText` by default. */
  render?: (message: SlackMessage) => string;
  /** The n of the first `local.<n>` ts. */
  firstTs?: number;
}

/**
 * Local mode (no SLACK_BOT_TOKEN): messages are printed as a readable thread instead of posted. The
 * outbox stores them and marks them sent like any other, with ts `local.<n>` and the channel as routed.
 */
export class ConsoleTransport implements SlackTransport {
  private next: number;
  private readonly render: (message: SlackMessage) => string;

  constructor(private readonly options: ConsoleTransportOptions) {
    this.next = options.firstTs ?? 1;
    this.render = options.render ?? plainText;
  }

  async postMessage(args: PostMessageArgs): Promise<{ channel: string; ts: string }> {
    const ts = `local.${this.next}`;
    this.next += 1;
    const body = this.render({ text: args.text, blocks: args.blocks });
    if (args.thread_ts) {
      this.options.print(`  ↳ ${args.channel} · reply in thread ${args.thread_ts}\n${indent(body, '    ')}`);
    } else {
      this.options.print(`── ${args.channel} · message ${ts} ──\n${body}`);
    }
    return { channel: args.channel, ts };
  }

  async update(args: UpdateArgs): Promise<void> {
    const body = this.render({ text: args.text, blocks: args.blocks });
    this.options.print(`── ${args.channel} · message ${args.ts} updated ──\n${body}`);
  }
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line ? prefix + line : line))
    .join('\n');
}
