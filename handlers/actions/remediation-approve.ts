import type { AppDeps } from '../../src/deps.ts';
import { approveRemediation } from '../../src/incidents/remediation.ts';
import { remediationButton } from './remediation-button.ts';

/** *Approve & run*: one approval (high risk needs two different approvers); the last one starts the run. */
export const approveButton = (deps: AppDeps) => remediationButton(deps, approveRemediation);
