/** Prometheus metrics, one registry per app instance (tests build many apps in one process). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  alertsReceived: Counter<'source' | 'status'>;
  incidentsOpened: Counter<'source'>;
  webhookRejects: Counter<'source' | 'reason'>;
  webhookDuration: Histogram<'source' | 'code'>;
  deliveries: Counter<'source' | 'outcome'>;
  slackMessages: Counter<'kind' | 'result'>;
  llmTokens: Counter<'kind'>;
  llmRequests: Counter<'outcome'>;
  analysisDuration: Histogram<'analyzer'>;
}

export function createMetrics(options: { collectProcessMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.collectProcessMetrics) collectDefaultMetrics({ register: registry, prefix: 'aiops_' });
  return {
    registry,
    alertsReceived: new Counter({
      name: 'aiops_alerts_received_total',
      help: 'Alerts received in accepted webhook deliveries, by source and alert status.',
      labelNames: ['source', 'status'],
      registers: [registry],
    }),
    incidentsOpened: new Counter({
      name: 'aiops_incidents_opened_total',
      help: 'Incidents opened, by source.',
      labelNames: ['source'],
      registers: [registry],
    }),
    webhookRejects: new Counter({
      name: 'aiops_webhook_rejects_total',
      help: 'Webhook requests answered with an error, by source and reason.',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
    webhookDuration: new Histogram({
      name: 'aiops_webhook_duration_seconds',
      help: 'Time from request to answer for webhook deliveries.',
      labelNames: ['source', 'code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'aiops_webhook_deliveries_total',
      help: 'Webhook deliveries stored, by source and outcome (processed, ignored, duplicate).',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    slackMessages: new Counter({
      name: 'aiops_slack_messages_total',
      help: 'Slack outbox sends by message kind (root, update_root, reply) and result (sent, retry, dead, rerouted, …).',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: 'aiops_llm_tokens_total',
      help: 'Tokens of LLM calls, by kind (input, output, cache_read, cache_write).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    llmRequests: new Counter({
      name: 'aiops_llm_requests_total',
      help: 'LLM answers by outcome (ok, repaired, invalid, api, refused); all but ok/repaired fell back offline.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    analysisDuration: new Histogram({
      name: 'aiops_analysis_duration_seconds',
      help: 'Time to analyze an incident (context excluded), by the analyzer that answered.',
      labelNames: ['analyzer'],
      buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 1, 2.5, 5, 10, 20, 40],
      registers: [registry],
    }),
  };
}

/**
 * Gauges read from the database at scrape time. Backlog: jobs and Slack messages by status (a growing
 * pending count is the first sign of a stuck worker or a Slack outage; `dead` needs a human). Size: the
 * database on disk, and each table's size (with its indexes and TOAST) and estimated rows — the planner's
 * estimate, kept by (auto)vacuum and ANALYZE, not a count(*) of a million-row table at every scrape.
 */
export function registerBacklogGauges(
  metrics: Metrics,
  db: { query<T>(sql: string): Promise<{ rows: T[] }> },
): void {
  // /metrics must answer while the database is down (that is when it matters): no rows, no series.
  const backlog = async <T>(sql: string): Promise<T[]> => {
    try {
      return (await db.query<T>(sql)).rows;
    } catch {
      return [];
    }
  };
  new Gauge({
    name: 'aiops_jobs',
    help: 'Jobs on the durable queue, by kind and status.',
    labelNames: ['kind', 'status'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const rows = await backlog<{ kind: string; status: string; n: number }>(
        'SELECT kind, status, count(*)::int AS n FROM jobs GROUP BY kind, status',
      );
      for (const row of rows) this.set({ kind: row.kind, status: row.status }, Number(row.n));
    },
  });
  new Gauge({
    name: 'aiops_slack_outbox',
    help: 'Slack outbox messages by status (pending, sent, dead).',
    labelNames: ['status'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const rows = await backlog<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM slack_outbox GROUP BY status',
      );
      for (const row of rows) this.set({ status: row.status }, Number(row.n));
    },
  });
  new Gauge({
    name: 'aiops_database_size_bytes',
    help: 'Size of the database on disk (pg_database_size), PostgreSQL or the embedded PGlite.',
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const rows = await backlog<{ size: number }>('SELECT pg_database_size(current_database()) AS size');
      if (rows[0]) this.set(Number(rows[0].size));
    },
  });
  const tables = async () =>
    backlog<{ name: string; size: number; rows: number }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS size, c.reltuples::float8 AS rows
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname = current_schema()`,
    );
  new Gauge({
    name: 'aiops_table_size_bytes',
    help: 'Size of each table with its indexes and TOAST (pg_total_relation_size).',
    labelNames: ['table'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const row of await tables()) this.set({ table: row.name }, Number(row.size));
    },
  });
  new Gauge({
    name: 'aiops_table_rows_estimate',
    help: 'Rows of each table as the planner estimates them (pg_class.reltuples, as of the last (auto)vacuum or ANALYZE; absent before the first).',
    labelNames: ['table'],
    registers: [metrics.registry],
    async collect() {
      this.reset();
      for (const row of await tables())
        if (Number(row.rows) >= 0) this.set({ table: row.name }, Number(row.rows));
    },
  });
}
