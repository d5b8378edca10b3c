-- The per-channel pace of the Slack poster, shared by every replica (issue 10): at most one message per
-- channel per interval. A poster claims an outbox row only together with its channel's pace
-- (next_at <= now, moved to now + interval in the same statement), and pushes next_at to after Slack's
-- answer (and to Retry-After on a 429), so two replicas cannot both post to one channel within the interval.
CREATE TABLE slack_channel_pace (
  channel  text PRIMARY KEY,
  next_at  timestamptz NOT NULL
);
