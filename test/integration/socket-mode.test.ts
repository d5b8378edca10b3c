/**
 * Socket Mode (SLACK_APP_TOKEN): the app opens a connection with apps.connections.open, receives
 * envelopes over a WebSocket, acknowledges each by its envelope_id and answers through response_url —
 * with Slack played by a local HTTP + WebSocket server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Db } from '../../src/db/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { pgliteDatabase } from '../support/databases.ts';
import { waitFor } from '../support/wait.ts';

interface SocketSlack {
  apiUrl: string;
  /** The app's socket once it connected. */
  connected: Promise<WebSocket>;
  /** Messages the app sent on the socket (acks). */
  received: Record<string, unknown>[];
  /** Bodies posted to response_url. */
  responses: Record<string, unknown>[];
  /** Calls to the Web API by method. */
  calls: { method: string; authorization: string | undefined }[];
  responseUrl: string;
  close(): Promise<void>;
}

async function startSocketSlack(): Promise<SocketSlack> {
  const received: Record<string, unknown>[] = [];
  const responses: Record<string, unknown>[] = [];
  const calls: { method: string; authorization: string | undefined }[] = [];
  let url = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/respond') {
        responses.push(JSON.parse(body));
        return res.end('{"ok":true}');
      }
      const method = (req.url ?? '').replace(/^\/api\//, '');
      calls.push({ method, authorization: req.headers.authorization });
      if (method === 'apps.connections.open') {
        return res.end(
          JSON.stringify({ ok: true, url: `${url.replace('http', 'ws')}/link/?ticket=t1&app_id=A1` }),
        );
      }
      return res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT' }));
    });
  });
  const sockets = new WebSocketServer({ server });
  const connected = new Promise<WebSocket>((resolve) => {
    sockets.on('connection', (socket) => {
      socket.on('message', (data) => received.push(JSON.parse(String(data))));
      socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' } }));
      resolve(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${url}/api/`,
    connected,
    received,
    responses,
    calls,
    responseUrl: `${url}/respond`,
    close: async () => {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Socket Mode', () => {
  let db: Db;
  let dispose: () => Promise<void>;
  let slack: SocketSlack;
  let app: TestApp;

  beforeAll(async () => {
    ({ db, dispose } = await pgliteDatabase.create());
    slack = await startSocketSlack();
    app = await startTestApp(db, {
      env: { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-1-test', SLACK_API_URL: slack.apiUrl },
    });
  });
  afterAll(async () => {
    await app?.close();
    await slack?.close();
    await dispose?.();
  });

  it('connects with the app token and serves no HTTP Slack route', async () => {
    await slack.connected;
    expect(slack.calls[0]).toEqual({ method: 'apps.connections.open', authorization: 'Bearer xapp-1-test' });
    expect((await fetch(`${app.url}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('acks a slash command envelope and answers through response_url', async () => {
    const socket = await slack.connected;
    socket.send(
      JSON.stringify({
        envelope_id: 'env-1',
        type: 'slash_commands',
        accepts_response_payload: true,
        payload: {
          token: 'x',
          team_id: 'T1',
          channel_id: 'C1',
          channel_name: 'incidents',
          user_id: 'U1',
          command: '/aiops',
          text: 'help',
          api_app_id: 'A1',
          response_url: slack.responseUrl,
          trigger_id: '1.2',
        },
      }),
    );
    const ack = await waitFor(() => slack.received.find((message) => message.envelope_id === 'env-1'));
    expect(ack).toMatchObject({ envelope_id: 'env-1' });
    const answer = await waitFor(() => slack.responses[0]);
    expect(answer.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer)).toContain('/aiops why');
  });

  it('a duplicated envelope (same request, delivered twice) is acked twice and handled once', async () => {
    const socket = await slack.connected;
    const before = slack.responses.length;
    const payload = {
      token: 'x',
      team_id: 'T1',
      channel_id: 'C1',
      channel_name: 'incidents',
      user_id: 'U1',
      command: '/aiops',
      text: 'help',
      api_app_id: 'A1',
      response_url: slack.responseUrl,
      trigger_id: '1.2.duplicated',
    };
    for (const envelopeId of ['env-dup-1', 'env-dup-2']) {
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type: 'slash_commands',
          accepts_response_payload: true,
          payload,
        }),
      );
    }
    await waitFor(() => slack.received.find((message) => message.envelope_id === 'env-dup-2'));
    await waitFor(() => slack.responses.length > before || undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(slack.responses.length - before).toBe(1);
  });
});
