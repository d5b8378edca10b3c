import type { AppDeps } from '../../src/deps.ts';
import { rejectRemediation } from '../../src/incidents/remediation.ts';
import { remediationButton } from './remediation-button.ts';

/** *Reject*: the action will not run; nobody can approve it afterwards. */
export const rejectButton = (deps: AppDeps) => remediationButton(deps, rejectRemediation);
