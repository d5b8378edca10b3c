-- node-cron schedules run in every replica; a tick runs only in the replica that inserts its row here
-- first (src/jobs/cron.ts). Old rows are deleted by the retention job.
CREATE TABLE cron_runs (
  name        text NOT NULL,
  tick        timestamptz NOT NULL,
  claimed_by  text NOT NULL,
  claimed_at  timestamptz NOT NULL,
  finished_at timestamptz,
  error       text,
  PRIMARY KEY (name, tick)
);
CREATE INDEX cron_runs_tick ON cron_runs (tick);
