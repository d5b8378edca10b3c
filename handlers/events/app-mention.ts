import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { AppDeps } from '../../src/deps.ts';
import type { SlackMessage } from '../../src/slack/message.ts';
import { renderError } from '../../src/slack/render/index.ts';
import { parseCommand, runCommand } from '../commands/run.ts';

/**
 * `@aiops …` in a channel or an incident thread: answered in the thread like `/aiops why` (or the
 * sub-command the mention names: `@aiops status`, `@aiops explain …`).
 */
export function appMention(deps: AppDeps) {
  return async ({
    event,
    say,
  }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    const text = event.text.replace(/<@[A-Z0-9]+>/g, '').trim();
    const threadTs = event.thread_ts ?? event.ts;
    let message: SlackMessage;
    try {
      message = await runCommand(
        deps,
        { channelId: event.channel, threadTs: event.thread_ts, userId: event.user ?? 'unknown' },
        // A mention that is not a sub-command is a question about the incident: answered like `why`.
        parseCommand(text).name === 'unknown' || text === '' ? `why ${text}` : text,
      );
    } catch (error) {
      deps.logger.error({ err: error, channel: event.channel }, '@aiops mention failed');
      message = renderError('Something went wrong; the error was logged.');
    }
    await say({ ...message, thread_ts: threadTs });
  };
}
