import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppDeps } from '../../src/deps.ts';
import { confirmCause } from '../../src/incidents/confirm-cause.ts';
import { renderError } from '../../src/slack/render/index.ts';
import { buttonFailure, parseButtonValue } from './button-value.ts';

/** *This was the cause*: records the confirmed cause for the incident memory; the thread shows who. */
export function confirmCauseButton(deps: AppDeps) {
  return async ({
    ack,
    action,
    body,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const value = parseButtonValue(action.value);
    if (!value?.cause) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        ...renderError('This button is not valid any more.'),
      });
      return;
    }
    let result: { recorded: boolean };
    try {
      result = await confirmCause(deps.db, {
        incidentId: value.incidentId,
        title: value.cause,
        category: value.category ?? 'unknown',
        actor: `<@${body.user.id}>`,
        now: deps.clock.now(),
      });
    } catch (error) {
      await respond({ response_type: 'ephemeral', replace_original: false, ...buttonFailure(deps, error) });
      return;
    }
    if (!result.recorded) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: `“${value.cause}” is already recorded as a cause of incident #${value.incidentId}.`,
      });
    }
  };
}
