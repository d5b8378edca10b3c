-- Incident memory search: past incidents that read like a new one, found with PostgreSQL full-text search
-- over incident titles and their alerts' names and summaries (src/analysis/memory.ts).
-- CamelCase alert names are indexed whole and split into words (KubePodCrashLooping → kube pod crash
-- looping), so KubePodNotReady still shares "kube pod" with it. The 'english' configuration stems
-- ("restarting" → "restart") and drops stop words; queries must use the same configuration.
ALTER TABLE incidents ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', title || ' ' || regexp_replace(title, '([a-z0-9])([A-Z])', '\1 \2', 'g')), 'A')
) STORED;
CREATE INDEX incidents_search ON incidents USING gin (search);

ALTER TABLE alerts ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('english', alertname || ' ' || regexp_replace(alertname, '([a-z0-9])([A-Z])', '\1 \2', 'g')), 'A')
  || setweight(to_tsvector('english', summary), 'B')
) STORED;
CREATE INDEX alerts_search ON alerts USING gin (search);

-- Related alerts: other alerts in the same Kubernetes namespace in the hours around an incident.
CREATE INDEX alerts_namespace_last_seen ON alerts ((labels ->> 'namespace'), last_seen DESC);
