/**
 * Bolt on our own HTTP server: the HTTPReceiver's request listener serves POST /slack/events (Slack
 * signature verification, stale requests refused) on the same port as the webhooks. With SLACK_APP_TOKEN
 * the app uses Socket Mode instead. Without a bot token there is no Bolt app: local mode — and Bolt (with
 * express and axios, ~35 MB) is not even loaded.
 */
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { slackApiUrl } from './api-url.ts';
import { boltLogger } from './bolt-logger.ts';

export { boltLogger } from './bolt-logger.ts';

export interface SlackApp {
  app: App;
  /** Present in HTTP mode: mount on POST /slack/events. */
  requestListener:
    | ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void)
    | null;
  socketMode: boolean;
}

export async function createSlackApp(config: Config, logger: Logger): Promise<SlackApp | null> {
  const {
    SLACK_BOT_TOKEN: token,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_APP_TOKEN: appToken,
  } = config.env;
  if (!token) return null;
  const { App, HTTPReceiver } = await import('@slack/bolt');
  const { WebClient } = await import('@slack/web-api');
  const clientOptions = config.env.SLACK_API_URL
    ? { slackApiUrl: slackApiUrl(config.env.SLACK_API_URL) }
    : {};
  const shared = {
    authorize: cachedBotAuthorization(new WebClient(token, clientOptions), token),
    logger: boltLogger(logger),
    clientOptions,
    ignoreSelf: true,
    // No conversation state is kept between requests; Bolt's in-memory store would only cost time.
    convoStore: false as const,
  };

  if (appToken) {
    // The Socket Mode client has its own WebClient (for apps.connections.open): it needs SLACK_API_URL too.
    const app = new App({ ...shared, appToken, socketMode: true, installerOptions: { clientOptions } });
    return { app, requestListener: null, socketMode: true };
  }
  if (!signingSecret) {
    throw new ConfigError(
      'invalid environment variable SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
    );
  }
  const receiver = new HTTPReceiver({
    signingSecret,
    endpoints: '/slack/events',
    logger: shared.logger,
    // Answer Slack as soon as a listener calls ack(); slow work continues afterwards.
    processBeforeResponse: false,
    unhandledRequestTimeoutMillis: 3001,
  });
  const app = new App({ ...shared, receiver });
  return { app, requestListener: receiver.requestListener, socketMode: false };
}

/**
 * Bolt's own single-token authorization runs auth.test once at construction and keeps a failure for
 * ever (Slack unreachable at boot → every later request fails). This one asks on first use, keeps the
 * answer, and asks again after a failure.
 */
export function cachedBotAuthorization(client: WebClient, token: string) {
  let identity: Promise<{ botUserId?: string; botId?: string }> | null = null;
  return async () => {
    identity ??= client.auth.test().then(
      (result) => ({
        ...(result.user_id ? { botUserId: result.user_id } : {}),
        ...(result.bot_id ? { botId: result.bot_id } : {}),
      }),
      (error: unknown) => {
        identity = null;
        throw error;
      },
    );
    return { botToken: token, ...(await identity) };
  };
}
