/** The consumers of incident jobs: analyse an incident, bring its Slack thread up to date. */
import { z } from 'zod';
import type { AnalyzeDeps } from '../analysis/analyze.ts';
import type { Config } from '../config.ts';
import { analyseIncident } from '../incidents/analyse.ts';
import { type RemediationDeps, runRemediationJob } from '../incidents/remediation.ts';
import type { Job } from '../queue/jobs.ts';
import { JOB_KINDS } from '../queue/kinds.ts';
import { syncIncidentThread } from '../slack/thread.ts';
import type { JobHandler } from './worker.ts';

const incidentPayload = z.object({ incidentId: z.number().int().positive() });

function incidentIdOf(job: Job): number {
  const parsed = incidentPayload.safeParse(job.payload);
  if (!parsed.success) throw new Error(`job ${job.id} (${job.kind}) has no valid incidentId`);
  return parsed.data.incidentId;
}

export type IncidentJobDeps = AnalyzeDeps & { config?: Config };

const runPayload = z.object({
  remediationId: z.number().int().positive(),
  op: z.enum(['run', 'rollback']).default('run'),
});

/** The consumer of `run-remediation`: runs an approved remediation (or its rollback) at most once. */
export function remediationJobHandlers(deps: RemediationDeps): Record<string, JobHandler> {
  return {
    [JOB_KINDS.runRemediation]: async (job) => {
      const parsed = runPayload.safeParse(job.payload);
      if (!parsed.success) throw new Error(`job ${job.id} (${job.kind}) has no valid remediationId`);
      await runRemediationJob(deps, parsed.data.remediationId, parsed.data.op);
    },
  };
}

export function incidentJobHandlers(deps: IncidentJobDeps): Record<string, JobHandler> {
  return {
    [JOB_KINDS.analyzeIncident]: async (job) => {
      await analyseIncident(deps, incidentIdOf(job), 'settled');
    },
    [JOB_KINDS.firstAnalysis]: async (job) => {
      await analyseIncident(deps, incidentIdOf(job), 'first');
    },
    [JOB_KINDS.syncIncident]: (job) => syncIncidentThread(deps, incidentIdOf(job)),
  };
}
