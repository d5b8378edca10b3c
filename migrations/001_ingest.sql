-- Raw webhook deliveries: every accepted request body, exactly as received, before anything else.
CREATE TABLE webhook_deliveries (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source        text NOT NULL CHECK (source IN ('alertmanager', 'pagerduty')),
  -- The sender's delivery id when it has one (PagerDuty X-Webhook-Id); retries reuse it.
  delivery_key  text,
  received_at   timestamptz NOT NULL,
  content_type  text,
  raw_body      text NOT NULL,
  -- processed: changed incidents; ignored: stored only (unknown event, duplicate); failed: kept for replay.
  outcome       text NOT NULL CHECK (outcome IN ('received', 'processed', 'ignored', 'failed')),
  note          text,
  incident_ids  jsonb NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX webhook_deliveries_source_key ON webhook_deliveries (source, delivery_key)
  WHERE delivery_key IS NOT NULL;
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (received_at);

CREATE TABLE incidents (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source           text NOT NULL,
  -- Alerts with the same key join the same open incident (Alertmanager groupKey, PagerDuty incident id,
  -- or service + alertname).
  correlation_key  text NOT NULL,
  external_id      text,
  external_url     text,
  title            text NOT NULL,
  service          text NOT NULL,
  severity         text NOT NULL CHECK (severity IN ('critical', 'high', 'warning', 'info')),
  status           text NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
  channel          text NOT NULL,
  labels           jsonb NOT NULL DEFAULT '{}',
  alert_count      integer NOT NULL DEFAULT 0,
  firing_count     integer NOT NULL DEFAULT 0,
  opened_at        timestamptz NOT NULL,
  acknowledged_at  timestamptz,
  resolved_at      timestamptz,
  last_event_at    timestamptz NOT NULL,
  reopen_count     integer NOT NULL DEFAULT 0
);
CREATE INDEX incidents_correlation ON incidents (correlation_key, id DESC);
CREATE INDEX incidents_status_id ON incidents (status, id DESC);
CREATE INDEX incidents_service_id ON incidents (service, id DESC);
CREATE INDEX incidents_external ON incidents (source, external_id) WHERE external_id IS NOT NULL;

-- One row per alert per incident: redelivery updates the row (last_seen, delivery_count).
CREATE TABLE alerts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id     bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  fingerprint     text NOT NULL,
  source          text NOT NULL,
  status          text NOT NULL CHECK (status IN ('firing', 'resolved')),
  alertname       text NOT NULL,
  service         text NOT NULL,
  severity        text NOT NULL,
  summary         text NOT NULL,
  labels          jsonb NOT NULL,
  annotations     jsonb NOT NULL,
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz,
  generator_url   text,
  first_seen      timestamptz NOT NULL,
  last_seen       timestamptz NOT NULL,
  delivery_count  integer NOT NULL DEFAULT 1,
  UNIQUE (incident_id, fingerprint)
);
CREATE INDEX alerts_fingerprint ON alerts (fingerprint);
CREATE INDEX alerts_service_last_seen ON alerts (service, last_seen DESC);

-- The incident's timeline: what happened, when, by whom.
CREATE TABLE incident_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at           timestamptz NOT NULL,
  kind         text NOT NULL,
  actor        text,
  detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
