-- Fix PRs (issue 9): one row per incident and fix, claimed before anything is written to GitHub, so a double
-- click (or two replicas) opens one PR; the PR's fate (review requested, merged, closed) is kept here too.
CREATE TABLE fix_prs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id   bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  fix_key       text NOT NULL,
  service       text NOT NULL,
  repo          text NOT NULL,
  base          text NOT NULL,
  branch        text NOT NULL,
  title         text NOT NULL,
  -- opening: claimed, being written; failed: the last attempt failed (a new click retries);
  -- open / review_requested / merged / closed: the PR's state on GitHub.
  status        text NOT NULL CHECK (status IN ('opening', 'failed', 'open', 'review_requested', 'merged', 'closed')),
  pr_number     integer,
  pr_url        text,
  requested_by  text NOT NULL,
  error         text,
  -- Who merged / closed / was asked to review, as GitHub logins.
  state_actor   text,
  -- The last PR event told in the thread (`merged:alice`), so a replayed webhook or poll tells nothing twice.
  last_event    text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  UNIQUE (incident_id, fix_key)
);
CREATE INDEX fix_prs_repo_number ON fix_prs (repo, pr_number);
-- The poll looks at PRs that are still open.
CREATE INDEX fix_prs_open ON fix_prs (updated_at) WHERE status IN ('open', 'review_requested');
