import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppDeps } from '../../src/deps.ts';
import type { LifecycleChange } from '../../src/incidents/lifecycle.ts';
import { renderError, renderLifecycleAnswer } from '../../src/slack/render/index.ts';
import { buttonFailure, parseButtonValue } from './button-value.ts';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * Shared body of the Acknowledge and Resolve buttons: ack at once, change the incident (recorded with
 * who and when; the Slack sync job then edits the root message and notes it in the thread), and tell
 * the clicker privately when someone was faster.
 */
export function lifecycleButton(
  deps: AppDeps,
  change: (
    deps: AppDeps,
    request: { incidentId: number; actor: string; now: Date },
  ) => Promise<LifecycleChange>,
) {
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const value = parseButtonValue(action.value);
    if (!value) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...renderError('This button is not valid any more.'),
      });
      return;
    }
    let result: LifecycleChange;
    try {
      result = await change(deps, {
        incidentId: value.incidentId,
        actor: `<@${body.user.id}>`,
        now: deps.clock.now(),
      });
    } catch (error) {
      await respond({ response_type: 'ephemeral', replace_original: false, ...buttonFailure(deps, error) });
      return;
    }
    if (!result.changed) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...renderLifecycleAnswer(result),
      });
    }
  };
}
