/** The consumers of incident jobs: analyse an incident, bring its Slack thread up to date. */
import { z } from 'zod';
import { analyzeIncident } from '../analysis/analyze.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import { postAnalysis, syncIncidentThread } from '../slack/thread.ts';
import { JOB_KINDS } from './kinds.ts';
import type { Job } from './queue.ts';
import type { JobHandler } from './worker.ts';

const incidentPayload = z.object({ incidentId: z.number().int().positive() });

function incidentIdOf(job: Job): number {
  const parsed = incidentPayload.safeParse(job.payload);
  if (!parsed.success) throw new Error(`job ${job.id} (${job.kind}) has no valid incidentId`);
  return parsed.data.incidentId;
}

export interface IncidentJobDeps {
  db: Db;
  clock: Clock;
}

export function incidentJobHandlers(deps: IncidentJobDeps): Record<string, JobHandler> {
  return {
    [JOB_KINDS.analyzeIncident]: async (job) => {
      const stored = await analyzeIncident(deps, incidentIdOf(job));
      await postAnalysis(deps, stored);
    },
    [JOB_KINDS.syncIncident]: (job) => syncIncidentThread(deps, incidentIdOf(job)),
  };
}
