/** The offline analyzer's test harness: alerts at one moment, analysed as an incident, the answer schema-checked. */
import { expect } from 'vitest';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import { analyzeOffline, matchSignature } from '../../src/analysis/offline/index.ts';
import { type Analysis, analysisSchema } from '../../src/analysis/schema.ts';
import type { IncidentAlert } from '../../src/db/incidents.ts';
import { type AlertSpec, testAlert, testIncident, testInput } from './incidents.ts';

export interface OfflineHarnessOptions {
  /** The Prometheus of the alerts' generatorURL (testAlert's default otherwise). */
  prometheus?: string;
  incidentId?: number;
  /** The incident's service, when a test needs it fixed (else the first alert's). */
  service?: string;
}

export function offlineHarness(at: string, options: OfflineHarnessOptions = {}) {
  const alert = (spec: AlertSpec): IncidentAlert =>
    testAlert(spec, options.prometheus ? { at, prometheus: options.prometheus } : { at });

  /** The analysis of an incident of `alerts`, checked against the output schema. */
  function analyze(alerts: IncidentAlert[]): Analysis {
    const incident = testIncident(alerts, at, options.incidentId);
    const analysis = analyzeOffline({
      ...testInput(alerts, at),
      incident: options.service ? { ...incident, service: options.service } : incident,
    });
    expect(analysisSchema.parse(analysis)).toEqual(analysis);
    return analysis;
  }

  const signatureOf = (spec: AlertSpec): string | undefined => matchSignature(viewOf(alert(spec)))?.id;
  return { alert, analyze, signatureOf };
}

/** awesome-prometheus-alerts' description tail: `VALUE = … LABELS = map[…]`. */
export const awesomeDescription = (text: string, labels = ''): string =>
  `${text}\n  VALUE = 1\n  LABELS = map[${labels}]`;
