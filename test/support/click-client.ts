/**
 * Child-process entry that sends signed Slack requests all at once and answers with each one's time to
 * the HTTP answer (Slack's "ack"). Slack is another machine: its side must not run on the app's event loop.
 * Started by `startClickClient()` (fork with tsx), driven over IPC.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { slackSignature } from './slack-fake.ts';

export interface ClickBatch {
  secret: string;
  requests: { url: string; body: string }[];
}
export type ClickResult = { status: number; ms: number }[];

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

function signedPost(url: URL, headers: http.OutgoingHttpHeaders, body: string) {
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const request = http.request(url, { method: 'POST', agent, headers }, (response) => {
      response.resume();
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function send(batch: ClickBatch): Promise<ClickResult> {
  const signed = batch.requests.map(({ url, body }) => ({
    url: new URL(url),
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': Buffer.byteLength(body),
      ...slackSignature(batch.secret, body),
    },
  }));
  return Promise.all(signed.map(({ url, headers, body }) => signedPost(url, headers, body)));
}

/** Forks this module as a child; `send` runs one batch there. */
export function startClickClient(): { send(batch: ClickBatch): Promise<ClickResult>; close(): void } {
  const child = fork(fileURLToPath(import.meta.url), ['--child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    send: (batch) =>
      new Promise((resolve, reject) => {
        child.once('message', (message: { ok: boolean; result?: ClickResult; error?: string }) =>
          message.ok ? resolve(message.result as ClickResult) : reject(new Error(message.error)),
        );
        child.once('error', reject);
        child.send(batch);
      }),
    close: () => {
      child.kill();
    },
  };
}

if (process.argv.includes('--child')) {
  process.on('message', (batch: ClickBatch) => {
    send(batch).then(
      (result) => process.send?.({ ok: true, result }),
      (error: unknown) => process.send?.({ ok: false, error: String(error) }),
    );
  });
}
