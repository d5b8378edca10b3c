import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AppDeps } from '../../src/deps.ts';
import { renderError } from '../../src/slack/render/index.ts';
import { runCommand } from './run.ts';

/**
 * `/aiops …` — acknowledged at once (Slack allows 3 s), answered through response_url when the work is
 * done. The answer is ephemeral: only the person who asked sees it.
 */
export function aiopsCommand(deps: AppDeps) {
  return async ({ command, ack, respond }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await ack();
    try {
      const message = await runCommand(
        deps,
        { channelId: command.channel_id, channelName: command.channel_name, userId: command.user_id },
        command.text,
      );
      await respond({ response_type: 'ephemeral', ...message });
    } catch (error) {
      deps.logger.error({ err: error, command: command.text }, '/aiops failed');
      await respond({
        response_type: 'ephemeral',
        ...renderError('Something went wrong; the error was logged.'),
      });
    }
  };
}
