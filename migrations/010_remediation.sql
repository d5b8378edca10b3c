-- Remediation: actions proposed by an analysis, approved in Slack or the CLI, run once by an executor.
-- Every transition is a conditional UPDATE (WHERE status = …), so double clicks, two replicas and retried
-- jobs cannot move a row twice. See src/incidents/remediation.ts.
CREATE TABLE remediation_actions (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id        bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  -- The analysis that proposed it and the action's index there (Slack buttons `remediation_*:N`).
  analysis_id        bigint REFERENCES incident_analyses (id) ON DELETE SET NULL,
  position           integer NOT NULL DEFAULT 0,
  service            text NOT NULL,
  action             jsonb NOT NULL,
  kind               text NOT NULL,
  risk               text NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
  approvals_needed   integer NOT NULL CHECK (approvals_needed BETWEEN 1 AND 5),
  status             text NOT NULL CHECK (status IN ('proposed', 'approved', 'running', 'succeeded', 'failed',
                       'rolled_back', 'rejected', 'expired', 'interrupted')),
  proposed_at        timestamptz NOT NULL,
  expires_at         timestamptz,
  approved_at        timestamptz,
  started_at         timestamptz,
  finished_at        timestamptz,
  -- The worker run that moved it to running; only that run may store the outcome.
  run_token          text,
  heartbeat_at       timestamptz,
  before             jsonb,
  after              jsonb,
  summary            text,
  output             text,
  can_rollback       boolean NOT NULL DEFAULT false,
  -- Rollback: requested once (conditional UPDATE), then run once.
  rollback_token     text,
  rollback_started_at timestamptz,
  rolled_back_at     timestamptz,
  auto_run_rule      text,
  version            integer NOT NULL DEFAULT 0,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX remediation_actions_incident ON remediation_actions (incident_id, id);
CREATE INDEX remediation_actions_pending ON remediation_actions (status, expires_at) WHERE status = 'proposed';
CREATE INDEX remediation_actions_service_approved ON remediation_actions (service, approved_at)
  WHERE approved_at IS NOT NULL;
CREATE INDEX remediation_actions_analysis ON remediation_actions (analysis_id, position);

CREATE TABLE remediation_approvals (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  remediation_id  bigint NOT NULL REFERENCES remediation_actions (id) ON DELETE CASCADE,
  actor           text NOT NULL,
  actor_display   text NOT NULL,
  request_id      text NOT NULL UNIQUE,
  at              timestamptz NOT NULL,
  -- Two different people: the same actor cannot approve one action twice.
  UNIQUE (remediation_id, actor)
);

-- Idempotency: a Slack action_ts/trigger_id (or a CLI id) is applied once; a replay changes nothing.
CREATE TABLE remediation_requests (
  request_id      text PRIMARY KEY,
  remediation_id  bigint NOT NULL,
  verb            text NOT NULL,
  actor           text NOT NULL,
  at              timestamptz NOT NULL,
  outcome         text NOT NULL
);

-- The append-only audit log: who, when, what, params, before/after, outcome. No foreign keys, so an
-- incident removed by retention leaves its audit trail intact; the triggers refuse UPDATE, DELETE, TRUNCATE.
CREATE TABLE audit_log (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at              timestamptz NOT NULL,
  incident_id     bigint,
  remediation_id  bigint,
  actor           text NOT NULL,
  event           text NOT NULL,
  action          jsonb,
  detail          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_incident ON audit_log (incident_id, id DESC);
CREATE INDEX audit_log_remediation ON audit_log (remediation_id, id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
