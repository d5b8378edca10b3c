/**
 * The seam between fix generation (generators, the LLM, validators: src/fixes/generators, validate.ts)
 * and delivery (the GitHub PR writer, the diff shown without a token, Slack and the CLI).
 *
 * A generator reads the team's own files (only those under `services[].fixes.paths` globs) and returns
 * edits that keep comments, key order and formatting; validation runs before anything is opened.
 */
import type { ProposedFix, RootCause } from '../analysis/schema.ts';

export type FixKind = 'kubernetes' | 'helm' | 'terraform' | 'ansible';

/** A file of the team's repository (or local checkout), as read. */
export interface RepoFile {
  path: string;
  content: string;
}

/** What a generator knows about the incident: labels of its alerts, the analysis, facts it measured. */
export interface FixRequest {
  incidentId: number;
  service: string;
  /** The catalogue signature that matched (offline analyzer), e.g. `kube-oomkilled`; absent for the LLM. */
  signature?: string;
  /**
   * The generator to run (the one whose proposal was clicked: several may serve one signature); absent: the first
   * serving the signature.
   */
  generator?: string;
  /** Labels of the incident's alerts (untrusted: used only to find the object to edit). */
  alertLabels: Record<string, string>[];
  rootCause?: RootCause;
  proposedFix?: ProposedFix;
  /**
   * Measurements a generator may size its change from, e.g. `{ memoryPeakBytes: 2.04e9, window: '6h' }`,
   * or the image tag before the recent change from the GitHub change context.
   */
  facts: Record<string, string | number>;
  /** Files under the service's mapped globs, per kind. */
  files: Record<FixKind, RepoFile[]>;
  /**
   * A mapped file as it was before its most recent change (from the repository's history: the parent of the
   * newest commit touching it), with that change (`3f2a1b0 Bump checkout to 1.43`), by path. Read for a bad
   * rollout only: the image rollback takes the tag before the change from here.
   */
  previousFiles?: Record<string, { content: string; change: string }>;
  /**
   * The folder a new Ansible playbook goes to (the mapped `ansible` glob's fixed prefix, e.g. `ansible`); when
   * absent, the folder the mapped Ansible files share.
   */
  ansibleDir?: string;
}

export interface FileEdit {
  path: string;
  /** The file as read (empty when created) and its whole new content (the original with targeted edits). */
  before: string;
  after: string;
  /** Created by the fix (an Ansible playbook in the mapped folder). */
  created?: boolean;
  /** Why this file changed (the LLM writer gives one per file). */
  rationale?: string;
}

export interface GeneratedFix {
  kind: FixKind;
  /** PR title: "Raise memory limit of checkout to 2.5Gi". */
  title: string;
  /** Why these numbers, in a sentence or two ("peak 1.9 GiB over 6 h → 2.5Gi"). */
  rationale: string;
  edits: FileEdit[];
  /** How to roll the change back, for the PR body. */
  rollback: string;
  generator: string;
  /** Set when a language model wrote the change (its model id): the PR and the thread say so. */
  model?: string;
}

export interface ValidationResult {
  ok: boolean;
  /** One line per check: "kubernetes schema (apps/v1 Deployment checkout): ok". */
  checks: { name: string; ok: boolean; output: string }[];
}
