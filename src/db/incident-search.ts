/**
 * The incident memory's search documents (`incident_search`, migrations/005): one tsvector per incident
 * over its title, alert names and alert summaries, read by findSimilarIncidents (src/analysis/memory.ts).
 * Rewritten only when what it indexes can change — the incident opens or a new kind of alert joins —
 * never on a redelivery. Alert names come from `incident_alertnames` (migrations/030), summaries from a
 * bounded sample of the incident's alerts, so the cost does not grow with the incident.
 */

/** How many distinct alert summaries go into a document: enough to describe a storm, bounded in cost. */
const MAX_SUMMARIES = 50;
/**
 * How much of each summary is indexed: a tsvector holds at most 1 MB of lexemes (54000 past that), and an
 * annotation can be megabytes of distinct words. 50 × 4,000 characters stays far below the limit.
 */
const MAX_SUMMARY_CHARS = 4_000;
/**
 * How many of the incident's alerts the summaries are picked from: a new kind of alert joining an incident
 * of 300k alerts must not read them all (the distinct summaries of a storm show up in its first alerts).
 */
const SUMMARY_SAMPLE = 5_000;

/** CamelCase alert names also as words (KubePodCrashLooping → Kube Pod Crash Looping), in SQL. */
const split = (column: string) =>
  `${column} || ' ' || regexp_replace(${column}, '([a-z0-9])([A-Z])', '\\1 \\2', 'g')`;

/**
 * The statement (or CTE body) that rewrites the search documents of the incidents whose ids are in
 * `idsParam` (a bigint[] parameter); the other parameters are inlined constants.
 */
export const searchDocumentSql = (idsParam: string) =>
  `INSERT INTO incident_search (incident_id, document)
   SELECT i.id,
     setweight(to_tsvector('english', ${split('i.title')}), 'A')
     || setweight(to_tsvector('english', coalesce(
          (SELECT string_agg(${split('n.alertname')}, ' ')
           FROM incident_alertnames n WHERE n.incident_id = i.id), '')), 'A')
     || setweight(to_tsvector('english', coalesce(
          (SELECT string_agg(left(s.summary, ${MAX_SUMMARY_CHARS}), ' ')
           FROM (SELECT DISTINCT summary
                 FROM (SELECT summary FROM alerts WHERE incident_id = i.id LIMIT ${SUMMARY_SAMPLE}) sample
                 LIMIT ${MAX_SUMMARIES}) s), '')), 'B')
   FROM incidents i WHERE i.id = ANY(${idsParam}::bigint[])
   ON CONFLICT (incident_id) DO UPDATE SET document = EXCLUDED.document`;
