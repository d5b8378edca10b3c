/**
 * Remediation test harness: an automation endpoint (node:http, speaking what the HTTP-job executor sends)
 * that counts every request it receives, an incident ingested through the real pipeline, and its
 * analysis stored through the real use-case (which creates the proposed rows).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ComputedAnalysis } from '../../src/analysis/analyze.ts';
import { analysisSchema, type ProposedAction } from '../../src/analysis/schema.ts';
import { executorsFromConfig } from '../../src/app.ts';
import type { ManualClock } from '../../src/clock.ts';
import { type Config, configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { storeAndPostAnalysis } from '../../src/incidents/analyse.ts';
import type { RemediationDeps } from '../../src/incidents/remediation.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { remediationJobHandlers } from '../../src/jobs/handlers.ts';
import { JobWorker } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { alertmanagerBody, type TestAlert } from './payloads.ts';

export interface JobServer {
  url: string;
  /** Every request, in arrival order. */
  requests: { path: string; body: string; authorization: string | undefined }[];
  count(path?: string): number;
  /** Ends the requests held by `/hang…` paths. */
  release(): void;
  close(): Promise<void>;
}

export async function startJobServer(): Promise<JobServer> {
  const requests: JobServer['requests'] = [];
  const held = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({
        path,
        body: Buffer.concat(chunks).toString('utf8'),
        authorization: req.headers.authorization,
      });
      if (path.startsWith('/hang')) {
        held.add(() => res.destroy());
        return;
      }
      const status = path.startsWith('/fail') ? 500 : 201;
      // No keep-alive: a test that pauses longer than the server's keep-alive timeout must not see a reset.
      res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ job: requests.length, status: status === 201 ? 'pending' : 'error' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (path) => requests.filter((request) => path === undefined || request.path === path).length,
    release() {
      for (const end of held) end();
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const end of held) end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const TOKEN_ENV = { AWX_TOKEN: 'awx-test-token' };

/** aiops.yml with remediation on, the checkout service's approvers, and jobs on the fake server. */
export function remediationYaml(server: JobServer, extra = ''): string {
  return `
services:
  - name: checkout
    approvers: [U0ALICE, U0BOB, "@sre", alice, bob]
  - name: billing
remediation:
  enabled: true
  kubernetes: { namespaces: [shop] }
  ansible: { playbookDir: ./playbooks, hosts: ["web-*"] }
  http:
    jobs:
      restart-web: { url: "${server.url}/restart", secretEnv: AWX_TOKEN, auth: bearer, rollback: undo-web }
      undo-web: { url: "${server.url}/undo", secretEnv: AWX_TOKEN, auth: bearer }
      risky: { url: "${server.url}/risky", secretEnv: AWX_TOKEN, auth: bearer }
      slow: { url: "${server.url}/hang", secretEnv: AWX_TOKEN, auth: bearer, timeoutSeconds: 600 }
      broken: { url: "${server.url}/fail", secretEnv: AWX_TOKEN, auth: bearer }
${extra}`;
}

export async function remediationDepsFor(
  db: Db,
  config: Config,
  clock: ManualClock,
): Promise<RemediationDeps> {
  return {
    db,
    clock,
    logger: createLogger('silent'),
    config,
    executors: await executorsFromConfig(config, clock),
  };
}

export function configWith(server: JobServer, riskAndMore = ''): Config {
  return configFrom(TOKEN_ENV, remediationYaml(server, riskAndMore));
}

const DEFAULT_ALERT: TestAlert = {
  labels: {
    alertname: 'CheckoutErrors',
    service: 'checkout',
    namespace: 'shop',
    deployment: 'checkout',
    pod: 'checkout-7d9f8b6c5-x2x9z',
    instance: 'web-1:9100',
  },
  annotations: { summary: 'checkout errors', remediation_job: 'restart-web' },
};

/** Ingests an incident (through the real pipeline) and stores an analysis proposing `actions`. */
export async function incidentWithProposals(
  deps: { db: Db; config: Config; clock: ManualClock },
  options: { actions?: ProposedAction[]; alerts?: TestAlert[]; groupKey?: string } = {},
): Promise<{ incidentId: number; analysisId: number }> {
  const body = alertmanagerBody({
    groupKey: options.groupKey ?? `{}:{alertname="CheckoutErrors",n="${Math.random()}"}`,
    alerts: options.alerts ?? [DEFAULT_ALERT],
  });
  const ingested = await ingestDelivery(deps, { source: 'alertmanager', rawBody: JSON.stringify(body) });
  const incidentId = ingested.incidentIds[0] as number;
  const computed: ComputedAnalysis = {
    incidentId,
    latencyMs: 1,
    analysis: analysisSchema.parse({
      summary: 'checkout is failing',
      rootCauses: [],
      nextSteps: [],
      proposedActions: options.actions ?? [],
      proposedFixes: [],
      analyzer: 'offline',
    }),
  };
  const stored = await storeAndPostAnalysis(deps, computed);
  return { incidentId, analysisId: stored?.id as number };
}

/** A job worker that consumes only run-remediation jobs. */
export function remediationWorker(deps: RemediationDeps, workerId?: string, leaseMs = 60_000): JobWorker {
  return new JobWorker({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    handlers: remediationJobHandlers(deps),
    leaseMs,
    ...(workerId ? { workerId } : {}),
  });
}
