-- Analyses of incidents: every analyzer answer, newest last. The Slack thread shows the latest.
CREATE TABLE incident_analyses (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL,
  analyzer     text NOT NULL CHECK (analyzer IN ('llm', 'offline')),
  analysis     jsonb NOT NULL,
  latency_ms   integer NOT NULL DEFAULT 0
);
CREATE INDEX incident_analyses_incident ON incident_analyses (incident_id, id DESC);

-- Causes an engineer confirmed ("This was the cause"): the incident memory.
CREATE TABLE confirmed_causes (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id   bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  title         text NOT NULL,
  category      text NOT NULL,
  confirmed_by  text NOT NULL,
  confirmed_at  timestamptz NOT NULL,
  UNIQUE (incident_id, title)
);

-- One Slack thread per incident: where its root message went and its timestamp once posted.
CREATE TABLE slack_threads (
  incident_id  bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
  channel      text NOT NULL,
  channel_id   text,
  root_ts      text,
  -- The newest incident_events id the thread has told about (the root message or a timeline reply).
  synced_event_id  bigint NOT NULL DEFAULT 0,
  -- Digest of the root message content last queued, so a sync that changes nothing edits nothing.
  root_digest  text,
  created_at   timestamptz NOT NULL
);
CREATE INDEX slack_threads_channel_root ON slack_threads (channel_id, root_ts);

-- Every message to Slack is written here first, then posted by the poster (in order per thread,
-- rate-limited per channel, retried with backoff). A Slack outage delays messages; it loses none.
CREATE TABLE slack_outbox (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- 'incident:<id>' or 'channel:<channel>': rows with the same key are posted one at a time, in id order.
  thread_key       text NOT NULL,
  incident_id      bigint REFERENCES incidents (id) ON DELETE CASCADE,
  channel          text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('root', 'update_root', 'reply')),
  message          jsonb NOT NULL,
  -- Bumped when a pending message is replaced by a newer one, so an in-flight post of the old content
  -- does not mark the newer one sent.
  version          integer NOT NULL DEFAULT 1,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  -- The lease: the poster holding it (locked_by) until locked_until; only that poster may finish the row.
  locked_by        text,
  locked_until     timestamptz,
  last_error       text,
  slack_ts         text,
  created_at       timestamptz NOT NULL,
  sent_at          timestamptz
);
CREATE INDEX slack_outbox_pending ON slack_outbox (thread_key, id) WHERE status = 'pending';
-- An alert storm edits the root message many times; only the newest pending edit matters.
CREATE UNIQUE INDEX slack_outbox_one_pending_update ON slack_outbox (incident_id)
  WHERE kind = 'update_root' AND status = 'pending';
