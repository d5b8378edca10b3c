import type { GatherContext } from './analysis/analyze.ts';
import type { LlmDeps } from './analysis/llm.ts';
import type { GitHubClient } from './clients/github.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Db } from './db/index.ts';
import type { RemediationDeps } from './incidents/remediation.ts';
import type { IngestRequest, IngestResult } from './ingest/ingest.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { Executor } from './remediation/types.ts';

/** What the composition root builds once and hands to every entry point. */
export interface AppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** The LLM; null without ANTHROPIC_API_KEY (the offline analyzer answers). */
  llm: LlmDeps | null;
  /** Context gathering for analyses; the incident and its memory when absent. */
  gather?: GatherContext;
  /** GitHub with GITHUB_TOKEN or the GitHub App: fix PRs; null or absent without credentials (diffs only). */
  github?: GitHubClient | null;
  /** Remediation executors built from `remediation:` in aiops.yml (none: nothing can run). */
  executors?: Executor[];
  /** Slack user-group members by handle (usergroups.users.list); absent in local mode. */
  slackGroups?: (groupHandle: string) => Promise<string[]>;
  /** Ingests a webhook delivery with the others in flight (createApp's batcher); alone when absent. */
  ingest?: (request: IngestRequest) => Promise<IngestResult>;
  /** Tells this process's job worker that work was just queued (an approval), so it starts at once. */
  wakeJobs?: () => void;
}

/** The remediation use-cases' dependencies, from the app's. */
export function remediationDeps(deps: AppDeps): RemediationDeps {
  return {
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    config: deps.config,
    executors: deps.executors ?? [],
    ...(deps.slackGroups ? { slackGroups: deps.slackGroups } : {}),
  };
}
