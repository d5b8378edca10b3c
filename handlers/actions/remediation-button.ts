import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { type AppDeps, remediationDeps } from '../../src/deps.ts';
import type { RemediationDeps, RemediationRequest } from '../../src/incidents/remediation.ts';
import type { RemediationOutcome } from '../../src/remediation/model.ts';
import type { DryRunResult } from '../../src/remediation/types.ts';
import { type RemediationButtonValue, redactForSlack, type SlackMessage } from '../../src/slack/message.ts';
import { renderError } from '../../src/slack/render/index.ts';
import { renderDryRun, renderRemediationAnswer } from '../../src/slack/render/remediation.ts';
import { buttonFailure } from './button-value.ts';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export type RemediationUseCase = (
  deps: RemediationDeps,
  request: RemediationRequest,
) => Promise<RemediationOutcome & { dryRun?: DryRunResult }>;

const valueSchema = z.strictObject({ remediationId: z.number().int().positive() });

/** The remediation id a button carries; anything else (forged, stale format) is null. */
export function parseRemediationValue(value: string | undefined): RemediationButtonValue | null {
  if (!value || value.length > 200) return null;
  try {
    const parsed = valueSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The request id of a click: Slack's action_ts (unique per click, the same on a replayed request) with the
 * action id, the remediation and the clicker, so a replay changes nothing and two clicks never collide.
 */
export function clickRequestId(
  actionId: string,
  actionTs: string,
  remediationId: number,
  userId: string,
): string {
  return `slack:${actionId.split(':')[0]}:${remediationId}:${userId}:${actionTs}`;
}

/**
 * Shared body of the four remediation buttons: ack at once (Slack wants it within 3 s; the use-case may
 * look up user groups or run a dry run), call the use-case with the clicker as actor, and answer privately
 * when there is something to say — a refusal with its reason (audited by the core), "already running",
 * "waiting for a 2nd approver", the dry-run result. The action message itself is edited by the
 * sync-remediation job, for everyone.
 */
export function remediationButton(deps: AppDeps, useCase: RemediationUseCase) {
  return async ({ ack, action, body, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const answer = (message: SlackMessage) =>
      respond({ response_type: 'ephemeral', replace_original: false, ...redactForSlack(message) });
    const value = parseRemediationValue(action.value);
    if (!value) {
      await answer(renderError('This button is not valid any more.'));
      return;
    }
    let outcome: RemediationOutcome & { dryRun?: DryRunResult };
    try {
      // Clicks on one action queue per process inside the use-case (they would queue on its row lock).
      outcome = await useCase(remediationDeps(deps), {
        remediationId: value.remediationId,
        actor: { id: body.user.id, display: `<@${body.user.id}>` },
        requestId: clickRequestId(action.action_id, action.action_ts, value.remediationId, body.user.id),
      });
    } catch (error) {
      await answer(buttonFailure(deps, error));
      return;
    }
    // The run job was queued in this click's transaction: this instance's worker takes it now.
    if (outcome.kind === 'started') deps.wakeJobs?.();
    if (outcome.dryRun && outcome.view) {
      await answer(renderDryRun(outcome.view, outcome.dryRun));
      return;
    }
    const message = renderRemediationAnswer(outcome);
    if (message) await answer(message);
  };
}
