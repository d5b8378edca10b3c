import type { App, BlockButtonAction } from '@slack/bolt';
import type { AppDeps } from '../../src/deps.ts';
import { ACTION_IDS } from '../../src/slack/message.ts';
import { acknowledgeButton } from './acknowledge.ts';
import { confirmCauseButton } from './confirm-cause.ts';
import { fixOpenPrButton } from './fix-open-pr.ts';
import { approveButton } from './remediation-approve.ts';
import { dryRunButton } from './remediation-dry-run.ts';
import { rejectButton } from './remediation-reject.ts';
import { rollbackButton } from './remediation-rollback.ts';
import { resolveButton } from './resolve.ts';

/** Action ids may carry a suffix (`incident_confirm_cause:2`) to stay unique within one message. */
const actionId = (base: string) => new RegExp(`^${base}(?::.*)?$`);

export function register(app: App, deps: AppDeps): void {
  app.action<BlockButtonAction>(
    { type: 'block_actions', action_id: actionId(ACTION_IDS.acknowledge) },
    acknowledgeButton(deps),
  );
  app.action<BlockButtonAction>(
    { type: 'block_actions', action_id: actionId(ACTION_IDS.resolve) },
    resolveButton(deps),
  );
  app.action<BlockButtonAction>(
    { type: 'block_actions', action_id: actionId(ACTION_IDS.confirmCause) },
    confirmCauseButton(deps),
  );
  const remediation = [
    [ACTION_IDS.remediationDryRun, dryRunButton],
    [ACTION_IDS.remediationApprove, approveButton],
    [ACTION_IDS.remediationReject, rejectButton],
    [ACTION_IDS.remediationRollback, rollbackButton],
  ] as const;
  for (const [id, button] of remediation) {
    app.action<BlockButtonAction>({ type: 'block_actions', action_id: actionId(id) }, button(deps));
  }
  app.action<BlockButtonAction>(
    { type: 'block_actions', action_id: actionId(ACTION_IDS.fixOpenPr) },
    fixOpenPrButton(deps),
  );
}
