-- Slack requests already handled (issue 10): a captured signed request replayed within Slack's 5-minute
-- window, a Slack retry of an event, or a Socket Mode envelope delivered twice is acknowledged but changes
-- nothing. The key is a digest of Slack's own ids (src/slack/receipts.ts): event_id for events,
-- trigger_id and each action's action_ts for clicks, trigger_id for slash commands. The primary key makes
-- the claim atomic across replicas (INSERT … ON CONFLICT DO NOTHING); rows older than a day are deleted as
-- new ones arrive.
CREATE TABLE slack_receipts (
  key          text PRIMARY KEY,
  kind         text NOT NULL,
  received_at  timestamptz NOT NULL
);
CREATE INDEX slack_receipts_received_at ON slack_receipts (received_at);
