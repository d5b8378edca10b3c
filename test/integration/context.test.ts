/**
 * Context gathering against real databases (PGlite, and PostgreSQL when TEST_DATABASE_URL is set), with
 * incidents seeded through the real ingest path, GitHub faked at the HTTP boundary with nock, and Prometheus
 * faked by a local HTTP server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatherOptions, gatherContext, type SourceReport } from '../../src/analysis/context/index.ts';
import {
  parseGeneratorUrl,
  splitThreshold,
  stepFor,
  summarizeSeries,
} from '../../src/analysis/context/prometheus.ts';
import { findSimilarIncidents, similarityQueryText } from '../../src/analysis/memory.ts';
import { type createGitHubClient, gitHubClientFromEnv } from '../../src/clients/github.ts';
import { ManualClock } from '../../src/clock.ts';
import { type Config, configFrom } from '../../src/config.ts';
import { getIncident } from '../../src/db/incidents.ts';
import type { Db } from '../../src/db/index.ts';
import { confirmCause } from '../../src/incidents/confirm-cause.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { testDatabases } from '../support/databases.ts';
import { alertmanagerBody, type TestAlert } from '../support/payloads.ts';

const GHE = 'https://github.example';
const GHE_API = `${GHE}/api/v3`;
const MINUTE = 60_000;
const iso = (at: string) => new Date(at).toISOString();
const seconds = (at: string) => Date.parse(at) / 1000;

function testLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

const source = (sources: SourceReport[], name: string) => sources.find((entry) => entry.name === name);

// ---------------------------------------------------------------------------------------------------------
// GitHub REST API response shapes (trimmed of the long tail of *_url fields, otherwise as GitHub sends them).

const githubUser = (login: string, id: number) => ({
  login,
  id,
  node_id: `MDQ6VXNlcj${id}`,
  avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
  gravatar_id: '',
  url: `${GHE_API}/users/${login}`,
  html_url: `${GHE}/${login}`,
  type: 'User',
  site_admin: false,
});

function pullRequest(options: {
  number: number;
  title: string;
  user: string;
  updatedAt: string;
  mergedAt: string | null;
  mergeSha?: string;
}) {
  const repoUrl = `${GHE_API}/repos/acme/cart`;
  const branch = (ref: string, sha: string) => ({
    label: `acme:${ref}`,
    ref,
    sha,
    user: githubUser('acme', 9),
    repo: { id: 1296269, name: 'cart', full_name: 'acme/cart', private: true, default_branch: 'main' },
  });
  return {
    url: `${repoUrl}/pulls/${options.number}`,
    id: 1_000_000 + options.number,
    node_id: `PR_kwDOA${options.number}`,
    html_url: `${GHE}/acme/cart/pull/${options.number}`,
    diff_url: `${GHE}/acme/cart/pull/${options.number}.diff`,
    patch_url: `${GHE}/acme/cart/pull/${options.number}.patch`,
    issue_url: `${repoUrl}/issues/${options.number}`,
    number: options.number,
    state: 'closed',
    locked: false,
    title: options.title,
    user: githubUser(options.user, 100 + options.number),
    body: 'Please pull these awesome changes in!',
    created_at: '2026-02-27T12:00:00Z',
    updated_at: options.updatedAt,
    closed_at: options.mergedAt ?? options.updatedAt,
    merged_at: options.mergedAt,
    merge_commit_sha: options.mergeSha ?? null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    labels: [],
    milestone: null,
    draft: false,
    commits_url: `${repoUrl}/pulls/${options.number}/commits`,
    statuses_url: `${repoUrl}/statuses/${options.mergeSha ?? 'deadbeef'}`,
    head: branch(`feature-${options.number}`, '6dcb09b5b57875f334f61aebed695e2e4193db5e'),
    base: branch('main', '9c48853fa3dc5c1c3d6f1f1cd1f2743e72652840'),
    _links: { html: { href: `${GHE}/acme/cart/pull/${options.number}` } },
    author_association: 'MEMBER',
    auto_merge: null,
    active_lock_reason: null,
  };
}

function commit(options: { sha: string; message: string; login: string | null; name: string; date: string }) {
  const person = {
    name: options.name,
    email: `${options.name.toLowerCase()}@acme.example`,
    date: options.date,
  };
  return {
    url: `${GHE_API}/repos/acme/cart/commits/${options.sha}`,
    sha: options.sha,
    node_id: `C_kwDOA${options.sha.slice(0, 8)}`,
    html_url: `${GHE}/acme/cart/commit/${options.sha}`,
    comments_url: `${GHE_API}/repos/acme/cart/commits/${options.sha}/comments`,
    commit: {
      url: `${GHE_API}/repos/acme/cart/git/commits/${options.sha}`,
      author: person,
      committer: person,
      message: options.message,
      tree: { url: `${GHE_API}/repos/acme/cart/tree/${options.sha}`, sha: options.sha },
      comment_count: 0,
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    author: options.login ? githubUser(options.login, 7) : null,
    committer: options.login ? githubUser(options.login, 7) : null,
    parents: [
      { url: `${GHE_API}/repos/acme/cart/commits/7638417d`, sha: '7638417db6d59f3c431d3e1f261cc637155684cd' },
    ],
  };
}

function deployment(options: {
  id: number;
  ref: string;
  environment: string;
  createdAt: string;
  creator: string;
}) {
  const url = `${GHE_API}/repos/acme/cart/deployments/${options.id}`;
  return {
    url,
    id: options.id,
    node_id: `DE_kwDOA${options.id}`,
    sha: 'a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d',
    ref: options.ref,
    task: 'deploy',
    payload: {},
    original_environment: options.environment,
    environment: options.environment,
    description: null,
    creator: githubUser(options.creator, 55),
    created_at: options.createdAt,
    updated_at: options.createdAt,
    statuses_url: `${url}/statuses`,
    repository_url: `${GHE_API}/repos/acme/cart`,
    transient_environment: false,
    production_environment: true,
  };
}

function deploymentStatus(options: { deploymentId: number; state: string; createdAt: string }) {
  const deploymentUrl = `${GHE_API}/repos/acme/cart/deployments/${options.deploymentId}`;
  return {
    url: `${deploymentUrl}/statuses/1`,
    id: 1,
    node_id: 'MDE2OkRlcGxveW1lbnRTdGF0dXMx',
    state: options.state,
    creator: githubUser('deploy-bot', 77),
    description: 'Deployment finished successfully.',
    environment: 'production',
    target_url: `https://ci.acme.example/deploys/${options.deploymentId}`,
    created_at: options.createdAt,
    updated_at: options.createdAt,
    deployment_url: deploymentUrl,
    repository_url: `${GHE_API}/repos/acme/cart`,
    environment_url: 'https://cart.acme.example',
    log_url: `https://ci.acme.example/deploys/${options.deploymentId}/log`,
  };
}

// ---------------------------------------------------------------------------------------------------------
// A Prometheus fake: /api/v1/query_range answers computed from the request's start/end/step.

type SeriesFn = (t: number) => number;

interface PromFake {
  url: string;
  requests: URLSearchParams[];
  /** query → series (labels and value function), or an error answer, or 'hang'. */
  answers: Map<
    string,
    { metric: Record<string, string>; value: SeriesFn }[] | { status: number; body: unknown } | 'hang'
  >;
  close(): Promise<void>;
}

async function startPrometheusFake(): Promise<PromFake> {
  const requests: URLSearchParams[] = [];
  const answers: PromFake['answers'] = new Map();
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/api/v1/query_range') {
      res.writeHead(404).end('404 page not found\n');
      return;
    }
    requests.push(url.searchParams);
    const query = url.searchParams.get('query') ?? '';
    const answer = answers.get(query);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (answer === 'hang') {
      hanging.push(res);
      return;
    }
    if (!answer) {
      json(400, { status: 'error', errorType: 'bad_data', error: `unknown query ${query}` });
      return;
    }
    if (!Array.isArray(answer)) {
      json(answer.status, answer.body);
      return;
    }
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    const step = Number(url.searchParams.get('step'));
    json(200, {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: answer.map((series) => {
          const values: [number, string][] = [];
          for (let t = start; t <= end; t += step) values.push([t, String(series.value(t))]);
          return { metric: series.metric, values };
        }),
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answers,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The first point of a range query's grid at or after `at` (unix seconds). */
const gridAtOrAfter = (start: number, step: number, at: number) =>
  start + Math.ceil((at - start) / step) * step;

// ---------------------------------------------------------------------------------------------------------

beforeAll(() => {
  nock.disableNetConnect();
  // The PostgreSQL server and the Prometheus fake.
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

describe.each(testDatabases())('context gathering on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let prometheus: PromFake;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  let groupSeq = 0;

  const yaml = (extra: string[] = []) =>
    [
      'services:',
      '  - name: cart',
      '    repo: acme/cart',
      // Each failure test has its own repository, so a request still in flight from one (nock answers
      // even aborted requests) never meets the next one's interceptors.
      '  - name: cart-500',
      '    repo: acme/cart-500',
      '  - name: cart-hang',
      '    repo: acme/cart-hang',
      '  - name: billing',
      ...extra,
    ].join('\n');
  // The Prometheus fake listens on 127.0.0.1: generatorURLs naming it may be queried.
  const allowLocalPrometheus = ['prometheus:', '  allowedHosts: ["127.0.0.1"]'];
  const defaultConfig = () =>
    configFrom({ GITHUB_TOKEN: 'ghp_test', GITHUB_API_URL: GHE_API }, yaml(allowLocalPrometheus));

  /** Delivers one Alertmanager group at `at` (the clock) through the real ingest path; returns the incident. */
  async function deliver(
    at: string,
    alerts: TestAlert[],
    options: {
      generatorUrl?: string | ((alert: TestAlert) => string);
      config?: Config;
      groupKey?: string;
    } = {},
  ): Promise<number> {
    clock.set(at);
    const body = alertmanagerBody({ groupKey: options.groupKey ?? `{}:{group="${++groupSeq}"}`, alerts });
    if (options.generatorUrl !== undefined) {
      const urls = body.alerts as { generatorURL: string }[];
      urls.forEach((alert, index) => {
        const url = options.generatorUrl;
        alert.generatorURL = typeof url === 'function' ? url(alerts[index] as TestAlert) : (url as string);
      });
    }
    const result = await ingestDelivery(
      { db, config: options.config ?? defaultConfig(), clock },
      { source: 'alertmanager', rawBody: JSON.stringify(body) },
    );
    const id = result.incidentIds[0];
    if (id === undefined) throw new Error(`nothing ingested: ${result.notes.join('; ')}`);
    return id;
  }

  async function gather(
    incidentId: number,
    options: {
      config?: Config;
      github?: ReturnType<typeof createGitHubClient> | null;
      gather?: GatherOptions;
    } = {},
  ) {
    const config = options.config ?? defaultConfig();
    const { logger, lines } = testLogger();
    const started = performance.now();
    const result = await gatherContext(
      {
        db,
        config,
        clock,
        github: options.github === undefined ? gitHubClientFromEnv(config.env) : options.github,
        logger,
      },
      incidentId,
      options.gather,
    );
    return { ...result, lines, elapsed: performance.now() - started };
  }

  beforeAll(async () => {
    ({ db, dispose } = await database.create());
    prometheus = await startPrometheusFake();
  });
  afterAll(async () => {
    await prometheus?.close();
    await dispose?.();
  });

  describe('related alerts', () => {
    it('finds other alerts on the same service or namespace in the 3 h before, newest first, not its own', async () => {
      // The day is its own so other tests' alerts stay out of the window.
      const crash = (pod: string): TestAlert => ({
        labels: {
          alertname: 'KubePodCrashLooping',
          service: 'cart',
          namespace: 'shop',
          pod,
          severity: 'warning',
        },
        startsAt: '2026-03-02T09:58:00Z',
      });
      const otherOnNamespace = await deliver('2026-03-02T09:30:00Z', [
        {
          labels: { alertname: 'PostgresTooManyConnections', service: 'cart-db', namespace: 'shop' },
          annotations: { summary: 'cart-db has 98% of max_connections in use' },
          startsAt: '2026-03-02T09:29:00Z',
        },
      ]);
      const latency: TestAlert = {
        labels: { alertname: 'HTTPLatencyHigh', service: 'cart', namespace: 'edge' },
        startsAt: '2026-03-02T07:00:00Z',
      };
      const otherOnService = await deliver('2026-03-02T07:00:00Z', [latency], { groupKey: 'latency' });
      await deliver(
        '2026-03-02T07:10:00Z',
        [{ ...latency, status: 'resolved', endsAt: '2026-03-02T07:09:00Z' }],
        {
          groupKey: 'latency',
        },
      );
      // Outside the window: last seen 4 h before the incident started.
      await deliver('2026-03-02T05:50:00Z', [
        {
          labels: { alertname: 'HTTPErrorsHigh', service: 'cart', namespace: 'shop' },
          startsAt: '2026-03-02T05:49:00Z',
        },
      ]);
      // Neither the service nor the namespace.
      await deliver('2026-03-02T09:50:00Z', [
        {
          labels: { alertname: 'InvoiceQueueStuck', service: 'billing', namespace: 'finance' },
          startsAt: '2026-03-02T09:49:00Z',
        },
      ]);
      const id = await deliver('2026-03-02T10:00:00Z', [crash('cart-0'), crash('cart-1')]);
      clock.set('2026-03-02T10:01:00Z');

      const { input, sources } = await gather(id, { github: null });
      expect(input.relatedAlerts).toEqual([
        {
          alertname: 'PostgresTooManyConnections',
          service: 'cart-db',
          status: 'firing',
          summary: 'cart-db has 98% of max_connections in use',
          lastSeen: iso('2026-03-02T09:30:00Z'),
          incidentId: otherOnNamespace,
        },
        {
          alertname: 'HTTPLatencyHigh',
          service: 'cart',
          status: 'resolved',
          summary: 'HTTPLatencyHigh on host',
          lastSeen: iso('2026-03-02T07:10:00Z'),
          incidentId: otherOnService,
        },
      ]);
      expect(source(sources, 'related-alerts')).toMatchObject({ status: 'ok', detail: '2 alerts' });
    });

    it('honours a shorter window and keeps at most 20, one per fingerprint', async () => {
      const many: TestAlert[] = Array.from({ length: 25 }, (_, i) => ({
        labels: {
          alertname: 'NodeDiskPressure',
          instance: `node-${i}`,
          service: 'platform',
          namespace: 'ops',
        },
        startsAt: '2026-03-03T09:00:00Z',
      }));
      // The same alerts delivered twice: still one row per fingerprint.
      await deliver('2026-03-03T09:00:00Z', many);
      await deliver('2026-03-03T09:20:00Z', many);
      const id = await deliver('2026-03-03T10:00:00Z', [
        {
          labels: { alertname: 'KubeJobFailed', service: 'backup', namespace: 'ops' },
          startsAt: '2026-03-03T09:59:00Z',
        },
      ]);
      const all = await gather(id, { github: null });
      expect(all.input.relatedAlerts).toHaveLength(20);
      expect(new Set(all.input.relatedAlerts.map((alert) => alert.summary)).size).toBe(20);
      const short = await gather(id, { github: null, gather: { relatedWindowMs: 30 * MINUTE } });
      expect(short.input.relatedAlerts).toEqual([]);
    });
  });

  describe('similar incidents (full-text search)', () => {
    it('ranks a past incident of the same kind above unrelated ones, with its confirmed causes', async () => {
      const day = '2026-02-';
      const sameKind = await deliver(`${day}10T08:00:00Z`, [
        {
          labels: { alertname: 'KubePodCrashLooping', service: 'checkout', pod: 'checkout-1' },
          annotations: { summary: 'Pod checkout-1 (container app) is restarting 3 times / 10 minutes' },
          startsAt: `${day}10T07:59:00Z`,
        },
      ]);
      const sameService = await deliver(`${day}11T08:00:00Z`, [
        {
          labels: { alertname: 'NodeFilesystemAlmostFull', service: 'cart' },
          annotations: { summary: 'Filesystem on /var has 3% space left' },
          startsAt: `${day}11T07:59:00Z`,
        },
      ]);
      const wordsOnly = await deliver(`${day}12T08:00:00Z`, [
        {
          labels: { alertname: 'ContainerOOMKilled', service: 'search' },
          annotations: { summary: 'Container app in pod search-2 was restarting after being OOM killed' },
          startsAt: `${day}12T07:59:00Z`,
        },
      ]);
      const unrelated = await deliver(`${day}13T08:00:00Z`, [
        {
          labels: { alertname: 'CertificateExpiry', service: 'edge' },
          annotations: { summary: 'TLS certificate of edge expires in 6 days' },
          startsAt: `${day}13T07:59:00Z`,
        },
      ]);
      await confirmCause(db, {
        incidentId: sameKind,
        title: 'Bad ConfigMap rollout',
        category: 'configuration',
        actor: 'U123',
        now: new Date(`${day}10T09:00:00Z`),
      });
      const id = await deliver(`${day}20T10:00:00Z`, [
        {
          labels: { alertname: 'KubePodCrashLooping', service: 'cart', pod: 'cart-0' },
          annotations: { summary: 'Pod cart-0 (container app) is restarting 5 times / 10 minutes' },
          startsAt: `${day}20T09:59:00Z`,
        },
      ]);

      const { input, sources } = await gather(id, { github: null });
      const ids = input.similarIncidents.map((incident) => incident.id);
      expect(ids[0]).toBe(sameKind);
      expect(ids).toContain(sameService);
      expect(ids).toContain(wordsOnly);
      expect(ids).not.toContain(unrelated);
      expect(ids).not.toContain(id);
      expect(ids.indexOf(sameKind)).toBeLessThan(ids.indexOf(sameService));
      const top = input.similarIncidents[0];
      expect(top).toMatchObject({
        id: sameKind,
        service: 'checkout',
        title: 'KubePodCrashLooping',
        confirmedCauses: [{ title: 'Bad ConfigMap rollout', category: 'configuration' }],
      });
      expect(top?.score).toBeGreaterThan(1);
      const scores = input.similarIncidents.map((incident) => incident.score ?? 0);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(source(sources, 'similar-incidents')?.status).toBe('ok');

      // Only incidents opened before this one count.
      const earlier = await getIncident(db, sameService);
      const fromThen = await findSimilarIncidents(db, earlier as NonNullable<typeof earlier>);
      expect(fromThen.map((incident) => incident.id)).not.toContain(id);
    });

    it('matches CamelCase alert names by their words, and an incident without words finds by service only', async () => {
      const notReady = await deliver('2026-01-05T08:00:00Z', [
        {
          labels: { alertname: 'KubePodNotReady', service: 'ledger' },
          annotations: { summary: 'x' },
          startsAt: '2026-01-05T07:59:00Z',
        },
      ]);
      const incident = await getIncident(
        db,
        await deliver('2026-01-06T08:00:00Z', [
          {
            labels: { alertname: 'KubePodCrashLooping', service: 'vault' },
            annotations: { summary: 'y' },
            startsAt: '2026-01-06T07:59:00Z',
          },
        ]),
      );
      const found = await findSimilarIncidents(db, incident as NonNullable<typeof incident>);
      expect(found.map((similar) => similar.id)).toContain(notReady);
      const wordless = { ...(incident as NonNullable<typeof incident>), title: '!', alerts: [] };
      expect(similarityQueryText(wordless)).toBe('');
      await expect(findSimilarIncidents(db, wordless)).resolves.toEqual([]);
    });
  });

  describe('recent changes (GitHub faked with nock)', () => {
    // The incident's alert started 09:58 on 2026-03-05: the window is 03:58–09:58.
    let incidentId: number;
    const incidentOf = (service: string) =>
      deliver('2026-03-05T10:00:00Z', [
        {
          labels: { alertname: 'HTTPErrorRateHigh', service, namespace: 'payments-x' },
          startsAt: '2026-03-05T09:58:00Z',
        },
      ]);
    beforeAll(async () => {
      incidentId = await incidentOf('cart');
    });
    const repo = () => nock(GHE_API).matchHeader('authorization', 'token ghp_test');
    const MERGE_SHA = 'e5bd3914e2e596debea16f433f57875b5b90bcd6';

    function fakeGitHub() {
      repo()
        .get('/repos/acme/cart/pulls')
        .query({ state: 'closed', sort: 'updated', direction: 'desc', per_page: '50', page: '1' })
        .reply(200, [
          // Merged after the incident started: not a suspect.
          pullRequest({
            number: 104,
            title: 'Revert retry',
            user: 'carol',
            updatedAt: '2026-03-05T10:31:00Z',
            mergedAt: '2026-03-05T10:30:00Z',
          }),
          // Closed without merging.
          pullRequest({
            number: 103,
            title: 'WIP',
            user: 'dave',
            updatedAt: '2026-03-05T09:50:00Z',
            mergedAt: null,
          }),
          pullRequest({
            number: 101,
            title: 'Retry payment calls',
            user: 'alice',
            updatedAt: '2026-03-05T09:41:00Z',
            mergedAt: '2026-03-05T09:40:00Z',
            mergeSha: MERGE_SHA,
          }),
          // Merged before the window.
          pullRequest({
            number: 99,
            title: 'Old change',
            user: 'bob',
            updatedAt: '2026-03-05T02:01:00Z',
            mergedAt: '2026-03-05T02:00:00Z',
          }),
        ]);
      repo()
        .get('/repos/acme/cart/commits')
        .query({ since: '2026-03-05T03:58:00.000Z', until: '2026-03-05T09:58:00.000Z', per_page: '30' })
        .reply(200, [
          commit({
            sha: MERGE_SHA,
            message: 'Merge pull request #101 from acme/retry',
            login: 'alice',
            name: 'Alice',
            date: '2026-03-05T09:40:00Z',
          }),
          commit({
            sha: 'c0ffee0000000000000000000000000000000001',
            message: 'Bump payment client timeout to 30s\n\nLong body',
            login: null,
            name: 'Eve',
            date: '2026-03-05T09:20:00Z',
          }),
        ]);
      repo()
        .get('/repos/acme/cart/deployments')
        .query({ per_page: '30' })
        .reply(200, [
          deployment({
            id: 42,
            ref: 'v1.42.0',
            environment: 'production',
            createdAt: '2026-03-05T09:45:00Z',
            creator: 'deploy-bot',
          }),
          deployment({
            id: 41,
            ref: 'v1.41.0',
            environment: 'production',
            createdAt: '2026-03-04T20:00:00Z',
            creator: 'deploy-bot',
          }),
        ]);
      repo()
        .get('/repos/acme/cart/deployments/42/statuses')
        .query({ per_page: '1' })
        .reply(200, [
          deploymentStatus({ deploymentId: 42, state: 'success', createdAt: '2026-03-05T09:47:00Z' }),
        ]);
    }

    it('returns the deployment, merged PR and commit inside the window, newest first, and nothing outside', async () => {
      fakeGitHub();
      clock.set('2026-03-05T10:01:00Z');
      const { input, sources } = await gather(incidentId);
      expect(input.recentChanges).toEqual([
        {
          kind: 'deployment',
          title: 'v1.42.0 to production (success)',
          url: 'https://ci.acme.example/deploys/42/log',
          at: iso('2026-03-05T09:45:00Z'),
          author: 'deploy-bot',
        },
        {
          kind: 'pull_request',
          title: '#101 Retry payment calls',
          url: `${GHE}/acme/cart/pull/101`,
          at: iso('2026-03-05T09:40:00Z'),
          author: 'alice',
        },
        {
          kind: 'commit',
          title: 'c0ffee0 Bump payment client timeout to 30s',
          url: `${GHE}/acme/cart/commit/c0ffee0000000000000000000000000000000001`,
          at: iso('2026-03-05T09:20:00Z'),
          author: 'Eve',
        },
      ]);
      expect(source(sources, 'recent-changes')).toMatchObject({
        status: 'ok',
        detail: 'acme/cart: 3 changes',
      });
      expect(nock.pendingMocks()).toEqual([]);
    });

    it('a 500 from GitHub fails the source once (no retries), and the rest of the context is still there', async () => {
      const failing = repo()
        .get('/repos/acme/cart-500/pulls')
        .query(true)
        .reply(500, { message: 'Server Error' });
      repo().get('/repos/acme/cart-500/commits').query(true).reply(200, []);
      repo().get('/repos/acme/cart-500/deployments').query(true).reply(200, []);
      const id = await incidentOf('cart-500');
      const { input, sources, lines } = await gather(id);
      expect(source(sources, 'recent-changes')).toMatchObject({ status: 'failed' });
      expect(source(sources, 'recent-changes')?.detail).toMatch(/HTTP 500/);
      expect(input.recentChanges).toEqual([]);
      expect(input.incident.id).toBe(id);
      expect(source(sources, 'related-alerts')?.status).toBe('ok');
      // A retry would have waited a second and then met no interceptor.
      expect(failing.isDone()).toBe(true);
      expect(source(sources, 'recent-changes')?.ms).toBeLessThan(900);
      const warning = lines.map((line) => JSON.parse(line)).find((line) => line.source === 'recent-changes');
      expect(warning).toMatchObject({ level: 40, status: 'failed', incidentId: id });
      expect(lines.join('\n')).not.toContain('ghp_test');
    });

    it('a GitHub that does not answer times out within the time box, and nothing is thrown', async () => {
      repo().get('/repos/acme/cart-hang/pulls').query(true).delay(10_000).reply(200, []);
      repo().get('/repos/acme/cart-hang/commits').query(true).delay(10_000).reply(200, []);
      repo().get('/repos/acme/cart-hang/deployments').query(true).delay(10_000).reply(200, []);
      const { sources, elapsed } = await gather(await incidentOf('cart-hang'), {
        gather: { timeouts: { 'recent-changes': 300 } },
      });
      expect(source(sources, 'recent-changes')).toMatchObject({
        status: 'timeout',
        detail: 'no answer within 300 ms',
      });
      expect(source(sources, 'recent-changes')?.ms).toBeLessThan(1_000);
      expect(elapsed).toBeLessThan(2_000);
    });

    it('is skipped without GITHUB_TOKEN, or when aiops.yml maps no repo to the service', async () => {
      const noToken = configFrom({}, yaml());
      const skipped = await gather(incidentId, { config: noToken });
      expect(source(skipped.sources, 'recent-changes')).toMatchObject({
        status: 'skipped',
        detail: 'GITHUB_TOKEN is not set',
      });
      const noRepo = configFrom({ GITHUB_TOKEN: 'ghp_test', GITHUB_API_URL: GHE_API }, '');
      const unmapped = await gather(incidentId, { config: noRepo });
      expect(source(unmapped.sources, 'recent-changes')).toMatchObject({
        status: 'skipped',
        detail: 'no repo for service cart in aiops.yml',
      });
    });
  });

  describe('metrics (Prometheus faked by a local server)', () => {
    const S = '2026-03-06T09:58:00Z';
    const start = seconds(S);
    const errorRate: SeriesFn = (t) => {
      if (t >= start + 420 && t < start + 600) return 0.8;
      if (t >= start) return 0.5;
      if (t >= start - 480) return 0.3;
      return [0.01, 0.012, 0.008][Math.round(t) % 3] as number;
    };

    it('summarises the alert expression: baseline, peak with its time, when it changed', async () => {
      prometheus.answers.set('sum by (pod) (rate(http_errors_total{service="cart"}[5m]))', [
        { metric: { pod: 'cart-0' }, value: () => 1 },
        { metric: { pod: 'cart-1' }, value: errorRate },
      ]);
      prometheus.answers.set('up{job="cart"}', [
        { metric: { job: 'cart', instance: '10.0.0.7:8080' }, value: (t) => (t >= start - 30 ? 0 : 1) },
      ]);
      const exprs: Record<string, string> = {
        HTTPErrors: 'sum by (pod) (rate(http_errors_total{service="cart"}[5m])) > 0.05',
        TargetDown: 'up{job="cart"} == 0',
        Broken: 'histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 2',
      };
      const generatorUrl = (alert: TestAlert) =>
        `${prometheus.url}/graph?g0.expr=${encodeURIComponent(exprs[alert.labels.alertname as string] as string)}&g0.tab=1`;
      const id = await deliver(
        '2026-03-06T10:00:00Z',
        Object.keys(exprs).map((alertname) => ({
          labels: { alertname, service: 'checkout-metrics' },
          startsAt: alertname === 'TargetDown' ? '2026-03-06T09:59:00Z' : S,
        })),
        { generatorUrl },
      );
      clock.set('2026-03-06T10:30:00Z');
      prometheus.requests.length = 0;

      const { input, sources } = await gather(id, { github: null });
      expect(prometheus.requests).toHaveLength(3);
      const errorsRequest = prometheus.requests.find((params) => params.get('query')?.startsWith('sum'));
      // One hour before to 15 minutes after, ≤ 120 points.
      expect(Number(errorsRequest?.get('start'))).toBe(start - 3600);
      expect(Number(errorsRequest?.get('end'))).toBe(start + 900);
      const step = Number(errorsRequest?.get('step'));
      expect(step).toBe(38);
      expect(Math.floor(4500 / step) + 1).toBeLessThanOrEqual(120);

      const errors = input.metrics.find((metric) => metric.expr === exprs.HTTPErrors);
      const from = start - 3600;
      expect(errors).toEqual({
        expr: exprs.HTTPErrors,
        query: 'sum by (pod) (rate(http_errors_total{service="cart"}[5m]))',
        threshold: 0.05,
        baseline: 0.01,
        peak: 0.8,
        peakAt: new Date(gridAtOrAfter(from, step, start + 420) * 1000).toISOString(),
        changedAt: new Date(gridAtOrAfter(from, step, start - 480) * 1000).toISOString(),
        series: 2,
        labels: { pod: 'cart-1' },
      });

      const down = input.metrics.find((metric) => metric.expr === exprs.TargetDown);
      const downStart = seconds('2026-03-06T09:59:00Z');
      const downFrom = downStart - 3600;
      const downStep = stepFor(downFrom, downStart + 900);
      expect(down).toMatchObject({
        query: 'up{job="cart"}',
        threshold: 0,
        baseline: 1,
        peak: 0,
        // The drop began 30 s before this alert's own start.
        changedAt: new Date(gridAtOrAfter(downFrom, downStep, start - 30) * 1000).toISOString(),
        series: 1,
      });
      expect(input.metrics).toHaveLength(2);
      const report = source(sources, 'metrics');
      expect(report?.status).toBe('ok');
      expect(report?.detail).toMatch(
        /^2 expressions with data of 3; failed: 127\.0\.0\.1:\d+: HTTP 400 bad_data/,
      );
    });

    it('queries no host a webhook names unless aiops.yml allows it (no request leaves)', async () => {
      prometheus.answers.set('node_load1', [{ metric: {}, value: () => 1 }]);
      const alert = { labels: { alertname: 'NodeLoadHigh', service: 'nodes-ssrf' }, startsAt: S };
      const id = await deliver('2026-03-06T11:00:00Z', [alert], {
        generatorUrl: `${prometheus.url}/graph?g0.expr=node_load1+%3E+4`,
      });
      prometheus.requests.length = 0;
      const unconfigured = await gather(id, { config: configFrom({}, yaml()), github: null });
      expect(source(unconfigured.sources, 'metrics')).toMatchObject({
        status: 'skipped',
        detail: 'set prometheus.url (or prometheus.allowedHosts) in aiops.yml',
      });
      const otherHost = configFrom(
        {},
        yaml(['prometheus:', '  allowedHosts: ["prometheus.monitoring.svc"]']),
      );
      const notAllowed = await gather(id, { config: otherHost, github: null });
      expect(source(notAllowed.sources, 'metrics')?.status).toBe('skipped');
      expect(prometheus.requests).toHaveLength(0);
    });

    it('uses aiops.yml prometheus.url when generatorURLs name a host the bot cannot reach', async () => {
      prometheus.answers.set('node_load1', [
        { metric: { instance: 'n1' }, value: (t) => (t >= start ? 8 : 1) },
      ]);
      const config = configFrom({}, yaml(['prometheus:', `  url: ${prometheus.url}/`, '  timeoutMs: 1000']));
      const id = await deliver(
        '2026-03-06T11:00:00Z',
        [{ labels: { alertname: 'NodeLoadHigh', service: 'nodes' }, startsAt: S }],
        {
          generatorUrl:
            'http://prometheus-k8s-0.prometheus-operated.monitoring.svc:9090/graph?g0.expr=node_load1+%3E+4',
          config,
        },
      );
      const { input, sources } = await gather(id, { config, github: null });
      expect(source(sources, 'metrics')?.status).toBe('ok');
      expect(input.metrics[0]).toMatchObject({ expr: 'node_load1 > 4', baseline: 1, peak: 8, threshold: 4 });
    });

    it('an error answer, an unreachable host or a hang fail the source without throwing', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const deadPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));

      prometheus.answers.set('bad', {
        status: 422,
        body: { status: 'error', errorType: 'execution', error: 'query timed out' },
      });
      const errorAnswer = await deliver(
        '2026-03-06T12:00:00Z',
        [{ labels: { alertname: 'A1', service: 'm1' }, startsAt: S }],
        {
          generatorUrl: `${prometheus.url}/graph?g0.expr=bad`,
        },
      );
      const first = await gather(errorAnswer, { github: null });
      expect(source(first.sources, 'metrics')).toMatchObject({ status: 'failed' });
      expect(source(first.sources, 'metrics')?.detail).toContain('HTTP 422 execution: query timed out');
      expect(first.input.metrics).toEqual([]);

      const unreachable = await deliver(
        '2026-03-06T12:10:00Z',
        [{ labels: { alertname: 'A2', service: 'm2' }, startsAt: S }],
        {
          generatorUrl: `http://127.0.0.1:${deadPort}/graph?g0.expr=up`,
        },
      );
      const second = await gather(unreachable, { github: null });
      expect(source(second.sources, 'metrics')).toMatchObject({ status: 'failed' });
      expect(source(second.sources, 'metrics')?.detail).toContain('ECONNREFUSED');

      prometheus.answers.set('slow', 'hang');
      const hang = await deliver(
        '2026-03-06T12:20:00Z',
        [{ labels: { alertname: 'A3', service: 'm3' }, startsAt: S }],
        {
          generatorUrl: `${prometheus.url}/graph?g0.expr=slow`,
        },
      );
      const slowConfig = configFrom({}, yaml([...allowLocalPrometheus, '  timeoutMs: 200']));
      const third = await gather(hang, { github: null, config: slowConfig });
      expect(source(third.sources, 'metrics')).toMatchObject({
        status: 'failed',
        detail: expect.stringContaining('no answer within 200 ms'),
      });
      const boxed = await gather(hang, { github: null, gather: { timeouts: { metrics: 150 } } });
      expect(source(boxed.sources, 'metrics')).toMatchObject({ status: 'timeout' });
      expect(boxed.elapsed).toBeLessThan(2_000);
    });

    it('is skipped when no alert links to Prometheus, and queries at most 3 distinct expressions', async () => {
      const none = await deliver(
        '2026-03-06T13:00:00Z',
        [{ labels: { alertname: 'B1', service: 'm4' }, startsAt: S }],
        {
          generatorUrl: 'https://grafana.example/alerting/grafana/abc/view',
        },
      );
      const skipped = await gather(none, { github: null });
      expect(source(skipped.sources, 'metrics')).toMatchObject({
        status: 'skipped',
        detail: 'no alert has a Prometheus generatorURL (on an allowed host)',
      });

      for (const name of ['m_a', 'm_b', 'm_c', 'm_d', 'm_e']) {
        prometheus.answers.set(name, [{ metric: {}, value: () => 1 }]);
      }
      const five = await deliver(
        '2026-03-06T13:10:00Z',
        ['m_a', 'm_b', 'm_c', 'm_d', 'm_e', 'm_a'].map((name, i) => ({
          labels: { alertname: `Many${i}`, service: 'm5', expr: name },
          startsAt: S,
        })),
        { generatorUrl: (alert) => `${prometheus.url}/graph?g0.expr=${alert.labels.expr}` },
      );
      prometheus.requests.length = 0;
      const capped = await gather(five, { github: null });
      expect(prometheus.requests).toHaveLength(3);
      expect(capped.input.metrics).toHaveLength(3);
      expect(capped.input.metrics.every((metric) => metric.changedAt === null && metric.baseline === 1)).toBe(
        true,
      );
    });
  });
});

describe('context helpers', () => {
  it('parses Prometheus generatorURLs: base (with a path prefix) and expression; only http(s)', () => {
    expect(parseGeneratorUrl('http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1')).toEqual({
      base: 'http://prometheus.example:9090',
      expr: 'up == 0',
    });
    expect(parseGeneratorUrl('https://obs.example/prometheus/graph?g0.expr=rate(x%5B5m%5D)')).toEqual({
      base: 'https://obs.example/prometheus',
      expr: 'rate(x[5m])',
    });
    expect(parseGeneratorUrl('http://prom:9090/query?g0.expr=up')?.base).toBe('http://prom:9090');
    expect(parseGeneratorUrl('file:///etc/passwd?g0.expr=up')).toBeNull();
    expect(parseGeneratorUrl('javascript:alert(1)')).toBeNull();
    expect(parseGeneratorUrl('http://prom:9090/graph')).toBeNull();
    expect(parseGeneratorUrl('not a url')).toBeNull();
    expect(parseGeneratorUrl(null)).toBeNull();
  });

  it('takes a top-level threshold comparison off an alert expression, and nothing else', () => {
    expect(splitThreshold('rate(errors_total[5m]) > 0.05')).toEqual({
      query: 'rate(errors_total[5m])',
      op: '>',
      threshold: 0.05,
    });
    expect(splitThreshold('up{job=~"a|b", env!="dev"} == 0')).toMatchObject({
      query: 'up{job=~"a|b", env!="dev"}',
      threshold: 0,
    });
    expect(splitThreshold('(a / b) <= -1e3')).toMatchObject({ query: '(a / b)', threshold: -1000 });
    expect(splitThreshold('x{msg=">"} > 1')).toMatchObject({ query: 'x{msg=">"}', threshold: 1 });
    expect(splitThreshold('sum(rate(x[5m])) by (job) > bool 1')).toBeNull();
    expect(splitThreshold('a > 1 and b > 2')).toBeNull();
    expect(splitThreshold('a > b')).toBeNull();
    expect(splitThreshold('absent(up{job="x"})')).toBeNull();
    expect(splitThreshold('max(x > 5)')).toBeNull();
  });

  it('summarises a series: median baseline, peak away from it, first point of the excursion', () => {
    const points = [10, 11, 9, 10, 10, 30, 60, 90, 40, 10].map((v, i) => ({ t: 1000 + i * 60, v }));
    // Starts at the 7th point; the excursion began at the 6th (value 30).
    expect(summarizeSeries(points, 1000 + 6 * 60)).toEqual({
      baseline: 10,
      mad: 0.5,
      peak: 90,
      peakAt: 1000 + 7 * 60,
      changedAt: 1000 + 5 * 60,
    });
    // A drop: the peak is the minimum.
    const drop = [100, 100, 100, 20, 5, 50].map((v, i) => ({ t: i, v }));
    expect(summarizeSeries(drop, 3)).toMatchObject({ baseline: 100, peak: 5, peakAt: 4, changedAt: 3 });
    // Noise within 3 × MAD and 50 % is no change.
    const noisy = [10, 12, 8, 10, 12, 8, 11, 9].map((v, i) => ({ t: i, v }));
    expect(summarizeSeries(noisy, 6)).toMatchObject({ baseline: 10, changedAt: null });
    // No data before the start: no baseline, the max, no change time.
    expect(summarizeSeries([{ t: 5, v: 3 }], 0)).toMatchObject({ baseline: null, peak: 3, changedAt: null });
    expect(summarizeSeries([], 0)).toMatchObject({ baseline: null, peak: null, changedAt: null });
  });

  it('builds an any-word search text with CamelCase names split and no search operators', () => {
    const text = similarityQueryText({
      title: 'KubePodCrashLooping: "cart" -down OR up',
      alerts: [],
    } as unknown as Parameters<typeof similarityQueryText>[0]);
    expect(text).toBe('kubepodcrashlooping or cart or down or up or kube or pod or crash or looping');
  });

  it('reads the prometheus block of aiops.yml', () => {
    expect(configFrom({}, '').file.prometheus).toBeUndefined();
    expect(
      configFrom({}, 'prometheus:\n  url: http://prom:9090\n  timeoutMs: 500\n').file.prometheus,
    ).toEqual({
      url: 'http://prom:9090',
      timeoutMs: 500,
    });
    expect(() => configFrom({}, 'prometheus:\n  url: ftp://prom\n')).toThrow(
      /prometheus\.url: must be an http\(s\) URL/,
    );
    expect(() => configFrom({}, 'prometheus:\n  address: x\n')).toThrow(/Unrecognized key/);
  });

  it('builds the GitHub client against GITHUB_API_URL, and none without a token', async () => {
    expect(gitHubClientFromEnv({})).toBeNull();
    const scope = nock(GHE_API)
      .get('/rate_limit')
      .reply(200, { resources: {}, rate: { limit: 5000, remaining: 4999 } });
    const github = gitHubClientFromEnv({ GITHUB_TOKEN: 'ghp_x', GITHUB_API_URL: `${GHE_API}/` });
    await expect(github?.rest.rateLimit.get()).resolves.toMatchObject({ status: 200 });
    expect(scope.isDone()).toBe(true);
  });
});
