/**
 * The Slack Web API client the outbox poster uses. It never retries and never waits out a rate limit by
 * itself: the poster owns retries (durably, in the outbox), so a 429 comes back at once as an error
 * carrying Retry-After, and a 5xx or a network error comes back after one try.
 */
import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import { slackApiUrl } from '../slack/api-url.ts';
import { boltLogger } from '../slack/bolt-logger.ts';

export interface SlackWebClientOptions {
  token: string;
  /** SLACK_API_URL: the Web API base (GovSlack, a proxy, a test fake); Slack's own when unset. */
  apiUrl?: string | undefined;
  /** Per request; a hung request must end well within the poster's lease. */
  timeoutMs?: number;
  logger?: Logger;
}

export function createSlackWebClient(options: SlackWebClientOptions): WebClient {
  return new WebClient(options.token, {
    ...(options.apiUrl ? { slackApiUrl: slackApiUrl(options.apiUrl) } : {}),
    // The poster logs every failed call once; the client's own warnings about them would repeat it.
    ...(options.logger
      ? { logger: boltLogger(options.logger.child({ component: 'slack-web-api' }, { level: 'error' })) }
      : { logLevel: LogLevel.ERROR }),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs ?? 15_000,
  });
}
