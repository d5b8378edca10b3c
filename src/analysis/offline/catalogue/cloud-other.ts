/** Azure Monitor and Google Cloud Monitoring alerts, and Datadog monitors, as they arrive through PagerDuty or Alertmanager. */
import type { Signature } from '../types.ts';

export const otherCloudSignatures: Signature[] = [];
