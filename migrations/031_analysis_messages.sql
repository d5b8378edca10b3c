-- The first answer and its replacement (issue 13): a new incident's offline analysis is posted at once
-- ('first'); the analysis once its alert storm settled — the LLM's, or the offline analyzer's with the full
-- context — replaces it in place ('settled'). Every analysis stays stored (the API's history).
ALTER TABLE incident_analyses ADD COLUMN stage text NOT NULL DEFAULT 'settled'
  CHECK (stage IN ('first', 'settled'));

-- The one analysis message of an incident's thread: the outbox rows of its parts (a long analysis is
-- several replies), edited in place (outbox `update_reply`) when a newer analysis replaces it. Written under
-- the thread lock in the same transaction as the outbox rows, so an incident never gets two.
CREATE TABLE analysis_messages (
  incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  part         integer NOT NULL,
  outbox_id    bigint NOT NULL REFERENCES slack_outbox (id) ON DELETE CASCADE,
  analysis_id  bigint NOT NULL REFERENCES incident_analyses (id) ON DELETE CASCADE,
  digest       text NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (incident_id, part)
);
