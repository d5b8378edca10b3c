import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { AppDeps } from '../../src/deps.ts';
import { AiopsError, ErrorCode } from '../../src/errors.ts';
import { openFixPr, postFixDiff } from '../../src/incidents/fixes.ts';
import { redactForSlack } from '../../src/slack/message.ts';
import { renderError, renderFixOutcome, renderFixPosted } from '../../src/slack/render/index.ts';
import { buttonFailure, parseButtonValue } from './button-value.ts';

/**
 * *Open fix PR* on a proposed fix: anyone in the channel may open a **draft** PR (a human still merges it). The
 * PR is opened once per incident and fix (a second click links it); the thread tells that it was opened and,
 * later, its fate. Without GitHub credentials the fix is posted in the thread as a diff instead.
 */
export function fixOpenPrButton(deps: AppDeps) {
  return async ({
    ack,
    action,
    body,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const answer = async (message: Parameters<typeof redactForSlack>[0]) =>
      respond({ response_type: 'ephemeral', replace_original: false, ...redactForSlack(message) });
    const value = parseButtonValue(action.value);
    if (!value) {
      await answer(renderError('This button is not valid any more.'));
      return;
    }
    try {
      const outcome = await openFixPr(deps, {
        incidentId: value.incidentId,
        fixIndex: value.fixIndex,
        generator: value.generator,
        actor: `<@${body.user.id}>`,
        requestId: action.action_ts,
      });
      if (outcome.kind === 'diff') {
        const posted = await postFixDiff(deps, outcome.plan, outcome.reason);
        await answer(posted ? renderFixPosted(outcome.reason) : renderFixOutcome(outcome));
        return;
      }
      await answer(renderFixOutcome(outcome));
    } catch (error) {
      if (error instanceof AiopsError && error.code === ErrorCode.FixUnavailable) {
        await answer(renderError(error.message));
        return;
      }
      await answer(buttonFailure(deps, error));
    }
  };
}
