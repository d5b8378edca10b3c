import type { AppDeps } from '../../src/deps.ts';
import { dryRunRemediation } from '../../src/incidents/remediation.ts';
import { remediationButton } from './remediation-button.ts';

/** *Dry run*: what the action would change, answered privately; changes nothing. */
export const dryRunButton = (deps: AppDeps) => remediationButton(deps, dryRunRemediation);
