import type { AppDeps } from '../../src/deps.ts';
import { rollbackRemediation } from '../../src/incidents/remediation.ts';
import { remediationButton } from './remediation-button.ts';

/** *Rollback*: puts back the before-state captured when the action ran. */
export const rollbackButton = (deps: AppDeps) => remediationButton(deps, rollbackRemediation);
