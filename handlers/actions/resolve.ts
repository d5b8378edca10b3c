import type { AppDeps } from '../../src/deps.ts';
import { resolveIncident } from '../../src/incidents/lifecycle.ts';
import { lifecycleButton } from './lifecycle-button.ts';

/** The *Resolve* button (behind a confirmation dialog). */
export const resolveButton = (deps: AppDeps) =>
  lifecycleButton(deps, (d, request) => resolveIncident(d.db, request));
