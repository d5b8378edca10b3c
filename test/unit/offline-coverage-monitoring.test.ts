/**
 * The monitoring stack watching itself (Prometheus HA groups, Thanos, Loki, Mimir/Cortex, Tempo, log shippers),
 * TLS revocation, and cluster add-ons (Argo CD, Flux, Vault, Consul, Istio, cluster-autoscaler, KEDA,
 * external-dns, OpenShift operators): the name patterns declining other technologies.
 * One realistic alert per family, as its rule renders it, is now an `examples:` entry of the family's signature in
 * `catalogue/*.yaml` (run by catalogue-data.test.ts); what stays here is what an example cannot say.
 */
import { describe, expect, it } from 'vitest';
import { offlineHarness } from '../support/offline.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const { signatureOf } = offlineHarness(T0, {
  prometheus: 'http://prometheus:9090',
  incidentId: 7,
  service: 'unknown',
});

describe('offline coverage: name patterns stay within their technology', () => {
  const cases: [string, string | undefined][] = [
    // keda pattern: only KEDA-prefixed alerts
    ['KedaScaledJobErrorsHigh', 'keda-scaler-errors'],
    ['KafkaBrokerDown', 'kafka-broker'],
    // external-dns pattern: not ExternalSecrets
    ['ExternalDnsSourceSyncFailed', 'external-dns'],
    ['ExternalSecretsSyncFailed', undefined],
    // istio xDS pattern: push errors only, never the mesh's HTTP error-rate alerts
    ['IstiodXdsPushErrorsHigh', 'istio-control-plane'],
    ['IstioHigh5xxErrorRate', 'http-5xx'],
    // log collector pattern: Fluent Bit / Fluentd output problems only
    ['FluentdOutputRetriesHigh', 'log-shipper-push-failing'],
    ['PromtailDroppedEntries', 'log-shipper-push-failing'],
    ['PromtailFileMissing', undefined],
  ];
  it.each(cases)('%s → %s', (name, id) => {
    const matched = signatureOf({ labels: { alertname: name } });
    if (id === undefined)
      expect(matched === undefined || !/external-dns|keda|istio|log-shipper/.test(matched)).toBe(true);
    else expect(matched).toBe(id);
  });
});
