-- Incident memory search, take two: one document per incident in its own table, written only when the
-- incident opens or a new kind of alert joins it (src/ingest/correlate.ts). The generated columns of
-- 004 were recomputed by every alert upsert — every Alertmanager redelivery — and cost about a quarter
-- of ingest throughput (npm run bench: ~3,000 → ~4,000 alerts/s without them).
ALTER TABLE alerts DROP COLUMN search;
ALTER TABLE incidents DROP COLUMN search;

CREATE TABLE incident_search (
  incident_id  bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
  -- Title and alert names (weight A; CamelCase names also split into words: KubePodCrashLooping →
  -- kube pod crash looping) and alert summaries (weight B), with the 'english' configuration.
  document     tsvector NOT NULL
);
CREATE INDEX incident_search_document ON incident_search USING gin (document);

INSERT INTO incident_search (incident_id, document)
SELECT i.id,
  setweight(to_tsvector('english', i.title || ' ' || regexp_replace(i.title, '([a-z0-9])([A-Z])', '\1 \2', 'g')), 'A')
  || setweight(to_tsvector('english', coalesce(n.names, '')), 'A')
  || setweight(to_tsvector('english', coalesce(n.summaries, '')), 'B')
FROM incidents i
LEFT JOIN LATERAL (
  SELECT string_agg(DISTINCT a.alertname || ' ' || regexp_replace(a.alertname, '([a-z0-9])([A-Z])', '\1 \2', 'g'), ' ') AS names,
         string_agg(DISTINCT a.summary, ' ') AS summaries
  FROM alerts a WHERE a.incident_id = i.id
) n ON true;
