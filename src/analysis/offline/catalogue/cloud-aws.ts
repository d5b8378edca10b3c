/** AWS: CloudWatch alarms (their recommended alarms) as they arrive through PagerDuty or a CloudWatch exporter. */
import type { Signature } from '../types.ts';

export const awsSignatures: Signature[] = [];
