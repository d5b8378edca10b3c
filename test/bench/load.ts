/**
 * The load generator: closed-loop (N clients, each sends its next request when the previous one is
 * answered) and open-loop (requests sent on a fixed schedule, whatever the answers), over node:http with a
 * keep-alive agent. Runs in its own process (see loadgen.ts) so it does not share the server's event loop.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  type BodyFormat,
  formatBody,
  StormGenerator,
  TrafficGenerator,
  type TrafficOptions,
} from './payloads.ts';
import { type LatencySummary, summarize } from './stats.ts';

export type BodySource =
  | { kind: 'traffic'; options: TrafficOptions }
  | { kind: 'storm'; options: { seed: number; services: number; alertsPerGroup: number; tag: string } };

export type PhaseSpec =
  /** Until `durationMs` has passed, or (when set) `maxRequests` have been sent. */
  | {
      mode: 'closed';
      url: string;
      concurrency: number;
      durationMs: number;
      maxRequests?: number;
      bodies: BodySource;
      /** Our webhook (default) or Alertmanager's own `POST /api/v2/alerts`, with the same alerts. */
      format?: BodyFormat;
      /** The answer that counts as accepted: 202 (ours, default); Alertmanager's API answers 200. */
      okStatus?: number;
      /** Return every latency, not only the summary (to merge several phases' percentiles). */
      keepLatencies?: boolean;
    }
  /** `count` requests at `rate` per second, evenly spaced. */
  | {
      mode: 'open';
      url: string;
      rate: number;
      count: number;
      bodies: BodySource;
      format?: BodyFormat;
      okStatus?: number;
    };

export interface PhaseResult {
  mode: PhaseSpec['mode'];
  requests: number;
  accepted: number;
  failed: number;
  statuses: Record<string, number>;
  firstFailure: string | null;
  /** Alerts carried by accepted (202) requests. */
  alertsAccepted: number;
  elapsedMs: number;
  /** Send → 202, measured from when the request was due (open loop) or sent (closed loop). */
  latency: LatencySummary;
  /** Open loop only: how late the generator sent a request compared with its schedule (max, ms). */
  maxSendLagMs: number;
  /** CPU the load generator itself used during the phase (ms of user + system time). */
  generatorCpuMs: number;
  /** Every accepted request's latency (ms), in completion order; only with `keepLatencies`. */
  latencies?: number[];
  newGroups: number;
  redeliveries: number;
}

interface Sender {
  send(body: string): Promise<{ status: number; text: string }>;
  close(): void;
}

function createSender(url: string, maxSockets: number, okStatus = 202): Sender {
  const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  const target = new URL(url);
  return {
    send(body) {
      return new Promise((resolve, reject) => {
        const request = http.request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (response) => {
            const status = response.statusCode ?? 0;
            if (status === okStatus) {
              response.resume();
              response.on('end', () => resolve({ status, text: '' }));
              return;
            }
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () =>
              resolve({ status, text: Buffer.concat(chunks).toString('utf8').slice(0, 500) }),
            );
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

function bodyFactory(
  source: BodySource,
  format: BodyFormat = 'webhook',
): {
  next(): string;
  alertsPerBody: number;
  counts(): { newGroups: number; redeliveries: number };
} {
  if (source.kind === 'traffic') {
    const generator = new TrafficGenerator(source.options);
    return {
      next: () => formatBody(generator.nextGroup(), format),
      alertsPerBody: source.options.alertsPerGroup,
      counts: () => ({ newGroups: generator.newGroups, redeliveries: generator.redeliveries }),
    };
  }
  const generator = new StormGenerator(source.options);
  let sent = 0;
  return {
    next: () => {
      sent += 1;
      return formatBody(generator.nextGroup(), format);
    },
    alertsPerBody: source.options.alertsPerGroup,
    counts: () => ({ newGroups: sent, redeliveries: 0 }),
  };
}

class Recorder {
  constructor(private readonly okStatus = 202) {}
  readonly latencies: number[] = [];
  readonly statuses: Record<string, number> = {};
  accepted = 0;
  failed = 0;
  firstFailure: string | null = null;

  record(status: number | 'error', ms: number, detail: string): void {
    const key = String(status);
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    if (status === this.okStatus) {
      this.accepted += 1;
      this.latencies.push(ms);
    } else {
      this.failed += 1;
      this.firstFailure ??= `${key}: ${detail}`;
    }
  }
}

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

async function runClosed(spec: Extract<PhaseSpec, { mode: 'closed' }>): Promise<PhaseResult> {
  const sender = createSender(spec.url, spec.concurrency, spec.okStatus);
  const bodies = bodyFactory(spec.bodies, spec.format);
  const recorder = new Recorder(spec.okStatus);
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const deadline = start + spec.durationMs;
  const maxRequests = spec.maxRequests ?? Number.POSITIVE_INFINITY;
  let sent = 0;

  const client = async () => {
    while (performance.now() < deadline && sent < maxRequests) {
      sent += 1;
      const body = bodies.next();
      const sentAt = performance.now();
      try {
        const answer = await sender.send(body);
        recorder.record(answer.status, performance.now() - sentAt, answer.text);
      } catch (error) {
        recorder.record('error', performance.now() - sentAt, (error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, client));
  const elapsedMs = performance.now() - start;
  sender.close();
  return {
    mode: 'closed',
    requests: recorder.accepted + recorder.failed,
    accepted: recorder.accepted,
    failed: recorder.failed,
    statuses: recorder.statuses,
    firstFailure: recorder.firstFailure,
    alertsAccepted: recorder.accepted * bodies.alertsPerBody,
    elapsedMs,
    latency: summarize(recorder.latencies),
    maxSendLagMs: 0,
    generatorCpuMs: cpuMsSince(cpuStart),
    ...(spec.keepLatencies ? { latencies: recorder.latencies } : {}),
    ...bodies.counts(),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function runOpen(spec: Extract<PhaseSpec, { mode: 'open' }>): Promise<PhaseResult> {
  // Enough sockets that a slow answer never delays the next send (open loop: no coordinated omission).
  const sender = createSender(spec.url, 256, spec.okStatus);
  const bodies = bodyFactory(spec.bodies, spec.format);
  const recorder = new Recorder(spec.okStatus);
  const intervalMs = 1000 / spec.rate;
  // Bodies are built ahead so building one never delays a send.
  const prepared = Array.from({ length: spec.count }, () => bodies.next());
  const inFlight: Promise<void>[] = [];
  let maxSendLagMs = 0;

  // Warm the connection pool a little so the first requests do not pay for TCP connects.
  const cpuStart = process.cpuUsage();
  const start = performance.now() + 20;
  let index = 0;
  while (index < spec.count) {
    const now = performance.now();
    while (index < spec.count && start + index * intervalMs <= now) {
      const dueAt = start + index * intervalMs;
      const body = prepared[index] as string;
      prepared[index] = '';
      maxSendLagMs = Math.max(maxSendLagMs, performance.now() - dueAt);
      inFlight.push(
        sender.send(body).then(
          (answer) => recorder.record(answer.status, performance.now() - dueAt, answer.text),
          (error: Error) => recorder.record('error', performance.now() - dueAt, error.message),
        ),
      );
      index += 1;
    }
    if (index < spec.count) await sleep(Math.max(0, start + index * intervalMs - performance.now()));
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - start;
  sender.close();
  return {
    mode: 'open',
    requests: recorder.accepted + recorder.failed,
    accepted: recorder.accepted,
    failed: recorder.failed,
    statuses: recorder.statuses,
    firstFailure: recorder.firstFailure,
    alertsAccepted: recorder.accepted * bodies.alertsPerBody,
    elapsedMs,
    latency: summarize(recorder.latencies),
    maxSendLagMs,
    generatorCpuMs: cpuMsSince(cpuStart),
    ...bodies.counts(),
  };
}

export function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  return spec.mode === 'closed' ? runClosed(spec) : runOpen(spec);
}
