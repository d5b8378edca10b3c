/**
 * LLM-written fixes (issue 9, item 3) with the Anthropic Messages API faked at the HTTP boundary (nock, the API's
 * response shapes with `tool_use`) and GitHub by the local fake: a good edit becomes a validated draft PR marked as
 * model-written; a path outside the globs is repaired once; invalid YAML twice, an oversized answer, an echoed
 * `[REDACTED…]` placeholder and a 500 from the API give no PR and a clear reason; a secret planted in a mapped file
 * never reaches the request; without a key the message is today's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { analyzeIncident } from '../../src/analysis/analyze.ts';
import type { LlmDeps } from '../../src/analysis/llm.ts';
import { createAnthropicClient } from '../../src/clients/anthropic.ts';
import { createGitHubClient } from '../../src/clients/github.ts';
import { ManualClock } from '../../src/clock.ts';
import { type Config, configFrom } from '../../src/config.ts';
import type { Db } from '../../src/db/index.ts';
import { AiopsError, ErrorCode } from '../../src/errors.ts';
import { LLM_FIX_LIMITS } from '../../src/fixes/llm.ts';
import { type FixDeps, openFixPr, planFix } from '../../src/incidents/fixes.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { createMetrics } from '../../src/metrics.ts';
import { renderFixDiff } from '../../src/slack/render/fixes.ts';
import { testDatabases } from '../support/databases.ts';
import { fixesYaml } from '../support/fix-fixtures.ts';
import { type GitHubFake, startGitHubFake } from '../support/github-fake.ts';
import { alertmanagerBody } from '../support/payloads.ts';

// nock 15 intercepts the global fetch and cannot pass a POST with a body through to a real server ("unusable"):
// the GitHub fake is reached with the fetch as it was before nock was loaded.
const unpatchedFetch = globalThis.fetch;
const { default: nock } = await import('nock');

const API = 'http://anthropic.test';
const MODEL = 'claude-sonnet-5-5';
// Built from pieces so the file itself holds no secret-shaped string.
const PLANTED_KEY = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
const PLANTED_PASSWORD = ['hunter', '2-', 'Sup3r', 'Secret'].join('');

const CHECKOUT = `# checkout: the web shop's checkout API
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app: checkout
  template:
    metadata:
      labels:
        app: checkout
    spec:
      containers:
        - name: checkout
          image: ghcr.io/acme/checkout:2.14.0
          env:
            - name: DB_POOL_SIZE
              value: "5" # connections per pod
            - name: LOG_LEVEL
              value: info
`;
const FIXED = CHECKOUT.replace('value: "5" # connections per pod', 'value: "20" # connections per pod');

const SECRETS = `apiVersion: v1
kind: Secret
metadata:
  name: checkout-db
  namespace: shop
stringData:
  AWS_ACCESS_KEY_ID: ${PLANTED_KEY}
  DATABASE_URL: postgres://checkout:${PLANTED_PASSWORD}@db.shop:5432/checkout
`;

const REPO_FILES = {
  'deploy/checkout.yaml': CHECKOUT,
  'deploy/checkout-db-secret.yaml': SECRETS,
  'deploy/payments.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: payments\ndata:\n  LEVEL: info\n',
  '.github/workflows/deploy.yaml': 'name: deploy\non: push\n',
  'src/main.go': 'package main',
};

/** An alert no catalogue signature (hence no generator) knows. */
const poolBody = (groupKey: string) =>
  alertmanagerBody({
    groupKey,
    alerts: [
      {
        fingerprint: `fp-${groupKey}`,
        labels: {
          alertname: 'CheckoutDbPoolExhausted',
          severity: 'critical',
          namespace: 'shop',
          pod: 'checkout-7d9f8b6c5d-x2k4q',
          container: 'checkout',
          service: 'checkout',
        },
        annotations: { summary: 'checkout waits for database connections: pool of 5 exhausted.' },
      },
    ],
  });

const analysisAnswer = {
  summary: 'checkout requests queue for a database connection: the pool of 5 per pod is exhausted.',
  rootCauses: [
    {
      title: 'Database pool too small for the traffic',
      likelihood: 0.7,
      evidence: ['pool of 5 exhausted'],
      category: 'capacity',
    },
  ],
  nextSteps: [],
  proposedActions: [],
  proposedFixes: [
    {
      kind: 'kubernetes',
      title: 'Raise DB_POOL_SIZE of checkout',
      description: 'Raise the DB_POOL_SIZE environment variable of the checkout container from 5 to 20.',
    },
  ],
};

interface Edit {
  path: string;
  content: string;
  rationale: string;
}

const goodFix = (edits: Edit[] = [goodEdit()]) => ({
  title: 'Raise the checkout database pool to 20',
  summary: 'The pool of 5 connections per pod is exhausted; 20 leaves headroom at 3 replicas.',
  edits,
});
const goodEdit = (path = 'deploy/checkout.yaml', content = FIXED): Edit => ({
  path,
  content,
  rationale: 'DB_POOL_SIZE 5 → 20: the alert says the pool of 5 is exhausted.',
});

let messageCounter = 0;
function toolUse(name: string, input: unknown, stopReason = 'tool_use') {
  messageCounter += 1;
  return {
    id: `msg_01XFDUDYJgAACzvnptvVo${messageCounter}`,
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [{ type: 'tool_use', id: `toolu_01A09q90qw90lq91783${messageCounter}`, name, input }],
    stop_reason: stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: 5200,
      output_tokens: 900,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

interface Sent {
  raw: string;
  body: {
    max_tokens: number;
    tools: { name: string; input_schema: { properties: Record<string, unknown> } }[];
    tool_choice: { type: string; name: string };
    system: { text: string }[];
    messages: { role: string; content: unknown }[];
  };
}

describe.each(testDatabases())('LLM-written fixes on $name', (database) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let github: GitHubFake;
  const clock = new ManualClock('2026-03-01T10:00:00Z');
  const sent: Sent[] = [];
  let counter = 0;

  const llm = (maxRetries = 0): LlmDeps => ({
    client: createAnthropicClient({ apiKey: 'test-key', baseURL: API, maxRetries }),
    model: MODEL,
  });
  const record = (body: Record<string, unknown>) => {
    const raw = JSON.stringify(body);
    sent.push({ raw, body: JSON.parse(raw) });
    return true;
  };
  /** The model's next answers to the fix request, in order. */
  const answers = (...inputs: unknown[]) => {
    let scope = nock(API);
    for (const input of inputs)
      scope = scope.post('/v1/messages', record).reply(200, toolUse('propose_fix', input));
    return scope;
  };

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    ({ db, dispose } = await database.create());
    github = await startGitHubFake();
  });
  afterEach(() => {
    sent.length = 0;
    nock.cleanAll();
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await github?.close();
    await dispose?.();
  });

  /** A repository mapped to checkout, an incident no generator knows, and its LLM analysis proposing a fix. */
  async function setup(options: { token?: boolean; llm?: LlmDeps | null } = {}) {
    counter += 1;
    const repo = `acme/checkout-llm-${counter}`;
    github.addRepo(repo, REPO_FILES);
    const config: Config = configFrom(
      {
        GITHUB_API_URL: github.apiUrl,
        ...(options.token === false ? {} : { GITHUB_TOKEN: 'ghs_testtoken' }),
      },
      fixesYaml(repo),
    );
    const deps: FixDeps = {
      db,
      clock,
      config,
      github:
        options.token === false
          ? null
          : createGitHubClient({
              token: 'ghs_testtoken',
              baseUrl: github.apiUrl,
              paceWrites: false,
              retries: 0,
              fetch: unpatchedFetch,
            }),
      paceGitHubWrites: false,
      llm: options.llm === undefined ? llm() : options.llm,
    };
    const result = await ingestDelivery(deps, {
      source: 'alertmanager',
      rawBody: JSON.stringify(poolBody(`{}:{llm="${counter}"}`)),
    });
    const incidentId = result.incidentIds[0] as number;
    nock(API).post('/v1/messages').reply(200, toolUse('report_analysis', analysisAnswer));
    const stored = await analyzeIncident({ ...deps, llm: llm() }, incidentId);
    expect(stored.analysis.analyzer).toBe('llm');
    nock.cleanAll();
    return { deps, repo, incidentId };
  }

  const request = (incidentId: number) => ({
    incidentId,
    actor: '<@U0ALICE>',
    requestId: `req-${incidentId}`,
  });

  async function unavailable(work: Promise<unknown>): Promise<string> {
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AiopsError);
    expect((error as AiopsError).code).toBe(ErrorCode.FixUnavailable);
    return (error as AiopsError).message;
  }

  /** The tool result the repair round sent back. */
  const repairText = (request: Sent | undefined): string => {
    const messages = request?.body.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const content = (messages[2]?.content ?? []) as { type: string; is_error: boolean; content: string }[];
    const result = content[0];
    expect(result).toMatchObject({ type: 'tool_result', is_error: true });
    return result?.content ?? '';
  };

  it('a good edit becomes a validated draft PR, marked as written by the model', async () => {
    const { deps, repo, incidentId } = await setup();
    const scope = answers(goodFix());
    const metrics = createMetrics();
    const outcome = await openFixPr({ ...deps, metrics }, request(incidentId));
    expect(scope.isDone()).toBe(true);
    expect(outcome).toMatchObject({ kind: 'opened', repo, draft: true, reused: false });

    const branch = `aiops/incident-${incidentId}-llm-fix-1`;
    const [pull] = github.pulls(repo);
    expect(pull).toMatchObject({ head: branch, draft: true, labels: ['aiops', 'aiops:kubernetes'] });
    expect(github.changedFiles(repo, branch)).toEqual(['deploy/checkout.yaml']);
    expect(github.fileAt(repo, branch, 'deploy/checkout.yaml')).toBe(FIXED);
    const body = pull?.body ?? '';
    expect(body).toContain('**Written by a language model** (`claude-sonnet-5-5`)');
    expect(body).toContain('DB_POOL_SIZE 5 → 20');
    expect(body).toContain('generator `llm-fix-1`, model `claude-sonnet-5-5`');
    expect(body).toMatch(/✅ kubernetes schema \(apps\/v1 Deployment checkout\)/);
    expect(pull?.title).toBe(`Raise the checkout database pool to 20 (incident #${incidentId})`);

    // One forced tool call with whole files and a long-answer budget; the analysis and proposed fix went along.
    expect(sent).toHaveLength(1);
    const ask = sent[0]?.body;
    expect(ask?.tool_choice).toEqual({ type: 'tool', name: 'propose_fix' });
    expect(ask?.max_tokens).toBe(LLM_FIX_LIMITS.maxTokens);
    expect(Object.keys(ask?.tools[0]?.input_schema.properties ?? {}).sort()).toEqual(
      ['declined', 'edits', 'summary', 'title'].sort(),
    );
    const user = String(ask?.messages[0]?.content);
    expect(user).toContain('Raise the DB_POOL_SIZE environment variable');
    expect(user).toContain('Database pool too small for the traffic');
    expect(user).toContain('`deploy/**/*.yaml`');
    // Files outside the globs are never read, let alone sent.
    expect(user).not.toContain('package main');
    expect(user).not.toContain('name: deploy');

    expect(await metrics.registry.metrics()).toContain('aiops_llm_tokens_total{kind="output"} 900');

    // A second click links the PR without asking the model again.
    const again = await openFixPr(deps, { ...request(incidentId), requestId: 'req-again' });
    expect(again).toMatchObject({ kind: 'existing', number: pull?.number, status: 'open' });
    expect(sent).toHaveLength(1);
    expect(github.pulls(repo)).toHaveLength(1);
  });

  it('a path outside the globs gets one repair round naming it, then the corrected fix', async () => {
    const { deps, incidentId } = await setup();
    const scope = answers(
      goodFix([goodEdit(), goodEdit('.github/workflows/deploy.yaml', 'name: deploy\non: [push]\n')]),
      goodFix(),
    );
    const plan = await planFix(deps, { incidentId });
    expect(scope.isDone()).toBe(true);
    expect(plan.fix.edits.map((e) => e.path)).toEqual(['deploy/checkout.yaml']);
    expect(plan.fix.model).toBe(MODEL);
    expect(plan.validation.ok).toBe(true);
    expect(plan.diff).toContain('-              value: "5" # connections per pod');
    expect(plan.diff).toContain('+              value: "20" # connections per pod');
    expect(sent).toHaveLength(2);
    expect(repairText(sent[1])).toContain('".github/workflows/deploy.yaml": outside the allowed path globs');
  });

  it('invalid YAML twice: no PR, and the reason names the failed check', async () => {
    const { deps, repo, incidentId } = await setup();
    const broken = CHECKOUT.replace('value: "5" # connections per pod', 'value: "20\n  - ]: [');
    answers(
      goodFix([goodEdit('deploy/checkout.yaml', broken)]),
      goodFix([goodEdit('deploy/checkout.yaml', broken)]),
    );
    const message = await unavailable(openFixPr(deps, request(incidentId)));
    expect(message).toContain('no catalogue signature');
    expect(message).toContain(`LLM fix (${MODEL}): the model's fix was refused twice`);
    expect(message).toContain('validation failed: yaml parse (deploy/checkout.yaml)');
    expect(sent).toHaveLength(2);
    expect(repairText(sent[1])).toContain('yaml parse (deploy/checkout.yaml)');
    expect(github.pulls(repo)).toEqual([]);
    expect(github.callsOf('POST', new RegExp(`/repos/${repo}/git/`))).toEqual([]);
  });

  it('secrets planted in a mapped file never reach the request; the file is read-only and an echo is refused', async () => {
    const { deps, repo, incidentId } = await setup();
    // The file as the model saw it, echoed back with a change.
    const echoed = SECRETS.replace(PLANTED_KEY, '[REDACTED:aws-access-key]')
      .replace(PLANTED_PASSWORD, '[REDACTED:url-password]')
      .concat('  POOL: "20"\n');
    answers(
      goodFix([goodEdit('deploy/checkout-db-secret.yaml', echoed)]),
      goodFix([
        goodEdit(
          'deploy/payments.yaml',
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: payments\ndata:\n  LEVEL: info\n  [REDACTED:key-value-secret]: x\n',
        ),
      ]),
    );
    const message = await unavailable(openFixPr(deps, request(incidentId)));
    for (const request of sent) {
      expect(request.raw).not.toContain(PLANTED_KEY);
      expect(request.raw).not.toContain(PLANTED_PASSWORD);
    }
    expect(sent[0]?.raw).toContain('[REDACTED:aws-access-key]');
    expect(sent[0]?.raw).toContain('read-only: secrets redacted');
    const repair = repairText(sent[1]);
    expect(repair).toContain('"deploy/checkout-db-secret.yaml": sent read-only (cut or redacted)');
    expect(repair).toContain('contains a [REDACTED…] placeholder');
    expect(message).toContain('contains a [REDACTED…] placeholder');
    expect(message).not.toContain('\n'); // one line: the CLI's stderr, a private reply
    expect(message).toContain('The input was refused: "deploy/payments.yaml": contains a [REDACTED…]');
    expect(github.pulls(repo)).toEqual([]);
  });

  it('an oversized answer is sent back once, then refused with the limit in the reason', async () => {
    const { deps, repo, incidentId } = await setup();
    const noise = Array.from({ length: 200 }, (_, i) => `# padding line ${i}`).join('\n');
    const oversized = goodFix([goodEdit('deploy/checkout.yaml', `${FIXED}${noise}\n`)]);
    answers(oversized, oversized);
    const message = await unavailable(openFixPr(deps, request(incidentId)));
    expect(repairText(sent[1])).toMatch(/the edits change \d+ lines, more than the 150 allowed/);
    expect(message).toContain('more than the 150 allowed');
    expect(github.pulls(repo)).toEqual([]);

    // Content over the per-file cap fails the schema itself, and the reason says so.
    const huge = goodFix([
      goodEdit('deploy/checkout.yaml', `${FIXED}#${'x'.repeat(LLM_FIX_LIMITS.contentChars)}\n`),
    ]);
    answers(huge, huge);
    const schemaMessage = await unavailable(planFix(deps, { incidentId }));
    expect(schemaMessage).toMatch(/edits\.0\.content: Too big/);
  });

  it('a 500 from the API (after the SDK’s retry) is "no fix" with the reason, never a crash', async () => {
    const { deps, repo, incidentId } = await setup({ llm: llm(1) });
    const scope = nock(API)
      .post('/v1/messages')
      .times(2)
      .reply(500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
    const message = await unavailable(openFixPr(deps, request(incidentId)));
    expect(scope.isDone()).toBe(true);
    expect(message).toMatch(/the model could not be reached \(Anthropic API: 500/);
    expect(github.pulls(repo)).toEqual([]);
  });

  it('an answer cut at max_tokens is repaired with a request to be shorter; a new file under a glob is allowed', async () => {
    const { deps, incidentId } = await setup();
    const created = `apiVersion: v1
kind: ConfigMap
metadata:
  name: checkout-pool
  namespace: shop
data:
  DB_POOL_SIZE: "20"
`;
    nock(API)
      .post('/v1/messages', record)
      .reply(200, toolUse('propose_fix', { title: 'Raise', edits: [] }, 'max_tokens'))
      .post('/v1/messages', record)
      .reply(200, toolUse('propose_fix', goodFix([goodEdit('deploy/checkout-pool.yaml', created)])));
    const plan = await planFix(deps, { incidentId });
    expect(repairText(sent[1])).toContain('cut off at the output token limit');
    expect(plan.fix.edits).toMatchObject([{ path: 'deploy/checkout-pool.yaml', before: '', created: true }]);
    expect(plan.diff).toContain('--- /dev/null');
    expect(plan.validation.checks.map((c) => c.name)).toContain(
      'kubernetes schema (v1 ConfigMap checkout-pool)',
    );
  });

  it('the model may decline: no PR, its reason shown', async () => {
    const { deps, incidentId } = await setup();
    answers({
      title: 'No change',
      summary: 'Nothing safe.',
      edits: [],
      declined: 'the pool size is set by a Secret I cannot edit',
    });
    const message = await unavailable(planFix(deps, { incidentId }));
    expect(message).toContain('found no safe change: the pool size is set by a Secret I cannot edit');
  });

  it('without a token the model’s fix is a diff, marked as model-written in the thread', async () => {
    const { deps, incidentId } = await setup({ token: false });
    answers(goodFix());
    const outcome = await openFixPr(deps, request(incidentId));
    expect(outcome.kind).toBe('diff');
    if (outcome.kind !== 'diff') return;
    const text = JSON.stringify(renderFixDiff(outcome.plan, outcome.reason));
    expect(text).toContain('Written by the language model `claude-sonnet-5-5`');
    expect(text).toContain('DB_POOL_SIZE');
  });

  it('without a key: no model is asked, and the reason is that no generator fits', async () => {
    const { deps, incidentId } = await setup({ llm: null });
    const message = await unavailable(openFixPr(deps, request(incidentId)));
    expect(message).toBe(
      `no fix for incident #${incidentId}: no catalogue signature: only the LLM path proposes fixes for this incident`,
    );
    expect(sent).toEqual([]);
  });
});
