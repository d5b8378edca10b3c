-- Which labels decided an alert's and an incident's service (src/ingest/service.ts), shown on the incident:
-- {"rule": "pod", "labels": {"pod": "api-7d9f8b6c5d-x2k4q", "container": "api"}}. NULL for rows stored before.
ALTER TABLE alerts ADD COLUMN service_source jsonb;
ALTER TABLE incidents ADD COLUMN service_source jsonb;
