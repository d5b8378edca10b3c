/** PagerDuty Webhooks V3: schema and normalization of incident events, driven by real public payloads. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ValidationError } from '../../src/errors.ts';
import type { AlertGroup, NormalizedDelivery } from '../../src/ingest/alert.ts';
import { normalizePagerDuty, parsePagerDutyPayload } from '../../src/ingest/pagerduty.ts';
import { fixturePath, readFixture } from '../support/payloads.ts';

type Json = Record<string, unknown>;

const fixture = (name: string): Json => JSON.parse(readFixture(name)) as Json;
const eventOf = (body: Json) => body.event as Json;
const dataOf = (body: Json) => eventOf(body).data as Json;

function normalize(body: unknown, webhookId?: string): NormalizedDelivery {
  return normalizePagerDuty(parsePagerDutyPayload(body), webhookId);
}

function onlyGroup(delivery: NormalizedDelivery): AlertGroup {
  expect(delivery.groups).toHaveLength(1);
  return delivery.groups[0] as AlertGroup;
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

/** A fixture turned into another event type, the way PagerDuty sends it (same envelope, same data). */
function asEvent(name: string, eventType: string, status?: string): Json {
  const body = fixture(name);
  eventOf(body).event_type = eventType;
  if (status) dataOf(body).status = status;
  return body;
}

describe('PagerDuty V3 fixtures', () => {
  const V3_FIXTURES = [
    'pd-v3-incident.acknowledged-zulip.json',
    'pd-v3-incident.annotated-zulip.json',
    'pd-v3-incident.priority_updated-pd-docs.json',
    'pd-v3-incident.priority_updated-signed-go-pagerduty.json',
    'pd-v3-incident.resolved-zulip.json',
    'pd-v3-incident.triggered-zulip.json',
  ];

  it('covers every pd-v3-*.json fixture', () => {
    const files = readdirSync(fileURLToPath(fixturePath('')))
      .filter((name) => name.startsWith('pd-v3-') && name.endsWith('.json'))
      .sort();
    expect(files).toEqual(V3_FIXTURES);
  });

  it.each(V3_FIXTURES)('%s parses into one group keyed by the incident id', (name) => {
    const body = fixture(name);
    const group = onlyGroup(normalize(body));
    const data = dataOf(body);
    const incidentId = (data.type === 'incident_note' ? (data.incident as Json).id : data.id) as string;
    expect(group.source).toBe('pagerduty');
    expect(group.correlationKey).toBe(`pd:${incidentId}`);
    expect(group.externalId).toBe(incidentId);
    expect(group.keyIsIdentity).toBe(true);
  });

  it('incident.triggered: a firing alert, severity from urgency when there is no priority', () => {
    const delivery = normalize(fixture('pd-v3-incident.triggered-zulip.json'));
    expect(delivery.deliveryKey).toBe('event:01BZYIL05THJDFF2Y08X9SVMTU');
    expect(delivery.ignoredReason).toBeUndefined();
    const group = onlyGroup(delivery);
    expect(group).toMatchObject({
      title: 'Test Incident 3',
      service: 'pig208',
      externalUrl: 'https://pig208.pagerduty.com/incidents/PFQZPSY',
      actor: 'PIG 208',
      notes: [],
      labels: {
        alertname: 'Test Incident 3',
        service: 'pig208',
        severity: 'critical',
        pagerduty_incident: 'PFQZPSY',
        urgency: 'high',
      },
    });
    expect(group.setStatus).toBeUndefined();
    expect(group.attachOnly).toBeUndefined();
    expect(group.alerts).toHaveLength(1);
    const alert = group.alerts[0];
    expect(alert).toMatchObject({
      fingerprint: 'pd:PFQZPSY',
      status: 'firing',
      alertname: 'Test Incident 3',
      severity: 'critical',
      endsAt: null,
      generatorUrl: 'https://pig208.pagerduty.com/incidents/PFQZPSY',
      annotations: { pagerduty_url: 'https://pig208.pagerduty.com/incidents/PFQZPSY' },
    });
    // No created_at in the payload: the event time stands in.
    expect(alert?.startsAt.toISOString()).toBe('2021-06-04T13:35:29.781Z');
  });

  it('incident.acknowledged: sets the incident acknowledged, the alert keeps firing', () => {
    const group = onlyGroup(normalize(fixture('pd-v3-incident.acknowledged-zulip.json')));
    expect(group.setStatus).toBe('acknowledged');
    expect(group.alerts[0]?.status).toBe('firing');
    expect(group.alerts[0]?.endsAt).toBeNull();
    expect(group.actor).toBe('PIG 208');
  });

  it('incident.resolved: the alert resolves at the event time', () => {
    const group = onlyGroup(normalize(fixture('pd-v3-incident.resolved-zulip.json')));
    expect(group.setStatus).toBeUndefined();
    expect(group.alerts[0]?.status).toBe('resolved');
    expect(group.alerts[0]?.endsAt?.toISOString()).toBe('2021-06-04T13:16:53.816Z');
  });

  it('incident.unacknowledged: sets the incident back to triggered', () => {
    const group = onlyGroup(
      normalize(asEvent('pd-v3-incident.acknowledged-zulip.json', 'incident.unacknowledged', 'triggered')),
    );
    expect(group.setStatus).toBe('triggered');
    expect(group.alerts[0]?.status).toBe('firing');
  });

  it('incident.reopened: the alert fires again and no status is forced', () => {
    const group = onlyGroup(
      normalize(asEvent('pd-v3-incident.resolved-zulip.json', 'incident.reopened', 'triggered')),
    );
    expect(group.setStatus).toBeUndefined();
    expect(group.alerts[0]?.status).toBe('firing');
    expect(group.alerts[0]?.endsAt).toBeNull();
    expect(group.keyIsIdentity).toBe(true); // reopens the same incident whatever its age
  });

  it('incident.annotated: a note attached to the incident, never opening one', () => {
    const delivery = normalize(fixture('pd-v3-incident.annotated-zulip.json'));
    expect(delivery.deliveryKey).toBe('event:01GI0KTE33V5QXBVIJDEVJFUNE');
    const group = onlyGroup(delivery);
    expect(group).toMatchObject({
      correlationKey: 'pd:Q3B15VLMF3ASBD',
      title: 'Critical: Checkout API High Latency',
      externalUrl: 'https://harsh0303.pagerduty.com/incidents/Q3B15VLMF3ASBD',
      attachOnly: true,
      alerts: [],
      actor: 'Harsh Santwani',
      notes: [
        {
          kind: 'note',
          actor: 'Harsh Santwani',
          detail: {
            text: 'Running KILL on long-running queries from the reporting-service.',
            at: '2026-04-01T02:18:59.674Z',
          },
        },
      ],
    });
  });

  it('incident.priority_updated: severity from the priority, a timeline note, every documented field kept', () => {
    const group = onlyGroup(normalize(fixture('pd-v3-incident.priority_updated-pd-docs.json')));
    expect(group.notes).toEqual([
      { kind: 'priority_updated', actor: 'Tenex Engineer', detail: { priority: 'P1', severity: 'critical' } },
    ]);
    expect(group.labels).toEqual({
      alertname: 'A little bump in the road',
      service: 'API Service',
      severity: 'critical',
      pagerduty_incident: 'PGR0VU2',
      incident_key: 'd3640fbd41094207a1c11e58e46b1662',
      priority: 'P1',
      urgency: 'high',
    });
    expect(group.alerts[0]?.startsAt.toISOString()).toBe('2020-04-09T15:16:27.000Z'); // created_at
    expect(group.setStatus).toBeUndefined();
  });

  it('accepts conference_number as a number (go-pagerduty body)', () => {
    const body = fixture('pd-v3-incident.priority_updated-signed-go-pagerduty.json');
    expect((dataOf(body).conference_bridge as Json).conference_number).toBe(1000);
    const group = onlyGroup(normalize(body));
    expect(group.alerts[0]?.severity).toBe('critical');
    expect(group.notes[0]?.kind).toBe('priority_updated');
  });
});

describe('severity', () => {
  const withIncident = (patch: Json) => {
    const body = fixture('pd-v3-incident.triggered-zulip.json');
    Object.assign(dataOf(body), patch);
    return onlyGroup(normalize(body)).alerts[0]?.severity;
  };

  it('follows the priority when there is one', () => {
    expect(withIncident({ priority: { summary: 'P3' }, urgency: 'high' })).toBe('warning');
    expect(withIncident({ priority: { summary: 'P2' } })).toBe('high');
    expect(withIncident({ priority: { summary: 'P5' } })).toBe('info');
  });

  it('otherwise follows the urgency', () => {
    expect(withIncident({ priority: null, urgency: 'high' })).toBe('critical');
    expect(withIncident({ priority: null, urgency: 'low' })).toBe('warning');
    expect(withIncident({ priority: null, urgency: undefined })).toBe('warning');
  });

  it('falls back to the service id and then unknown', () => {
    const body = fixture('pd-v3-incident.triggered-zulip.json');
    (dataOf(body).service as Json).summary = null;
    expect(onlyGroup(normalize(body)).service).toBe('PA2P440');
    dataOf(body).service = null;
    expect(onlyGroup(normalize(body)).service).toBe('unknown');
  });
});

describe('events that are not acted on', () => {
  it.each(['incident.delegated', 'incident.escalated', 'incident.responder.added', 'service.created'])(
    '%s is stored with an ignoredReason',
    (eventType) => {
      const delivery = normalize(asEvent('pd-v3-incident.triggered-zulip.json', eventType));
      expect(delivery.groups).toEqual([]);
      expect(delivery.ignoredReason).toBe(`event type ${eventType} is stored but not acted on`);
      expect(delivery.deliveryKey).toBe('event:01BZYIL05THJDFF2Y08X9SVMTU');
    },
  );

  it('the pagey.ping test event (data is not an incident) is ignored, not rejected', () => {
    const delivery = normalize({
      event: {
        id: '01BZZ0PINGPINGPINGPINGPING',
        event_type: 'pagey.ping',
        resource_type: 'pagey',
        occurred_at: '2021-06-04T13:35:29.781Z',
        agent: null,
        client: null,
        data: { message: 'Hello from your friend Pagey!', type: 'ping' },
      },
    });
    expect(delivery.groups).toEqual([]);
    expect(delivery.ignoredReason).toContain('pagey.ping');
  });
});

describe('delivery key', () => {
  it('is the X-Webhook-Id when given, else the event id', () => {
    const body = fixture('pd-v3-incident.triggered-zulip.json');
    expect(normalize(body, 'f1a0cd3e-9c4b-4bd4-8a52-3e9c1f0d0001').deliveryKey).toBe(
      'f1a0cd3e-9c4b-4bd4-8a52-3e9c1f0d0001',
    );
    expect(normalize(body).deliveryKey).toBe('event:01BZYIL05THJDFF2Y08X9SVMTU');
  });
});

describe('invalid payloads', () => {
  it.each(['pd-v2-incident.trigger-pd-docs.json', 'pd-v2-incident.resolve-pd-docs.json'])(
    'rejects the V2 body %s as unsupported',
    (name) => {
      const error = validationError(() => parsePagerDutyPayload(fixture(name)));
      expect(error.code).toBe(ErrorCode.UnsupportedPayload);
      expect(error.field).toBe('messages');
      expect(error.message).toContain('V2');
    },
  );

  it.each([
    ['event', (body: Json) => delete body.event],
    ['event.id', (body: Json) => delete eventOf(body).id],
    ['event.occurred_at', (body: Json) => Object.assign(eventOf(body), { occurred_at: 'soon' })],
    ['event.data', (body: Json) => Object.assign(eventOf(body), { data: 'none' })],
  ])('names the bad envelope field %s', (field, spoil) => {
    const body = fixture('pd-v3-incident.triggered-zulip.json');
    spoil(body);
    const error = validationError(() => parsePagerDutyPayload(body));
    expect(error.code).toBe(ErrorCode.SchemaViolation);
    expect(error.field).toBe(field);
  });

  it('names the full path of a bad incident field', () => {
    // Regression: the field was `title`, relative to `event.data`.
    const body = fixture('pd-v3-incident.triggered-zulip.json');
    delete dataOf(body).title;
    const error = validationError(() => normalize(body));
    expect(error.code).toBe(ErrorCode.SchemaViolation);
    expect(error.field).toBe('event.data.title');

    const status = fixture('pd-v3-incident.triggered-zulip.json');
    dataOf(status).status = 'snoozed';
    expect(validationError(() => normalize(status)).field).toBe('event.data.status');
  });

  it('names the full path of a bad note field', () => {
    const body = fixture('pd-v3-incident.annotated-zulip.json');
    delete dataOf(body).content;
    const error = validationError(() => normalize(body));
    expect(error.field).toBe('event.data.content');
  });
});
