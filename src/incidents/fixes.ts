/**
 * Fix PRs, the use-case behind the *Open fix PR* button, `/aiops fix` and `aiops fix`: read the service's mapped
 * files, generate the fix for the incident's signature, validate it, then open one draft PR (with a GitHub token or
 * app) or show the diff (without). The PR's fate (review requested, merged, closed) comes back from the GitHub
 * webhook or the poll and is told in the incident's thread.
 *
 * Idempotent per incident and fix: a `fix_prs` row is claimed before anything is written to GitHub, so a double
 * click, a replayed request or a second replica links the PR instead of opening another.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { GatherContext } from '../analysis/analyze.ts';
import { latestAnalysis } from '../analysis/analyze.ts';
import type { LlmDeps } from '../analysis/llm.ts';
import { viewOf } from '../analysis/offline/facts.ts';
import { kubeFacts, originOfFix, originOfGenerator } from '../analysis/offline/fix-proposals.ts';
import { matchSignature } from '../analysis/offline/index.ts';
import { redact } from '../analysis/redact.ts';
import { rankRootCauses } from '../analysis/schema.ts';
import type { GitHubClient } from '../clients/github.ts';
import type { Clock } from '../clock.ts';
import type { Config, ServiceFixes } from '../config.ts';
import { getIncident, type IncidentDetail } from '../db/incidents.ts';
import type { Db, Queryable } from '../db/index.ts';
import { jsonParam } from '../db/json.ts';
import { AiopsError, ErrorCode } from '../errors.ts';
import { type FilesRead, pathMatcher, readGitHubFiles, readLocalFiles } from '../fixes/files.ts';
import { imageRollback } from '../fixes/generators/workloads.ts';
import { describeGitHubError, fixBranch, writeFixPr } from '../fixes/github-pr.ts';
import { historyCandidates, previousFilesFromGit, previousFilesFromGitHub } from '../fixes/history.ts';
import {
  type FixRequest,
  type GeneratedFix,
  generateFix,
  generators,
  unifiedDiff,
  type ValidationResult,
  validateFix,
} from '../fixes/index.ts';
import { writeFixWithLlm } from '../fixes/llm.ts';
import { prBody, prTitle } from '../fixes/pr-body.ts';
import { generatorFor } from '../fixes/proposals.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { enqueueIncidentJob } from '../queue/jobs.ts';
import { JOB_KINDS } from '../queue/kinds.ts';
import { enqueueReply } from '../slack/outbox.ts';
import { renderFixDiff } from '../slack/render/fixes.ts';
import { prometheusFacts } from './fix-facts.ts';

export interface FixDeps {
  db: Db;
  clock: Clock;
  config: Config;
  logger?: Logger;
  /** Authenticated GitHub (GITHUB_TOKEN or the GitHub App): PRs are opened. Null or absent: diffs only. */
  github?: GitHubClient | null;
  /** Context gathering: a measured memory peak sizes the fix when Prometheus is configured. */
  gather?: GatherContext;
  /** The LLM: writes the fix when no deterministic generator fits (null or absent: no such fix). */
  llm?: LlmDeps | null;
  /** The LLM's tokens are counted in `aiops_llm_tokens_total`. */
  metrics?: Metrics;
  /** Test and benchmark hook: GitHub's write spacing off against a local fake (see createGitHubClient). */
  paceGitHubWrites?: boolean;
  /** For the generators' Prometheus sizing queries; the global fetch by default. */
  fetch?: typeof fetch;
}

export interface FixPlan {
  incident: IncidentDetail;
  service: string;
  repo: string | undefined;
  fixes: ServiceFixes;
  fix: GeneratedFix;
  validation: ValidationResult;
  diff: string;
  read: FilesRead;
  /** Identifies this fix of this incident (one PR per key). */
  fixKey: string;
}

export type FixOutcome =
  | {
      kind: 'opened';
      title: string;
      number: number;
      url: string;
      repo: string;
      reused: boolean;
      draft: boolean;
    }
  | { kind: 'existing'; title: string; number: number; url: string; status: string }
  | { kind: 'in-progress'; title: string }
  | { kind: 'diff'; plan: FixPlan; reason: string };

/** How long an `opening` claim holds before another click may take it over (the first one crashed). */
const CLAIM_TTL_MS = 5 * 60_000;

const unavailable = (message: string) => new AiopsError(ErrorCode.FixUnavailable, message);

/** The first catalogue signature of the incident's alerts (firing first) that a fix generator knows. */
export function fixSignature(incident: IncidentDetail): string | undefined {
  const known = new Set(generators.flatMap((g) => g.signatures));
  const alerts = [...incident.alerts].sort(
    (a, b) => Number(b.status === 'firing') - Number(a.status === 'firing'),
  );
  for (const alert of alerts) {
    const signature = matchSignature(viewOf(alert));
    if (signature && known.has(signature.id)) return signature.id;
  }
  return undefined;
}

/** A memory peak measured by the analysis context (Prometheus), for sizing; none when not measured. */
async function measuredFacts(deps: FixDeps, incidentId: number): Promise<FixRequest['facts']> {
  if (!deps.gather) return {};
  try {
    const { input } = await deps.gather(incidentId);
    for (const metric of input.metrics) {
      const query = (metric.query ?? metric.expr).toLowerCase();
      if (metric.peak !== null && metric.peak > 1024 * 1024 && /memory/.test(query) && /bytes/.test(query))
        return { memoryPeakBytes: metric.peak, window: 'the incident' };
    }
  } catch (error) {
    deps.logger?.warn(
      { err: error, incidentId },
      'fix: metric context failed; sizing without a measured peak',
    );
  }
  return {};
}

function configDir(config: Config): string {
  const source = config.configSource;
  return existsSync(source) && statSync(source).isFile() ? path.dirname(path.resolve(source)) : process.cwd();
}

/** The reader for the service's files: GitHub with the app's credentials, else a local checkout, else anonymous. */
async function readFiles(
  deps: FixDeps,
  service: { repo?: string | undefined; fixes: ServiceFixes },
): Promise<FilesRead> {
  try {
    if (deps.github && service.repo) return await readGitHubFiles(deps.github, service.repo, service.fixes);
    if (service.fixes.localPath)
      return await readLocalFiles(
        path.resolve(configDir(deps.config), service.fixes.localPath),
        service.fixes,
      );
    if (service.repo) {
      // Loaded here, not at start: Octokit costs memory a process without GitHub work does not need.
      const { createGitHubClient } = await import('../clients/github.ts');
      const anonymous = createGitHubClient({
        baseUrl: deps.config.env.GITHUB_API_URL,
        retries: 1,
        ...(deps.paceGitHubWrites === false ? { paceWrites: false } : {}),
        ...(deps.logger ? { logger: deps.logger } : {}),
      });
      return await readGitHubFiles(anonymous, service.repo, service.fixes);
    }
  } catch (error) {
    if (error instanceof AiopsError) throw error;
    throw unavailable(
      `could not read the files of ${service.repo}: ${describeGitHubError(error, service.repo ?? '').message}`,
    );
  }
  throw unavailable(
    'the service has neither `repo` nor `fixes.localPath` in aiops.yml: nowhere to read its files',
  );
}

/**
 * The mapped manifests before their most recent change, for the image rollback: from GitHub's history (the base
 * branch) with the app's credentials, else from the local checkout's git. An anonymous read does not look at history.
 */
async function readPreviousFiles(
  deps: FixDeps,
  service: { repo?: string | undefined; fixes: ServiceFixes },
  read: FilesRead,
): Promise<NonNullable<FixRequest['previousFiles']>> {
  const candidates = historyCandidates(read.files);
  if (candidates.length === 0) return {};
  if (deps.github && service.repo)
    return previousFilesFromGitHub(
      deps.github,
      service.repo,
      read.baseSha ?? service.fixes.base,
      candidates,
      deps.logger,
    );
  if (service.fixes.localPath)
    return previousFilesFromGit(
      path.resolve(configDir(deps.config), service.fixes.localPath),
      candidates,
      deps.logger,
    );
  return {};
}

/** Where a new playbook may go: the fixed folder prefix of the first `ansible` glob (`ansible/**` → `ansible`). */
export function ansibleDir(fixes: ServiceFixes): string | undefined {
  const glob = fixes.paths.ansible?.[0]?.replace(/^\.\//, '');
  if (!glob) return undefined;
  const fixed: string[] = [];
  for (const part of glob.split('/').slice(0, -1)) {
    if (/[*?{]/.test(part)) break;
    fixed.push(part);
  }
  return fixed.length > 0 ? fixed.join('/') : undefined;
}

/** The generator name (hence branch and fix key) of the model's fix for proposed fix number `fixIndex + 1`. */
const llmGenerator = (fixIndex: number) => `llm-fix-${fixIndex + 1}`;

/**
 * The PR (or the claim) the model's fix already has: a second click links it without asking the model again, which
 * would cost a call of up to minutes and write a different change.
 */
async function existingLlmFix(
  deps: FixDeps,
  incidentId: number,
  fixIndex: number,
): Promise<FixOutcome | null> {
  const found = await deps.db.query<FixPrRow>(
    `SELECT id, status, pr_number, pr_url, title, branch, updated_at FROM fix_prs
     WHERE incident_id = $1 AND fix_key LIKE $2 AND status <> 'failed' ORDER BY id LIMIT 1`,
    [incidentId, `%:${llmGenerator(fixIndex)}`],
  );
  const row = found.rows[0];
  if (!row) return null;
  if (row.pr_number !== null && row.pr_url)
    return { kind: 'existing', title: row.title, number: row.pr_number, url: row.pr_url, status: row.status };
  const fresh = new Date(row.updated_at).getTime() >= deps.clock.now().getTime() - CLAIM_TTL_MS;
  return row.status === 'opening' && fresh ? { kind: 'in-progress', title: row.title } : null;
}

/** Reads, generates and validates the fix of an incident; throws FixUnavailable with the reason when there is none. */
export async function planFix(
  deps: FixDeps,
  request: { incidentId: number; fixIndex?: number | undefined; generator?: string | undefined },
): Promise<FixPlan> {
  const incident = await getIncident(deps.db, request.incidentId);
  if (!incident) throw new AiopsError(ErrorCode.NotFound, `incident ${request.incidentId} not found`);
  const service = deps.config.file.services.find((s) => s.name === incident.service);
  if (!service?.fixes) {
    throw unavailable(
      `service \`${incident.service}\` has no \`fixes\` mapping in aiops.yml (services[].repo and services[].fixes.paths): no fix PR for incident #${incident.id}`,
    );
  }
  const fixes = service.fixes;
  const stored = await latestAnalysis(deps.db, incident.id);
  const analysis = stored?.analysis;
  const fixIndex = request.fixIndex ?? 0;
  // A button naming its generator plans that generator's fix wherever the stored analysis now lists it (a re-run
  // may have reordered the fixes); an older button (no generator) is the fix at its index.
  const proposedFix = request.generator
    ? analysis?.proposedFixes.find((fix) => fix.generator === request.generator)
    : analysis?.proposedFixes[fixIndex];
  if (request.fixIndex !== undefined && analysis && !proposedFix && !request.generator)
    throw unavailable(`incident #${incident.id} has no proposed fix number ${fixIndex + 1}`);
  const read = await readFiles(deps, { repo: service.repo, fixes });
  const fileCount = Object.values(read.files).reduce((n, list) => n + list.length, 0);
  if (fileCount === 0) {
    throw unavailable(
      `no file under the mapped paths of \`${service.name}\` in ${read.source}: check services[].fixes.paths and base`,
    );
  }
  // The generator that proposed the clicked fix: named by the button or the stored proposal, else found by title
  // (proposals stored before generators were named), else the first for the incident's first signature.
  // What the stored analysis's Kubernetes context saw (a failed probe) selects and sizes the fix too.
  const seen = kubeFacts(analysis?.kubernetes);
  const origin = request.generator
    ? originOfGenerator(incident.alerts, request.generator)
    : // A stored rollback proposal was made because the analysis saw a recent change: the click finds it again.
      proposedFix &&
      originOfFix(incident.alerts, proposedFix, {
        ...seen,
        recentChange: 'seen by the analysis',
        changeMinutesBefore: 0,
      });
  if (request.generator && !origin)
    throw unavailable(
      `the fix clicked (${request.generator}) no longer fits the alerts of incident #${incident.id}: nothing opened`,
    );
  const signature = origin?.signature ?? fixSignature(incident);
  const generator = origin?.generator ?? (signature ? generatorFor(signature)?.name : undefined);
  const previousFiles =
    generator === imageRollback.name
      ? await readPreviousFiles(deps, { repo: service.repo, fixes }, read)
      : undefined;
  const fixRequest: FixRequest = {
    incidentId: incident.id,
    service: service.name,
    ...(signature ? { signature } : {}),
    ...(generator ? { generator } : {}),
    alertLabels: incident.alerts.map((alert) => alert.labels),
    ...(analysis?.rootCauses[0] ? { rootCause: rankRootCauses(analysis.rootCauses)[0] } : {}),
    ...(proposedFix ? { proposedFix } : {}),
    facts: {
      ...seen,
      ...(await prometheusFacts(deps, deps.clock.now(), incident.alerts, signature, generator)),
      ...(await measuredFacts(deps, incident.id)),
    },
    files: read.files,
    ...(previousFiles ? { previousFiles } : {}),
    ...(ansibleDir(fixes) ? { ansibleDir: ansibleDir(fixes) } : {}),
  };
  let generated = await generateFix(fixRequest);
  let validated: ValidationResult | undefined;
  // No deterministic generator fits: the model writes the fix when configured and there is an analysis to go on.
  if ('none' in generated && deps.llm && analysis && (fixRequest.rootCause || proposedFix)) {
    const written = await writeFixWithLlm(deps.llm, {
      request: fixRequest,
      fixes,
      incidentTitle: incident.title,
      analysis,
      generator: llmGenerator(fixIndex),
    });
    deps.logger?.info(
      { incidentId: incident.id, model: deps.llm.model, usage: written.usage, none: 'none' in written },
      'fix: written by the LLM',
    );
    if (written.usage)
      for (const [kind, count] of Object.entries({
        input: written.usage.input,
        output: written.usage.output,
        cache_read: written.usage.cacheRead,
        cache_write: written.usage.cacheWrite,
      }))
        deps.metrics?.llmTokens.inc({ kind }, count);
    if ('none' in written)
      throw unavailable(`no fix for incident #${incident.id}: ${generated.none}; ${written.none}`);
    generated = written.fix;
    validated = written.validation;
  }
  if ('none' in generated) throw unavailable(`no fix for incident #${incident.id}: ${generated.none}`);
  // Only files under the mapped globs are ever changed, whatever a generator returns.
  const matcher = pathMatcher(fixes);
  const outside = generated.edits.filter((edit) => matcher.kindOf(edit.path) === null);
  if (outside.length > 0) {
    throw unavailable(
      `the fix would change ${outside.map((e) => e.path).join(', ')}, outside services[].fixes.paths: refused`,
    );
  }
  const validation = validated ?? (await validateFix(generated));
  const diff = unifiedDiff(generated.edits);
  if (!validation.ok) {
    const failed = validation.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.output}`);
    throw unavailable(
      `the fix for incident #${incident.id} failed validation, nothing opened — ${failed.join('; ')}`,
    );
  }
  return {
    incident,
    service: service.name,
    repo: service.repo,
    fixes,
    fix: generated,
    validation,
    diff,
    read,
    fixKey: `${generated.kind}:${generated.generator}`,
  };
}

/** The fix as a diff, without opening anything (`aiops fix` without a token, the thread without one). */
export async function fixDiff(
  deps: FixDeps,
  request: { incidentId: number; fixIndex?: number | undefined; generator?: string | undefined },
): Promise<FixPlan> {
  return planFix(deps, request);
}

interface FixPrRow {
  id: number;
  status: string;
  pr_number: number | null;
  pr_url: string | null;
  title: string;
  branch: string;
  updated_at: Date;
}

/** Claims the (incident, fix) row for this request, or says who holds it. */
async function claim(
  deps: FixDeps,
  plan: FixPlan,
  repo: string,
  actor: string,
  title: string,
): Promise<{ claimed: FixPrRow } | { existing: FixPrRow }> {
  const now = deps.clock.now();
  const inserted = await deps.db.query<FixPrRow>(
    `INSERT INTO fix_prs (incident_id, fix_key, service, repo, base, branch, title, status, requested_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'opening', $8, $9, $9)
     ON CONFLICT (incident_id, fix_key) DO NOTHING
     RETURNING id, status, pr_number, pr_url, title, branch, updated_at`,
    [
      plan.incident.id,
      plan.fixKey,
      plan.service,
      repo,
      plan.fixes.base,
      fixBranch(plan.incident.id, plan.fix.generator),
      title,
      actor,
      now,
    ],
  );
  if (inserted.rows[0]) return { claimed: inserted.rows[0] };
  // A failed attempt, or an `opening` claim whose holder died, may be taken over; one taker wins.
  const retaken = await deps.db.query<FixPrRow>(
    `UPDATE fix_prs SET status = 'opening', error = NULL, requested_by = $3, title = $4, updated_at = $5
     WHERE incident_id = $1 AND fix_key = $2
       AND (status = 'failed' OR (status = 'opening' AND updated_at < $6))
     RETURNING id, status, pr_number, pr_url, title, branch, updated_at`,
    [plan.incident.id, plan.fixKey, actor, title, now, new Date(now.getTime() - CLAIM_TTL_MS)],
  );
  if (retaken.rows[0]) return { claimed: retaken.rows[0] };
  const existing = await deps.db.query<FixPrRow>(
    'SELECT id, status, pr_number, pr_url, title, branch, updated_at FROM fix_prs WHERE incident_id = $1 AND fix_key = $2',
    [plan.incident.id, plan.fixKey],
  );
  return { existing: existing.rows[0] as FixPrRow };
}

async function threadUrl(db: Queryable, incidentId: number): Promise<string | null> {
  const row = await db.query<{ channel_id: string | null; root_ts: string | null }>(
    'SELECT channel_id, root_ts FROM slack_threads WHERE incident_id = $1',
    [incidentId],
  );
  const thread = row.rows[0];
  if (!thread?.channel_id || !thread.root_ts || !/^\d+\.\d+$/.test(thread.root_ts)) return null;
  if (!/^[A-Z0-9]+$/.test(thread.channel_id)) return null;
  return `https://slack.com/archives/${thread.channel_id}/p${thread.root_ts.replace('.', '')}`;
}

/** Records a timeline event (told in the thread by the next sync) and asks for that sync. */
async function recordEvent(
  tx: Queryable,
  now: Date,
  incidentId: number,
  actor: string | null,
  detail: Record<string, unknown>,
): Promise<void> {
  await tx.query(
    `INSERT INTO incident_events (incident_id, at, kind, actor, detail) VALUES ($1, $2, 'fix_pr', $3, $4::jsonb)`,
    [incidentId, now, actor, jsonParam(detail)],
  );
  await tx.query('UPDATE incidents SET last_event_at = $2 WHERE id = $1', [incidentId, now]);
  await enqueueIncidentJob(tx, now, JOB_KINDS.syncIncident, incidentId);
}

/**
 * Opens (or links) the draft PR for an incident's fix. Without GitHub credentials, returns the diff instead.
 * Throws FixUnavailable (unmapped service, missing or unparseable file, failed validation, GitHub refusal).
 */
export async function openFixPr(
  deps: FixDeps,
  request: {
    incidentId: number;
    fixIndex?: number | undefined;
    /** The generator the clicked proposal named (buttons posted before generators were named have none). */
    generator?: string | undefined;
    actor: string;
    requestId: string;
  },
): Promise<FixOutcome> {
  if (deps.github && deps.llm) {
    const existing = await existingLlmFix(deps, request.incidentId, request.fixIndex ?? 0);
    if (existing) return existing;
  }
  const plan = await planFix(deps, request);
  const title = prTitle(plan.fix, plan.incident.id);
  if (!deps.github || !plan.repo) {
    const reason = !plan.repo
      ? `service \`${plan.service}\` has no \`repo\` in aiops.yml`
      : 'no GITHUB_TOKEN or GitHub App is configured';
    return { kind: 'diff', plan, reason };
  }
  const claimed = await claim(deps, plan, plan.repo, request.actor, title);
  if ('existing' in claimed) {
    const row = claimed.existing;
    if (row.pr_number !== null && row.pr_url)
      return {
        kind: 'existing',
        title: row.title,
        number: row.pr_number,
        url: row.pr_url,
        status: row.status,
      };
    return { kind: 'in-progress', title: row.title };
  }
  const row = claimed.claimed;
  try {
    const result = await writeFixPr(deps.github, {
      repo: plan.repo,
      base: plan.fixes.base,
      branch: row.branch,
      title,
      body: prBody({
        incident: plan.incident,
        threadUrl: await threadUrl(deps.db, plan.incident.id),
        cause: await causeOf(deps.db, plan.incident.id),
        fix: plan.fix,
        validation: plan.validation,
        requestedBy: request.actor,
        requestId: request.requestId,
      }),
      commitMessage: `${title}\n\n${redact(plan.fix.rationale).text}\n\nGenerated by aiops-bot (${plan.fix.generator}${plan.fix.model ? `, written by the language model ${plan.fix.model}` : ''}) for incident #${plan.incident.id}.`,
      labels: ['aiops', `aiops:${plan.fix.kind}`],
      files: plan.fix.edits.map((edit) => ({
        path: edit.path,
        content: edit.after,
        mode: plan.read.modes?.[edit.path],
      })),
      baseSha: plan.read.baseSha,
    });
    await deps.db.transaction(async (tx) => {
      const now = deps.clock.now();
      await tx.query(
        `UPDATE fix_prs SET status = 'open', pr_number = $2, pr_url = $3, updated_at = $4, last_event = 'opened' WHERE id = $1`,
        [row.id, result.number, result.url, now],
      );
      await recordEvent(tx, now, plan.incident.id, request.actor, {
        status: 'opened',
        number: result.number,
        url: result.url,
        repo: plan.repo,
        title,
        draft: result.draft,
      });
    });
    deps.logger?.info(
      { incidentId: plan.incident.id, repo: plan.repo, number: result.number, reused: result.reused },
      'fix PR opened',
    );
    return {
      kind: 'opened',
      title,
      number: result.number,
      url: result.url,
      repo: plan.repo,
      reused: result.reused,
      draft: result.draft,
    };
  } catch (error) {
    const described = describeGitHubError(error, plan.repo);
    await deps.db.query(`UPDATE fix_prs SET status = 'failed', error = $2, updated_at = $3 WHERE id = $1`, [
      row.id,
      described.message,
      deps.clock.now(),
    ]);
    deps.logger?.warn({ err: error, incidentId: plan.incident.id, repo: plan.repo }, 'fix PR failed');
    throw new AiopsError(ErrorCode.FixUnavailable, described.message, { cause: error });
  }
}

async function causeOf(db: Queryable, incidentId: number) {
  const stored = await latestAnalysis(db, incidentId);
  return stored ? rankRootCauses(stored.analysis.rootCauses)[0] : undefined;
}

export interface FixPrRecord {
  fixKey: string;
  repo: string;
  base: string;
  branch: string;
  title: string;
  status: string;
  number: number | null;
  url: string | null;
  requestedBy: string;
  stateActor: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An incident's fix PRs for GET /api/incidents/:id, oldest first. */
export async function listFixPrs(db: Queryable, incidentId: number): Promise<FixPrRecord[]> {
  const rows = await db.query<{
    fix_key: string;
    repo: string;
    base: string;
    branch: string;
    title: string;
    status: string;
    pr_number: number | null;
    pr_url: string | null;
    requested_by: string;
    state_actor: string | null;
    error: string | null;
    created_at: Date;
    updated_at: Date;
  }>('SELECT * FROM fix_prs WHERE incident_id = $1 ORDER BY id', [incidentId]);
  return rows.rows.map((row) => ({
    fixKey: row.fix_key,
    repo: row.repo,
    base: row.base,
    branch: row.branch,
    title: row.title,
    status: row.status,
    number: row.pr_number,
    url: row.pr_url,
    requestedBy: row.requested_by,
    stateActor: row.state_actor,
    error: row.error,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }));
}

// ---------------------------------------------------------------------------------------------------
// The PR's fate

export type PrStatus = 'open' | 'review_requested' | 'merged' | 'closed';

export interface PrEvent {
  repo: string;
  number: number;
  /** The new state, or a note that does not change it (ready for review, approved). */
  status: PrStatus | 'ready_for_review' | 'approved' | 'changes_requested';
  /** GitHub login of who did it (merged_by, the reviewer asked, the reviewer). */
  by?: string | undefined;
}

/**
 * Applies a PR event from the webhook or the poll: updates the fix_prs row and tells the thread, once (a replay
 * or a poll that sees the same state tells nothing). Returns false for PRs we did not open or nothing new.
 */
export async function recordPrEvent(deps: { db: Db; clock: Clock }, event: PrEvent): Promise<boolean> {
  return deps.db.transaction(async (tx) => {
    const found = await tx.query<{
      id: number;
      incident_id: number;
      status: string;
      last_event: string | null;
      pr_url: string | null;
      title: string;
    }>(
      `SELECT id, incident_id, status, last_event, pr_url, title FROM fix_prs
       WHERE lower(repo) = lower($1) AND pr_number = $2 FOR UPDATE`,
      [event.repo, event.number],
    );
    const row = found.rows[0];
    if (!row) return false;
    if (row.status === 'merged') return false; // final: nothing after a merge changes it
    const key = `${event.status}:${event.by ?? ''}`;
    if (row.last_event === key) return false;
    const status: PrStatus =
      event.status === 'ready_for_review' ||
      event.status === 'approved' ||
      event.status === 'changes_requested'
        ? (row.status as PrStatus)
        : event.status;
    const now = deps.clock.now();
    await tx.query(
      'UPDATE fix_prs SET status = $2, state_actor = $3, last_event = $4, updated_at = $5 WHERE id = $1',
      [row.id, status, event.by ?? null, key, now],
    );
    await recordEvent(tx, now, row.incident_id, event.by ? `${event.by} (GitHub)` : null, {
      status: event.status,
      number: event.number,
      url: row.pr_url,
      repo: event.repo,
      title: row.title,
    });
    return true;
  });
}

/**
 * Polls GitHub for fix PRs still open (when no webhook is configured): merged, closed, reviewers asked. For the
 * node-cron scheduler; returns how many PRs changed.
 */
export async function pollFixPrs(
  deps: { db: Db; clock: Clock; github?: GitHubClient | null; logger?: Logger },
  now: Date = deps.clock.now(),
): Promise<number> {
  if (!deps.github) return 0;
  const open = await deps.db.query<{ repo: string; pr_number: number }>(
    `SELECT repo, pr_number FROM fix_prs WHERE status IN ('open', 'review_requested') AND pr_number IS NOT NULL
     AND updated_at <= $1 ORDER BY updated_at LIMIT 100`,
    [now],
  );
  let changed = 0;
  for (const row of open.rows) {
    const [owner, repo] = row.repo.split('/') as [string, string];
    try {
      const pr = (await deps.github.rest.pulls.get({ owner, repo, pull_number: row.pr_number })).data;
      let event: PrEvent;
      if (pr.merged)
        event = { repo: row.repo, number: row.pr_number, status: 'merged', by: pr.merged_by?.login };
      else if (pr.state === 'closed') event = { repo: row.repo, number: row.pr_number, status: 'closed' };
      else if ((pr.requested_reviewers ?? []).length > 0)
        event = {
          repo: row.repo,
          number: row.pr_number,
          status: 'review_requested',
          by: pr.requested_reviewers?.[0]?.login,
        };
      else continue;
      if (await recordPrEvent(deps, event)) changed += 1;
    } catch (error) {
      deps.logger?.warn({ err: error, repo: row.repo, number: row.pr_number }, 'fix PR poll failed');
    }
  }
  return changed;
}

/**
 * Posts the fix as a diff in the incident's thread (no GitHub credentials), once per distinct diff: a second
 * click or a replayed request finds the same digest recorded and posts nothing. Returns whether it posted.
 */
export async function postFixDiff(
  deps: { db: Db; clock: Clock },
  plan: FixPlan,
  reason: string,
): Promise<boolean> {
  const digest = createHash('sha256').update(plan.diff).digest('hex').slice(0, 32);
  return deps.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`fix-diff:${plan.incident.id}`]);
    const seen = await tx.query(
      `SELECT 1 FROM incident_events WHERE incident_id = $1 AND kind = 'fix_diff' AND detail->>'digest' = $2`,
      [plan.incident.id, digest],
    );
    if (seen.rows.length > 0) return false;
    const now = deps.clock.now();
    await tx.query(
      `INSERT INTO incident_events (incident_id, at, kind, actor, detail) VALUES ($1, $2, 'fix_diff', NULL, $3::jsonb)`,
      [plan.incident.id, now, jsonParam({ digest, title: plan.fix.title })],
    );
    return (
      (await enqueueReply(tx, now, {
        incidentId: plan.incident.id,
        message: renderFixDiff(plan, reason),
      })) !== null
    );
  });
}

/**
 * The poll as a scheduled job (the shape of src/jobs/cron.ts's CronJob): every 5 minutes, only when GitHub is
 * configured and no GITHUB_WEBHOOK_SECRET is set (with a webhook, GitHub tells us). Null when not needed.
 */
export function fixPrPollJob(deps: {
  db: Db;
  clock: Clock;
  config: Config;
  github?: GitHubClient | null;
  logger?: Logger;
}): { name: string; schedule: string; run(now: Date): Promise<{ changed: number }> } | null {
  if (!deps.github || deps.config.env.GITHUB_WEBHOOK_SECRET) return null;
  return {
    name: 'fix-pr-poll',
    schedule: '*/5 * * * *',
    run: async (now) => ({ changed: await pollFixPrs(deps, now) }),
  };
}
