import type { AppDeps } from '../../src/deps.ts';
import { acknowledgeIncident } from '../../src/incidents/lifecycle.ts';
import { lifecycleButton } from './lifecycle-button.ts';

/** The *Acknowledge* button. */
export const acknowledgeButton = (deps: AppDeps) =>
  lifecycleButton(deps, (d, request) => acknowledgeIncident(d.db, request));
