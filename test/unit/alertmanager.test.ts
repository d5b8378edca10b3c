/** Alertmanager webhook (version 4): schema and normalization, driven by real public payloads. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config.ts';
import { ErrorCode, ValidationError } from '../../src/errors.ts';
import type { NormalizedDelivery } from '../../src/ingest/alert.ts';
import {
  normalizeAlertmanager,
  parseAlertmanagerPayload,
  serviceOf,
  truncate,
} from '../../src/ingest/alertmanager.ts';
import { labelsFingerprint } from '../../src/ingest/fingerprint.ts';
import { fixturePath, readFixture } from '../support/payloads.ts';

const SERVICE_LABELS = configFrom().file.ingest.serviceLabels;

type Json = Record<string, unknown>;

const fixture = (name: string): Json => JSON.parse(readFixture(name)) as Json;

function normalize(
  body: unknown,
  serviceLabels: readonly string[] | undefined = SERVICE_LABELS,
): NormalizedDelivery {
  return normalizeAlertmanager(parseAlertmanagerPayload(body), { serviceLabels });
}

/** The single group of a delivery (every fixture here has a groupKey, so one group). */
function onlyGroup(delivery: NormalizedDelivery) {
  expect(delivery.groups).toHaveLength(1);
  return delivery.groups[0] as NonNullable<(typeof delivery.groups)[0]>;
}

function validationError(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

const HEX16 = /^[0-9a-f]{16}$/;

interface Expected {
  status: 'firing' | 'resolved';
  alerts: number;
  /** Alertmanager's own fingerprints, or `computed` when the payload carries none. */
  fingerprints: string[] | 'computed';
  severity: string;
  service: string;
  correlationKey: string;
  title: string;
  endsAt: (string | null)[];
  startsAt: string;
  notes: string[];
}

const EXPECTED: Record<string, Expected> = {
  'am-firing-1alert-msteams-prom_post_request.json': {
    status: 'firing', // no per-alert status: the group's applies
    alerts: 1,
    fingerprints: 'computed',
    severity: 'warning',
    service: 'instance-with-hyphen_and_underscore', // a host alert: `job` docker_nodes is node-exporter
    correlationKey: 'am:{}:{alertname="high_memory_load"}',
    title: 'high_memory_load: Prometheus Test',
    endsAt: [null],
    startsAt: '2018-03-07T11:33:21.873Z', // nanoseconds and a -05:00 offset
    notes: [],
  },
  'am-firing-1alert-pfnet-curl.json': {
    status: 'firing',
    alerts: 1,
    fingerprints: 'computed',
    severity: 'critical', // `page`
    service: 'unknown',
    correlationKey: 'am:{}:{severity="page"}',
    title: 'Alert1: 2 is more than 1', // groupLabels has no alertname: commonLabels' is used
    endsAt: [null],
    startsAt: '2020-06-09T01:22:00.309Z', // +09:00 offset
    notes: [],
  },
  'am-firing-2alerts-zulip.json': {
    status: 'firing',
    alerts: 2,
    fingerprints: ['a1bc48475b20e73d', 'c2ea85182f28cbd9'],
    severity: 'critical',
    service: 'andromeda', // `host`
    correlationKey: 'am:{}/{}:{}',
    title: 'High CPU Temperature: High CPU core temperature',
    endsAt: [null, null],
    startsAt: '2020-02-06T00:17:58.432Z',
    notes: [],
  },
  'am-firing-3alerts-alertmonitor.json': {
    status: 'firing',
    alerts: 3,
    fingerprints: 'computed',
    severity: 'high', // `major`
    service: '172.29.254.30', // probe targets differ and blackbox-icmp is a prober: the first target
    correlationKey:
      'am:{}/{severity=~"^(?:^(critical|major|minor|warning|informational)$)$"}:{alertname="ICMP ping failed"}',
    title: 'ICMP ping failed', // commonAnnotations is {}
    endsAt: [null, null, null],
    startsAt: '2019-09-27T16:27:56.612Z',
    notes: [],
  },
  'am-firing-3alerts-msteams-grafana-inspired.json': {
    status: 'firing',
    alerts: 3,
    fingerprints: ['ff6a7a0f5f1c1309', '554664fa753a2b45', '911c76f0240f015b'],
    severity: 'info',
    service: 'whatever/promstack', // alerts differ in `name`; the `namespace` they share
    correlationKey: 'am:{}/{namespace="whatever/promstack"}:{alertname="JustATestAlert_1"}',
    title: 'JustATestAlert_1: Ratio(Max(Working Set, RSS) / Reservation) [5m Avg] < 40 %',
    endsAt: [null, null, null],
    startsAt: '2020-10-11T14:34:11.279Z',
    notes: [],
  },
  'am-firing-truncated2-pfnet-server_test.json': {
    status: 'firing', // a non-zero endsAt on a firing alert does not make it resolved
    alerts: 1,
    fingerprints: 'computed',
    severity: 'warning', // no severity label
    service: 'unknown',
    correlationKey: 'am:group1',
    title: 'unnamed alert',
    endsAt: ['2020-01-02T12:34:56.000Z'],
    startsAt: '2020-01-01T12:34:56.000Z',
    notes: ['Alertmanager truncated 2 alert(s) from this group (max_alerts)'],
  },
  'am-resolved-1alert-matrix-receiver.json': {
    status: 'resolved',
    alerts: 1,
    fingerprints: 'computed',
    severity: 'warning',
    service: 'example1', // `instance`: the host that is down
    correlationKey: 'am:{}:{alertname="instance_down"}',
    title: 'instance_down: instance example1 is down',
    endsAt: [null],
    startsAt: '2020-05-03T06:30:06.275Z',
    notes: [],
  },
  'am-resolved-1alert-truncated0-ericsson.json': {
    status: 'resolved',
    alerts: 1,
    fingerprints: ['fbab788ec4c1018b'],
    severity: 'warning', // `Warning`
    service: 'eric-log-transformer', // `deployment`, not the kube-state-metrics that scraped it
    correlationKey: 'am:{}:{alertname="Deployment"}',
    title: 'Deployment: Kubernetes Deployment Replicas Mismatch',
    endsAt: ['2022-07-29T11:17:27.300Z'],
    startsAt: '2022-07-29T11:13:27.300Z',
    notes: [], // truncatedAlerts: 0 adds no note
  },
  'am-resolved-1alert-zulip.json': {
    status: 'resolved', // from `status`, although endsAt is Go's zero time
    alerts: 1,
    fingerprints: ['a1bc48475b20e73d'],
    severity: 'critical',
    service: 'andromeda',
    correlationKey: 'am:{}/{}:{}',
    title: 'High CPU Temperature: High CPU core temperature',
    endsAt: [null],
    startsAt: '2020-02-06T00:17:58.432Z',
    notes: [],
  },
  'am-resolved-3alerts-alertmonitor.json': {
    status: 'resolved',
    alerts: 3,
    fingerprints: 'computed',
    severity: 'high',
    service: '172.29.254.30',
    correlationKey:
      'am:{}/{severity=~"^(?:^(critical|major|minor|warning|informational)$)$"}:{alertname="ICMP ping failed"}',
    title: 'ICMP ping failed',
    endsAt: [null, null, null],
    startsAt: '2019-09-27T16:27:56.612Z',
    notes: [],
  },
};

describe('Alertmanager fixtures', () => {
  it('has an expectation for every am-*.json fixture', () => {
    const files = readdirSync(fileURLToPath(fixturePath('')))
      .filter((name) => name.startsWith('am-') && name.endsWith('.json'))
      .sort();
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s parses and normalizes', (name, expected) => {
    const body = fixture(name);
    const delivery = normalize(body);
    const group = onlyGroup(delivery);

    expect(delivery.deliveryKey).toBeNull();
    expect(delivery.ignoredReason).toBeUndefined();
    expect(delivery.notes).toEqual(expected.notes);
    expect(group.notes).toEqual(
      expected.notes.map((text) => ({ kind: 'note', actor: 'alertmanager', detail: { text } })),
    );

    expect(group.source).toBe('alertmanager');
    expect(group.keyIsIdentity).toBe(false);
    expect(group.correlationKey).toBe(expected.correlationKey);
    expect(group.title).toBe(expected.title);
    expect(group.service).toBe(expected.service);
    expect(group.externalUrl).toBe(body.externalURL);
    expect(group.alerts).toHaveLength(expected.alerts);

    const rawAlerts = body.alerts as Json[];
    group.alerts.forEach((alert, index) => {
      const raw = rawAlerts[index] as Json;
      expect(alert.status).toBe(expected.status);
      expect(alert.severity).toBe(expected.severity);
      expect(alert.labels).toEqual(raw.labels);
      expect(alert.startsAt.toISOString()).toBe(expected.startsAt);
      expect(alert.endsAt?.toISOString() ?? null).toBe(expected.endsAt[index]);
      expect(alert.generatorUrl).toBe(raw.generatorURL ? raw.generatorURL : null);
      if (expected.fingerprints === 'computed') {
        expect(raw.fingerprint).toBeUndefined();
        expect(alert.fingerprint).toBe(labelsFingerprint(raw.labels as Record<string, string>));
        expect(alert.fingerprint).toMatch(HEX16);
      } else {
        expect(alert.fingerprint).toBe(expected.fingerprints[index]);
      }
    });
    // Fingerprints tell the alerts of one group apart.
    expect(new Set(group.alerts.map((alert) => alert.fingerprint)).size).toBe(expected.alerts);
  });

  it('keeps a computed fingerprint stable between the firing and the resolved delivery', () => {
    const firing = onlyGroup(normalize(fixture('am-firing-3alerts-alertmonitor.json')));
    const resolved = onlyGroup(normalize(fixture('am-resolved-3alerts-alertmonitor.json')));
    expect(resolved.alerts.map((alert) => alert.fingerprint)).toEqual(
      firing.alerts.map((alert) => alert.fingerprint),
    );
  });

  it('takes the alert summary from annotations, falling back to description and then the alertname', () => {
    const zulip = onlyGroup(normalize(fixture('am-firing-2alerts-zulip.json')));
    expect(zulip.alerts.map((alert) => alert.summary)).toEqual([
      'High CPU core temperature',
      'High CPU core temperature',
    ]);
    const alertmonitor = onlyGroup(normalize(fixture('am-firing-3alerts-alertmonitor.json')));
    expect(alertmonitor.alerts[0]?.summary).toBe('172.29.254.30 does not reply to ICMP pings');
    const pfnet = onlyGroup(normalize(fixture('am-firing-truncated2-pfnet-server_test.json')));
    expect(pfnet.alerts[0]?.summary).toBe('unnamed alert');
  });

  it('uses commonLabels as the group labels, or the first alert labels when there are none', () => {
    const ericsson = onlyGroup(normalize(fixture('am-resolved-1alert-truncated0-ericsson.json')));
    expect(ericsson.labels.namespace).toBe('eric-eo-cm-ci406');
    const body = fixture('am-firing-2alerts-zulip.json');
    body.commonLabels = {};
    expect(onlyGroup(normalize(body)).labels).toEqual({
      alertname: 'High CPU Temperature',
      host: 'andromeda',
      severity: 'critical',
    });
  });
});

describe('status', () => {
  it('uses the alert status over the group status', () => {
    const body = fixture('am-firing-2alerts-zulip.json');
    ((body.alerts as Json[])[1] as Json).status = 'resolved';
    const group = onlyGroup(normalize(body));
    expect(group.alerts.map((alert) => alert.status)).toEqual(['firing', 'resolved']);
  });

  it('uses the group status when the alert has none (resolved, with a zero-time endsAt)', () => {
    const body = fixture('am-resolved-1alert-zulip.json');
    delete ((body.alerts as Json[])[0] as Json).status;
    const alert = onlyGroup(normalize(body)).alerts[0];
    expect(alert?.status).toBe('resolved');
    expect(alert?.endsAt).toBeNull();
  });

  it('uses the group status when the alert has none, whatever endsAt says', () => {
    const body = fixture('am-resolved-1alert-truncated0-ericsson.json');
    const alert = (body.alerts as Json[])[0] as Json;
    delete alert.status;
    body.status = 'firing';
    // endsAt is a real, past time here; it still does not resolve the alert.
    expect(onlyGroup(normalize(body)).alerts[0]?.status).toBe('firing');
  });
});

describe('service', () => {
  const ericsson = () => fixture('am-resolved-1alert-truncated0-ericsson.json');

  it('tries serviceLabels in order', () => {
    expect(onlyGroup(normalize(ericsson(), ['namespace', 'job'])).service).toBe('eric-eo-cm-ci406');
    expect(onlyGroup(normalize(ericsson(), ['deployment'])).service).toBe('eric-log-transformer');
    expect(onlyGroup(normalize(ericsson(), ['missing', 'job'])).alerts[0]?.service).toBe(
      'eric-pm-kube-state-metrics',
    );
  });

  it('is derived when none of the configured labels is set', () => {
    expect(onlyGroup(normalize(ericsson(), ['team'])).service).toBe('eric-log-transformer');
  });

  it('is unknown when no label names anything', () => {
    const body = ericsson();
    const alert = (body.alerts as Json[])[0] as Json;
    alert.labels = { alertname: 'Deployment', severity: 'warning' };
    body.commonLabels = {};
    expect(onlyGroup(normalize(body)).service).toBe('unknown');
  });

  it('serviceOf skips empty label values', () => {
    expect(serviceOf({ service: '', app: 'checkout' }, ['service', 'app'])).toBe('checkout');
    expect(serviceOf({}, ['service'])).toBe('unknown');
  });
});

describe('labelsFingerprint', () => {
  it('does not depend on key order', () => {
    expect(labelsFingerprint({ alertname: 'Up', instance: 'a:9100', job: 'node' })).toBe(
      labelsFingerprint({ job: 'node', instance: 'a:9100', alertname: 'Up' }),
    );
  });

  it('changes with any name or value, and keeps names and values apart', () => {
    const base = labelsFingerprint({ alertname: 'Up', instance: 'a' });
    expect(labelsFingerprint({ alertname: 'Up', instance: 'b' })).not.toBe(base);
    expect(labelsFingerprint({ alertname: 'Up', host: 'a' })).not.toBe(base);
    expect(labelsFingerprint({ ab: 'c' })).not.toBe(labelsFingerprint({ a: 'bc' }));
    expect(labelsFingerprint({ a: 'b', c: 'd' })).not.toBe(labelsFingerprint({ a: 'bc', '': 'd' }));
  });

  it('is 16 hex digits', () => {
    expect(labelsFingerprint({})).toMatch(HEX16);
    expect(labelsFingerprint({ alertname: 'x' })).toMatch(HEX16);
  });
});

describe('grouping and title', () => {
  it('without a groupKey, groups by service and alertname', () => {
    const body = fixture('am-firing-3alerts-alertmonitor.json');
    delete body.groupKey;
    const alerts = body.alerts as Json[];
    ((alerts[2] as Json).labels as Json).alertname = 'HTTP probe failed';
    const delivery = normalize(body);
    // Each probe target is its own service now; the key they had before (the job) is kept as a legacy key so
    // an incident opened under it before an upgrade still absorbs them.
    expect(
      delivery.groups.map((group) => [
        group.correlationKey,
        group.alerts.length,
        group.legacyCorrelationKeys,
      ]),
    ).toEqual([
      ['svc:172.29.254.30:ICMP ping failed', 1, ['svc:blackbox-icmp:ICMP ping failed']],
      ['svc:172.29.254.50:ICMP ping failed', 1, ['svc:blackbox-icmp:ICMP ping failed']],
      ['svc:172.29.254.66:HTTP probe failed', 1, ['svc:blackbox-icmp:HTTP probe failed']],
    ]);
  });

  it('an empty group is stored but not acted on', () => {
    const body = fixture('am-firing-truncated2-pfnet-server_test.json');
    body.alerts = [];
    const delivery = normalize(body);
    expect(delivery.groups).toEqual([]);
    expect(delivery.ignoredReason).toBe('the group holds no alerts');
    expect(delivery.notes).toEqual(['Alertmanager truncated 2 alert(s) from this group (max_alerts)']);
  });

  it('does not repeat the alertname when the summary equals it', () => {
    const body = fixture('am-firing-1alert-msteams-prom_post_request.json');
    body.commonAnnotations = { summary: 'high_memory_load' };
    expect(onlyGroup(normalize(body)).title).toBe('high_memory_load');
  });

  it('truncates the title to 200 characters', () => {
    const body = fixture('am-firing-1alert-msteams-prom_post_request.json');
    body.commonAnnotations = { summary: 'x'.repeat(500) };
    const title = onlyGroup(normalize(body)).title;
    expect(title).toHaveLength(200);
    expect(title.startsWith('high_memory_load: xxx')).toBe(true);
    expect(title.endsWith('…')).toBe(true);
    expect(truncate('short', 200)).toBe('short');
  });
});

describe('lenient input', () => {
  it('accepts null maps (Go marshals a nil map as null)', () => {
    const body = fixture('am-firing-1alert-msteams-prom_post_request.json');
    body.commonAnnotations = null;
    body.groupLabels = null;
    ((body.alerts as Json[])[0] as Json).annotations = null;
    const group = onlyGroup(normalize(body));
    expect(group.title).toBe('high_memory_load');
    expect(group.alerts[0]?.annotations).toEqual({});
    expect(group.alerts[0]?.summary).toBe('high_memory_load');
  });

  it('accepts a missing version (treated as 4)', () => {
    const body = fixture('am-firing-2alerts-zulip.json');
    delete body.version;
    expect(onlyGroup(normalize(body)).alerts).toHaveLength(2);
  });

  it('ignores unknown fields, such as those of newer Alertmanagers', () => {
    const plain = normalize(fixture('am-firing-2alerts-zulip.json'));
    const body = fixture('am-firing-2alerts-zulip.json');
    body.notification_reason = 'new_alerts';
    body.routeLabels = { team: 'ops' };
    ((body.alerts as Json[])[0] as Json).silencedBy = ['x'];
    const parsed = parseAlertmanagerPayload(body);
    expect(parsed).not.toHaveProperty('notification_reason');
    expect(parsed).not.toHaveProperty('routeLabels');
    expect(normalizeAlertmanager(parsed, { serviceLabels: SERVICE_LABELS })).toEqual(plain);
  });
});

describe('invalid payloads', () => {
  it('names the offending field of a schema violation', () => {
    const body = fixture('am-firing-2alerts-zulip.json');
    delete ((body.alerts as Json[])[0] as Json).labels;
    const error = validationError(() => parseAlertmanagerPayload(body));
    expect(error.code).toBe(ErrorCode.SchemaViolation);
    expect(error.field).toBe('alerts.0.labels');
    expect(error.message).toContain('field alerts.0.labels');
  });

  it.each([
    ['status', (body: Json) => Object.assign(body, { status: 'pending' })],
    ['receiver', (body: Json) => Object.assign(body, { receiver: undefined })],
    ['alerts', (body: Json) => Object.assign(body, { alerts: 'none' })],
    [
      'alerts.1.startsAt',
      (body: Json) => Object.assign((body.alerts as Json[])[1] as Json, { startsAt: 'yesterday' }),
    ],
    [
      'alerts.0.labels.severity',
      (body: Json) => Object.assign((body.alerts as Json[])[0] as Json, { labels: { severity: 3 } }),
    ],
    ['truncatedAlerts', (body: Json) => Object.assign(body, { truncatedAlerts: -1 })],
  ])('rejects a bad %s', (field, spoil) => {
    const body = fixture('am-firing-2alerts-zulip.json');
    spoil(body);
    const error = validationError(() => parseAlertmanagerPayload(body));
    expect(error.code).toBe(ErrorCode.SchemaViolation);
    expect(error.field).toBe(field);
  });

  it('rejects a body that is not an object', () => {
    for (const body of [[], 'alerts', null, 42]) {
      expect(validationError(() => parseAlertmanagerPayload(body)).code).toBe(ErrorCode.SchemaViolation);
    }
  });

  it('rejects version 3 as unsupported, even with its numeric groupKey', () => {
    // Regression: the schema ran first, so a real version 3 body was a schema error on `groupKey`.
    // Body: inCaller/prometheus_bot testdata/simpe.json (commit 372e7d8426ea), a version 3 payload,
    // minified; parsed from text because its numeric groupKey does not fit a JS number exactly.
    const body: unknown = JSON.parse(
      '{"receiver":"admins","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"something_happend",' +
        '"env":"prod","instance":"server01.int:9100","job":"node","service":"prometheus_bot","severity":"warning",' +
        '"supervisor":"runit"},"annotations":{"summary":"Oops, something happend!"},"startsAt":"2016-04-27T20:46:37.903Z",' +
        '"endsAt":"0001-01-01T00:00:00Z","generatorURL":"https://example.com/graph#..."}],"groupLabels":{"alertname":' +
        '"something_happend","instance":"server01.int:9100"},"commonLabels":{"alertname":"something_happend","env":"prod",' +
        '"instance":"server01.int:9100","job":"node","service":"prometheus_bot","severity":"warning","supervisor":"runit"},' +
        '"commonAnnotations":{"summary":"runit service prometheus_bot restarted, server01.int:9100"},' +
        '"externalURL":"https://alert-manager.example.com","version":"3","groupKey":43434343434343434343}',
    );
    const error = validationError(() => parseAlertmanagerPayload(body));
    expect(error.code).toBe(ErrorCode.UnsupportedPayload);
    expect(error.field).toBe('version');
    expect(error.message).toContain('"3"');
  });

  it('rejects version 3 with an otherwise valid version 4 shape', () => {
    const body = fixture('am-firing-2alerts-zulip.json');
    body.version = '3';
    const error = validationError(() => parseAlertmanagerPayload(body));
    expect(error.code).toBe(ErrorCode.UnsupportedPayload);
    expect(error.field).toBe('version');
  });
});
