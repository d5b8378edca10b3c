-- The durable job queue. Workers claim with FOR UPDATE SKIP LOCKED and hold a lease; a job whose
-- worker died is claimable again once `locked_until` has passed.
CREATE TABLE jobs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          text NOT NULL,
  payload       jsonb NOT NULL DEFAULT '{}',
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'dead')),
  -- At most one pending job per key: ten changes to one incident before a worker runs cost one job.
  dedupe_key    text,
  attempts      integer NOT NULL DEFAULT 0,
  max_attempts  integer NOT NULL DEFAULT 5,
  run_at        timestamptz NOT NULL,
  locked_by     text,
  locked_until  timestamptz,
  last_error    text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX jobs_pending_dedupe ON jobs (dedupe_key) WHERE status = 'pending' AND dedupe_key IS NOT NULL;
CREATE INDEX jobs_claimable ON jobs (kind, run_at) WHERE status IN ('pending', 'running');
