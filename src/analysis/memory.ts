/**
 * Incident memory: causes engineers confirmed, and the past incidents that resemble a new one, so an
 * analysis can say "in N of M similar past incidents the cause was X".
 */

import type { IncidentDetail } from '../db/incidents.ts';
import type { Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import type { SimilarIncident } from './input.ts';

/** Words of a CamelCase name, as the search index splits them (KubePodCrashLooping → Kube Pod Crash Looping). */
const splitCamel = (text: string): string => text.replace(/([a-z0-9])([A-Z])/g, '$1 $2');

/** At most this many words go into the search query: enough to describe an incident, cheap to match. */
const MAX_QUERY_WORDS = 48;

/**
 * The words that describe an incident (title, alert names, summaries), as a `websearch_to_tsquery` text
 * that matches any of them: past incidents sharing more (and rarer, heavier-weighted) words rank higher.
 * Only letters and digits are kept, so the text cannot carry search operators (quotes, `-`).
 */
export function similarityQueryText(incident: Pick<IncidentDetail, 'title' | 'alerts'>): string {
  const texts = [incident.title];
  for (const alert of incident.alerts.slice(0, 50)) texts.push(alert.alertname, alert.summary);
  const words = new Set<string>();
  for (const text of texts) {
    for (const word of `${text} ${splitCamel(text)}`.match(/[\p{L}\p{N}]+/gu) ?? []) {
      const lower = word.toLowerCase();
      // `or` is websearch_to_tsquery's operator; one-character words only add noise.
      if (lower.length < 2 || lower === 'or') continue;
      words.add(lower);
      if (words.size >= MAX_QUERY_WORDS) return [...words].join(' or ');
    }
  }
  return [...words].join(' or ');
}

/** Weights of the similarity score: sharing an alert name beats sharing words, which beats sharing a service. */
const SAME_ALERTNAME = 1;
const SAME_SERVICE = 0.3;
/** Candidates taken from each way of being similar before they are scored. */
const CANDIDATES_PER_KIND = 200;

/**
 * Past incidents that resemble this one, most alike first, with the causes engineers confirmed for them.
 * Candidates are past incidents whose title or alerts share words with this one (PostgreSQL full-text
 * search over each incident's document, src/db/incident-search.ts), or that share an alert name or the
 * service; each is scored by `ts_rank` of its document, plus a bonus for the same alert name and for the
 * same service. Ties go to the newest.
 */
export async function findSimilarIncidents(
  db: Queryable,
  incident: IncidentDetail,
  limit = 20,
): Promise<SimilarIncident[]> {
  const alertnames = [...new Set(incident.alerts.map((alert) => alert.alertname))];
  const result = await db.query<{
    id: number;
    title: string;
    service: string;
    opened_at: Date;
    score: number;
    causes: { title: string; category: string }[];
  }>(
    `WITH q AS (
       -- NULL when the text has no searchable words: matches nothing, ranks 0 (and no NOTICE).
       SELECT CASE WHEN numnode(t) > 0 THEN t END AS query FROM websearch_to_tsquery('english', $6) AS t
     ),
     names AS (SELECT jsonb_array_elements_text($3::jsonb) AS alertname),
     candidates AS (
       (SELECT s.incident_id AS id FROM incident_search s, q WHERE s.document @@ q.query AND s.incident_id <> $1
        ORDER BY ts_rank(s.document, q.query) DESC, s.incident_id DESC LIMIT $7)
       UNION
       (SELECT a.incident_id FROM alerts a WHERE a.alertname IN (SELECT alertname FROM names) AND a.incident_id <> $1
        ORDER BY a.incident_id DESC LIMIT $7)
       UNION
       (SELECT i.id FROM incidents i WHERE i.service = $2 AND i.id <> $1 ORDER BY i.id DESC LIMIT $7)
     ),
     scored AS (
       SELECT i.id, i.title, i.service, i.opened_at,
         coalesce((SELECT ts_rank(s.document, q.query, 32) FROM incident_search s
                   WHERE s.incident_id = i.id AND s.document @@ q.query), 0)::float8
         + CASE WHEN EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id
                             AND a.alertname IN (SELECT alertname FROM names)) THEN $8::float8 ELSE 0 END
         + CASE WHEN i.service = $2 THEN $9::float8 ELSE 0 END AS score
       FROM candidates c JOIN incidents i ON i.id = c.id, q
       WHERE i.opened_at <= $4
     )
     SELECT s.id, s.title, s.service, s.opened_at, s.score,
       coalesce((SELECT jsonb_agg(jsonb_build_object('title', c.title, 'category', c.category) ORDER BY c.id)
                 FROM confirmed_causes c WHERE c.incident_id = s.id), '[]'::jsonb) AS causes
     FROM scored s
     ORDER BY s.score DESC, s.id DESC LIMIT $5`,
    [
      incident.id,
      incident.service,
      jsonParam(alertnames),
      incident.openedAt,
      limit,
      similarityQueryText(incident),
      CANDIDATES_PER_KIND,
      SAME_ALERTNAME,
      SAME_SERVICE,
    ],
  );
  return result.rows.map((row) => ({
    id: row.id,
    title: row.title,
    service: row.service,
    openedAt: new Date(row.opened_at).toISOString(),
    confirmedCauses: row.causes,
    score: Math.round(Number(row.score) * 1000) / 1000,
  }));
}

export async function serviceHistory(
  db: Queryable,
  service: string,
  limit = 10,
): Promise<{ id: number; title: string; status: string; openedAt: string; causes: string[] }[]> {
  const result = await db.query<{
    id: number;
    title: string;
    status: string;
    opened_at: Date;
    causes: string[];
  }>(
    `SELECT i.id, i.title, i.status, i.opened_at,
       coalesce((SELECT jsonb_agg(c.title ORDER BY c.id) FROM confirmed_causes c WHERE c.incident_id = i.id), '[]'::jsonb) AS causes
     FROM incidents i WHERE i.service = $1 ORDER BY i.id DESC LIMIT $2`,
    [service, limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    title: row.title,
    status: row.status,
    openedAt: new Date(row.opened_at).toISOString(),
    causes: row.causes,
  }));
}

/** The causes engineers confirmed for one incident, oldest first. */
export async function confirmedCausesOf(
  db: Queryable,
  incidentId: number,
): Promise<{ title: string; category: string; confirmedBy: string; confirmedAt: string }[]> {
  const result = await db.query<{
    title: string;
    category: string;
    confirmed_by: string;
    confirmed_at: Date;
  }>(
    'SELECT title, category, confirmed_by, confirmed_at FROM confirmed_causes WHERE incident_id = $1 ORDER BY id',
    [incidentId],
  );
  return result.rows.map((row) => ({
    title: row.title,
    category: row.category,
    confirmedBy: row.confirmed_by,
    confirmedAt: new Date(row.confirmed_at).toISOString(),
  }));
}
