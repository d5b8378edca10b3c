/**
 * Child-process host of the Slack Web API fake for the benchmark: Slack is another machine in
 * production, so its side of every call must not run on the server's event loop. Answers
 * `{type: 'calls'}` with the calls recorded so far.
 */
import { type SlackCall, startSlackFake } from '../support/slack-fake.ts';

export type FakeHostMessage = { type: 'ready'; url: string } | { type: 'calls'; calls: SlackCall[] };

const fake = await startSlackFake();
process.on('message', (message: { type: 'calls' | 'exit' }) => {
  // `at` as Date.now() ms, comparable across processes (performance.timeOrigin is not: it can be off by
  // a second between two processes).
  const offset = Date.now() - performance.now();
  if (message.type === 'calls')
    process.send?.({
      type: 'calls',
      calls: fake.calls.map((call) => ({ ...call, at: offset + call.at })),
    } satisfies FakeHostMessage);
  else void fake.close().then(() => process.disconnect?.());
});
process.send?.({ type: 'ready', url: fake.url } satisfies FakeHostMessage);
