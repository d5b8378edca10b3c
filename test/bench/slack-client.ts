/**
 * Child-process entry of the Slack benchmark's client: sends rounds of concurrent signed requests to
 * POST /slack/events and answers with each request's time to the HTTP answer (Slack's "ack"). A separate
 * process keeps the client's CPU out of the server's event loop.
 */
import http from 'node:http';
import { slackSignature } from '../support/slack-fake.ts';

export interface SlackClientRequest {
  url: string;
  secret: string;
  /** Rounds of form-encoded bodies; the bodies of one round are sent at once. */
  rounds: string[][];
  pauseMs: number;
}
export type SlackClientResponse =
  | { type: 'ready' }
  | { type: 'done'; samples: number[] }
  | { type: 'error'; message: string };

const reply = (message: SlackClientResponse) => process.send?.(message);

const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });

/** One signed POST over node:http (lighter than fetch, so the client's own cost stays out of the figure). */
function signedPost(url: URL, headers: http.OutgoingHttpHeaders, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`/slack/events answered ${response.statusCode}`));
        else resolve(performance.now() - started);
      });
    });
    request.on('error', reject);
    const started = performance.now();
    request.end(body);
  });
}

process.on('message', async (request: SlackClientRequest) => {
  try {
    const samples: number[] = [];
    const url = new URL(request.url);
    for (const round of request.rounds) {
      // Signed just before the round (Slack refuses requests older than 5 minutes), outside the timing.
      const signed = round.map((body) => ({
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          ...slackSignature(request.secret, body),
        },
      }));
      samples.push(...(await Promise.all(signed.map(({ body, headers }) => signedPost(url, headers, body)))));
      await new Promise((resolve) => setTimeout(resolve, request.pauseMs));
    }
    reply({ type: 'done', samples });
  } catch (error) {
    reply({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
  process.disconnect?.();
});

reply({ type: 'ready' });
