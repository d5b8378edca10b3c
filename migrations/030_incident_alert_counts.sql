-- Ingest cost independent of incident size (issue 13): every delivery used to recount its incident's
-- alerts (count(*), the distinct severities, the distinct alert names) under the incident's lock, so a
-- delivery into an incident of 300k alerts read 300k rows. The incident now keeps its counts per severity
-- (alert_count and firing_count were already there) and its alert names in a small table, all maintained
-- by deltas in the delivery's own transaction (src/ingest/correlate.ts).
ALTER TABLE incidents
  ADD COLUMN critical_alert_count integer NOT NULL DEFAULT 0,
  ADD COLUMN high_alert_count     integer NOT NULL DEFAULT 0,
  ADD COLUMN warning_alert_count  integer NOT NULL DEFAULT 0,
  ADD COLUMN info_alert_count     integer NOT NULL DEFAULT 0;

-- The distinct alert names of an incident: a delivery learns which of its names are new from one
-- INSERT … ON CONFLICT DO NOTHING (a new kind of alert re-analyzes the incident and rewrites its search
-- document). Alert names are bounded to 1 KiB on ingest (src/ingest/sanitize.ts), within a btree entry.
CREATE TABLE incident_alertnames (
  incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  alertname    text NOT NULL,
  PRIMARY KEY (incident_id, alertname)
);

INSERT INTO incident_alertnames (incident_id, alertname)
SELECT DISTINCT incident_id, alertname FROM alerts;

UPDATE incidents i SET
  alert_count = s.total,
  firing_count = s.firing,
  critical_alert_count = s.critical,
  high_alert_count = s.high,
  warning_alert_count = s.warning,
  info_alert_count = s.info
FROM (
  SELECT incident_id, count(*) AS total,
    count(*) FILTER (WHERE status = 'firing') AS firing,
    count(*) FILTER (WHERE severity = 'critical') AS critical,
    count(*) FILTER (WHERE severity = 'high') AS high,
    count(*) FILTER (WHERE severity = 'warning') AS warning,
    count(*) FILTER (WHERE severity = 'info') AS info
  FROM alerts GROUP BY incident_id
) s
WHERE s.incident_id = i.id;
