-- Edits of a thread reply (chat.update of a reply the outbox posted): the remediation action messages,
-- kept current as an action moves from proposed to running to succeeded. `reply_to` is the outbox row of
-- the reply being edited; its slack_ts is known once it was sent (replies and their edits share a
-- thread_key, so the reply is always posted before any edit of it).
ALTER TABLE slack_outbox DROP CONSTRAINT slack_outbox_kind_check;
ALTER TABLE slack_outbox ADD CONSTRAINT slack_outbox_kind_check
  CHECK (kind IN ('root', 'update_root', 'reply', 'update_reply'));
ALTER TABLE slack_outbox ADD COLUMN reply_to bigint REFERENCES slack_outbox (id) ON DELETE CASCADE;
-- Like root edits, only the newest pending edit of a reply matters.
CREATE UNIQUE INDEX slack_outbox_one_pending_reply_update ON slack_outbox (reply_to)
  WHERE kind = 'update_reply' AND status = 'pending';

-- One Slack message per remediation action: the outbox row of its reply, the digest of the content last
-- queued (a sync that changes nothing edits nothing), and when the thread was reminded of a pending
-- approval (once per action).
CREATE TABLE remediation_messages (
  remediation_id  bigint PRIMARY KEY,
  incident_id     bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  outbox_id       bigint NOT NULL REFERENCES slack_outbox (id) ON DELETE CASCADE,
  digest          text NOT NULL,
  reminded_at     timestamptz,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
