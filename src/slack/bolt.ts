/**
 * Bolt on our own HTTP server: the HTTPReceiver's request listener serves POST /slack/events on the same
 * port as the webhooks, behind our own verification (verify.ts: signature, and a timestamp within 5
 * minutes of the app's clock either way — Bolt's refuses only old ones, by the wall clock). With SLACK_APP_TOKEN
 * the app uses Socket Mode instead. Without a bot token there is no Bolt app: local mode — and Bolt (with
 * express and axios, ~35 MB) is not even loaded.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { type Clock, systemClock } from '../clock.ts';
import type { Config } from '../config.ts';
import { AiopsError, ConfigError, ErrorCode } from '../errors.ts';
import { readBody } from '../http/io.ts';
import type { Logger } from '../logger.ts';
import { slackApiUrl } from './api-url.ts';
import { boltLogger } from './bolt-logger.ts';
import { PendingAcks } from './pending-acks.ts';
import { verifySlackRequest } from './verify.ts';

export { boltLogger } from './bolt-logger.ts';

export interface SlackApp {
  app: App;
  /** Present in HTTP mode: mount on POST /slack/events. */
  requestListener: ((req: IncomingMessage, res: ServerResponse) => void) | null;
  /** Requests received and not answered yet (HTTP mode; Socket Mode acks over its socket). */
  pendingAcks: PendingAcks;
  socketMode: boolean;
}

export async function createSlackApp(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<SlackApp | null> {
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
    acknowledgeOnce(app);
    return { app, requestListener: null, pendingAcks: new PendingAcks(), socketMode: true };
  }
  if (!signingSecret) {
    throw new ConfigError(
      'invalid environment variable SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
    );
  }
  const receiver = new HTTPReceiver({
    signingSecret,
    // verifiedRequests() below has checked signature and timestamp (with the app's clock) already.
    signatureVerification: false,
    endpoints: '/slack/events',
    logger: shared.logger,
    // Answer Slack as soon as a listener calls ack(); slow work continues afterwards.
    processBeforeResponse: false,
    unhandledRequestTimeoutMillis: 3001,
  });
  const app = new App({ ...shared, receiver });
  acknowledgeOnce(app);
  const pendingAcks = new PendingAcks();
  const verified = verifiedRequests(receiver.requestListener, { signingSecret, clock, logger });
  return {
    app,
    requestListener: (req, res) => {
      pendingAcks.track(res);
      verified(req, res);
    },
    pendingAcks,
    socketMode: false,
  };
}

/**
 * Makes every request's ack() idempotent: the first call answers Slack, later ones return the first's
 * promise. The replay guard (receipts.ts) acknowledges a button click before it claims the click's receipt,
 * and the click's listener acknowledges too; Bolt's HTTP receiver throws ReceiverMultipleAckError on a
 * second ack. The receivers hand each request to `app.processEvent`, so wrapping it covers HTTP and
 * Socket Mode alike.
 */
export function acknowledgeOnce(app: App): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = (event) => {
    let acked: Promise<void> | null = null;
    const ack: typeof event.ack = (response) => {
      acked ??= event.ack(response);
      return acked;
    };
    return processEvent({ ...event, ack });
  };
}

/** Bolt's default body limit: Slack's payloads are far smaller. */
const SLACK_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * Reads the body and verifies it (verify.ts) before Bolt sees the request: 401 unsigned, forged, or signed
 * more than 5 minutes away from now either way; 413 over the limit. Slack's unsigned `ssl_check` is
 * answered here and goes no further. Bolt then takes the body already read (its `rawBody`).
 */
export function verifiedRequests(
  bolt: RequestListener,
  options: { signingSecret: string; clock: Clock; logger: Logger; bodyLimit?: number },
): (req: IncomingMessage, res: ServerResponse) => void {
  const answer = (res: ServerResponse, status: number) => {
    res.writeHead(status);
    res.end();
  };
  return (req, res) => {
    readBody(req, options.bodyLimit ?? SLACK_BODY_LIMIT).then(
      (body) => {
        const form = req.headers['content-type'] === 'application/x-www-form-urlencoded';
        if (form && new URLSearchParams(body.toString('utf8')).get('ssl_check') === '1') {
          return answer(res, 200);
        }
        const verdict = verifySlackRequest({
          signingSecret: options.signingSecret,
          headers: req.headers,
          body,
          now: options.clock.now(),
        });
        if (!verdict.ok) {
          options.logger.warn({ reason: verdict.reason }, 'slack request refused');
          return answer(res, 401);
        }
        Object.assign(req, { rawBody: body });
        bolt(req, res);
      },
      (error: unknown) => {
        const tooLarge = error instanceof AiopsError && error.code === ErrorCode.PayloadTooLarge;
        if (!tooLarge) options.logger.warn({ err: error }, 'slack request body unreadable');
        answer(res, tooLarge ? 413 : 400);
      },
    );
  };
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
