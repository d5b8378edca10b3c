/**
 * Group correlation: webhook deliveries that arrive while earlier ones are being written go through ONE
 * transaction together (ingestBatch), answered after its commit — the statements, round trips and commit a
 * delivery would pay alone are shared by the batch. Nothing waits on a timer: a delivery that finds a
 * free slot starts at once (alone, at low load), and only deliveries that arrive while every slot is busy
 * are batched, so batching grows with the load and adds no latency without it.
 *
 * A batch that fails for any reason but an outage is run again one delivery at a time, so one bad delivery
 * fails alone (stored as `failed`, as ever) and the others are answered as if it had not been there. An
 * outage fails the batch's deliveries with it (the senders retry), as it fails a delivery alone.
 */
import { DatabaseUnavailableError, isConnectionError } from '../errors.ts';
import {
  type IngestDeps,
  type IngestRequest,
  type IngestResult,
  ingestAlone,
  ingestBatch,
  normalizeDelivery,
  type PendingDelivery,
} from './ingest.ts';

export interface BatchOptions {
  /** Transactions in flight at once (each a batch); the database pool should hold more connections. */
  slots: number;
  /** The most deliveries one transaction carries. */
  maxBatch: number;
  /**
   * How long a delivery may wait for a slot before it is refused as "database unavailable" (503, the sender
   * retries): a database that hangs (a lock never released) must not hold requests and memory without end.
   */
  maxWaitMs?: number;
}

/** Defaults: measured in `npm run bench:floor` (docs/performance.md), within a 10-connection pool. */
export const DEFAULT_BATCH: BatchOptions = { slots: 4, maxBatch: 32, maxWaitMs: 60_000 };

interface Waiting {
  pending: PendingDelivery;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

export interface IngestBatcher {
  /** Ingests one delivery with whatever else is waiting; a bad body throws before anything is queued. */
  ingest(request: IngestRequest): Promise<IngestResult>;
  /** Deliveries per transaction so far (for metrics and the bench). */
  readonly stats: { batches: number; deliveries: number };
}

export function createIngestBatcher(deps: IngestDeps, options: BatchOptions = DEFAULT_BATCH): IngestBatcher {
  const queue: Waiting[] = [];
  const stats = { batches: 0, deliveries: 0 };
  let busy = 0;

  const maxWaitMs = options.maxWaitMs ?? DEFAULT_BATCH.maxWaitMs ?? 60_000;
  const pump = () => {
    while (busy < options.slots && queue.length > 0) {
      const batch = queue.splice(0, options.maxBatch);
      for (const waiting of batch) clearTimeout(waiting.timer);
      busy += 1;
      void run(batch).finally(() => {
        busy -= 1;
        pump();
      });
    }
  };

  const run = async (batch: Waiting[]) => {
    stats.batches += 1;
    stats.deliveries += batch.length;
    if (batch.length === 1) {
      const [only] = batch as [Waiting];
      await ingestAlone(deps, only.pending).then(only.resolve, only.reject);
      return;
    }
    try {
      const results = await ingestBatch(
        deps,
        batch.map((waiting) => waiting.pending),
      );
      for (const [index, waiting] of batch.entries()) waiting.resolve(results[index] as IngestResult);
    } catch (error) {
      if (isConnectionError(error)) {
        // The database is down: the deliveries still waiting would only find that out one batch at a time.
        for (const waiting of [...batch, ...queue.splice(0)]) {
          clearTimeout(waiting.timer);
          waiting.reject(error);
        }
        return;
      }
      // Which delivery failed the batch is not known: each goes again alone, in the order they came.
      deps.logger?.warn(
        { err: error, deliveries: batch.length },
        'a batch of deliveries failed; ingesting them one at a time',
      );
      for (const waiting of batch)
        await ingestAlone(deps, waiting.pending).then(waiting.resolve, waiting.reject);
    }
  };

  return {
    stats,
    ingest(request) {
      return new Promise<IngestResult>((resolve, reject) => {
        const pending = { request, normalized: normalizeDelivery(deps, request) };
        const waiting: Waiting = {
          pending,
          resolve,
          reject,
          timer: setTimeout(() => {
            const index = queue.indexOf(waiting);
            if (index < 0) return;
            queue.splice(index, 1);
            reject(new DatabaseUnavailableError(new Error(`no ingest slot free within ${maxWaitMs} ms`)));
          }, maxWaitMs),
        };
        queue.push(waiting);
        pump();
      });
    },
  };
}
