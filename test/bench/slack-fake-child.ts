/**
 * Child-process host of the Slack Web API fake for the benchmark: Slack is another machine in
 * production, so its side of every call must not run on the server's event loop. Answers
 * `{type: 'calls'}` with the calls recorded so far.
 */
import { type SlackCall, startSlackFake } from '../support/slack-fake.ts';

export type FakeHostMessage = { type: 'ready'; url: string } | { type: 'calls'; calls: SlackCall[] };

const fake = await startSlackFake();
process.on('message', (message: { type: 'calls' | 'exit' }) => {
  // `at` as wall-clock ms (this process's time origin + its performance.now()), comparable across processes.
  if (message.type === 'calls')
    process.send?.({
      type: 'calls',
      calls: fake.calls.map((call) => ({ ...call, at: performance.timeOrigin + call.at })),
    } satisfies FakeHostMessage);
  else void fake.close().then(() => process.disconnect?.());
});
process.send?.({ type: 'ready', url: fake.url } satisfies FakeHostMessage);
