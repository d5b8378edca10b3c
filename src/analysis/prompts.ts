/**
 * The LLM prompts: Markdown templates in prompts/ (read once), filled with `{{placeholders}}`. The data
 * part of every prompt is built here from the analysis input — redacted, then fenced as untrusted text
 * that cannot close its fence.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packagePath } from '../package.ts';
import type { AnalysisInput } from './input.ts';
import { analyzeOffline } from './offline/index.ts';
import { type RedactionFinding, redactAndCut, redactDeep } from './redact.ts';
import type { Analysis } from './schema.ts';

export const PROMPT_TASKS = ['analyze', 'why', 'explain', 'fix'] as const;
export type PromptTask = (typeof PROMPT_TASKS)[number];

const PROMPTS_DIR = packagePath('prompts');
const cache = new Map<string, string>();

function template(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(path.join(PROMPTS_DIR, file), 'utf8');
    cache.set(file, text);
  }
  return text;
}

/** Fills `{{name}}` placeholders; a placeholder without a value (or a value without a placeholder) throws. */
export function fill(text: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const filled = text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`prompt placeholder {{${name}}} has no value`);
    used.add(name);
    return value;
  });
  const unused = Object.keys(values).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`prompt values without a placeholder: ${unused.join(', ')}`);
  return filled;
}

export interface RenderedPrompt {
  /** Static instructions: the system prompt, cached by the API. */
  system: string;
  /** The per-request message. */
  user: string;
}

export function renderPrompt(task: PromptTask, values: Record<string, string>): RenderedPrompt {
  return { system: template(`${task}.system.md`).trim(), user: fill(template(`${task}.md`), values).trim() };
}

/**
 * Untrusted text for inside a fence: `<` becomes a look-alike escape, so nothing in it can close the
 * fence or open a tag of its own, however the text was crafted.
 */
export function fenced(text: string): string {
  return text.replace(/</g, '‹');
}

/** JSON for inside a fence: `<` written as the JSON escape \u003c, which the model reads as `<`. */
export function fencedJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/</g, '\\u003c');
}

const MAX_ALERTS = 30;
const MAX_TEXT = 1_000;
/** Redacted, then cut: a secret cut first would keep most of its characters and match no rule. */
const clip = (text: string, max = MAX_TEXT) => redactAndCut(text, max + 1);
const clipValues = (record: Record<string, string>) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, clip(value)]));

/** What the model is told about the incident: facts only, sized for a prompt (from a redacted input). */
export function incidentFacts(input: AnalysisInput) {
  const { incident } = input;
  return {
    incident: {
      id: incident.id,
      title: incident.title,
      service: incident.service,
      severity: incident.severity,
      status: incident.status,
      source: incident.source,
      openedAt: incident.openedAt,
      alertCount: incident.alertCount,
      firingCount: incident.firingCount,
      labels: incident.labels,
    },
    alerts: incident.alerts.slice(0, MAX_ALERTS).map((alert) => ({
      alertname: alert.alertname,
      status: alert.status,
      severity: alert.severity,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      labels: alert.labels,
      annotations: clipValues(alert.annotations),
      ...(alert.generatorUrl ? { generatorUrl: alert.generatorUrl } : {}),
    })),
    ...(incident.alerts.length > MAX_ALERTS ? { alertsOmitted: incident.alerts.length - MAX_ALERTS } : {}),
    relatedAlerts: input.relatedAlerts,
    recentChanges: input.recentChanges,
    metrics: input.metrics,
    similarPastIncidents: input.similarIncidents
      .filter((similar) => similar.confirmedCauses.length > 0)
      .slice(0, 10)
      .map((similar) => ({
        id: similar.id,
        title: similar.title,
        openedAt: similar.openedAt,
        confirmedCauses: similar.confirmedCauses,
      })),
    similarPastIncidentsTotal: input.similarIncidents.length,
    // What the cluster says about the pods, workloads and nodes the alerts name (read-only, redacted).
    ...(input.kubernetes ? { kubernetes: input.kubernetes } : {}),
  };
}

/**
 * What the built-in catalogue knows about these alerts — the causes their public runbooks name, ranked — for
 * the model to weigh against the evidence. Undefined when no signature knows them. Built from the same alert
 * data, so it goes inside the fence with it.
 */
export function runbookKnowledge(input: AnalysisInput) {
  // The alerts alone: recent changes and past incidents are in the data already, as evidence.
  // The Kubernetes context too: it is in the data, as evidence.
  const { kubernetes: _evidence, ...alertsOnly } = input;
  const offline = analyzeOffline({ ...alertsOnly, recentChanges: [], similarIncidents: [] });
  const causes = offline.rootCauses.filter((cause) => cause.category !== 'unknown');
  if (causes.length === 0) return undefined;
  return {
    summary: offline.summary,
    causes: causes.map(({ title, likelihood, category }) => ({ title, likelihood, category })),
  };
}

export interface PreparedPrompt extends RenderedPrompt {
  /** Kinds of secrets removed from the data, for the log and metrics. */
  redactions: { kind: string; count: number }[];
}

/** Findings of two passes, added up by kind. */
function addFindings(...lists: RedactionFinding[][]): RedactionFinding[] {
  const counts = new Map<string, number>();
  for (const list of lists)
    for (const { kind, count } of list) counts.set(kind, (counts.get(kind) ?? 0) + count);
  return [...counts].map(([kind, count]) => ({ kind, count }));
}

// The input is redacted before the facts are built from it, since building them cuts text (annotations
// to 1,000 characters): a secret cut first would keep most of its characters and match no rule. The
// facts are redacted once more as they leave, in case anything was put together from parts.

export function analyzePrompt(input: AnalysisInput, sources: string[]): PreparedPrompt {
  const clean = redactDeep(input);
  const { value, findings } = redactDeep({
    ...incidentFacts(clean.value),
    runbookKnowledge: runbookKnowledge(clean.value),
  });
  return {
    ...renderPrompt('analyze', {
      incidentId: String(input.incident.id),
      incidentData: fencedJson(value),
      sources: sources.length > 0 ? sources.join(', ') : 'the incident only',
    }),
    redactions: addFindings(clean.findings, findings),
  };
}

export function whyPrompt(input: AnalysisInput, analysis: Analysis | null, question: string): PreparedPrompt {
  const clean = redactDeep({ input, analysis, question });
  const latest = clean.value.analysis;
  const data = {
    // The Kubernetes context read now, else the one the latest analysis used ("what do the logs say?").
    ...incidentFacts(
      latest?.kubernetes && !clean.value.input.kubernetes
        ? { ...clean.value.input, kubernetes: latest.kubernetes }
        : clean.value.input,
    ),
    latestAnalysis: latest && {
      analyzer: latest.analyzer,
      summary: latest.summary,
      rootCauses: latest.rootCauses,
      nextSteps: latest.nextSteps,
      history: latest.history,
    },
  };
  const { value, findings } = redactDeep({ data, question: clip(clean.value.question, 2_000) });
  return {
    ...renderPrompt('why', {
      incidentId: String(input.incident.id),
      incidentData: fencedJson(value.data),
      question: fenced(value.question),
    }),
    redactions: addFindings(clean.findings, findings),
  };
}

export function explainPrompt(text: string): PreparedPrompt {
  const { value, findings } = redactDeep({ text });
  return { ...renderPrompt('explain', { text: fenced(clip(value.text, 8_000)) }), redactions: findings };
}

/** A repository file as the fix prompt shows it: already redacted, then cut (see src/fixes/llm.ts). */
export interface FixPromptFile {
  path: string;
  kind: string;
  /** False when the file was cut to fit or had secrets redacted: the model may read it, never edit it. */
  editable: boolean;
  /** Why it is not editable. */
  note?: string;
  content: string;
}

export interface FixPromptInput {
  incidentId: number;
  service: string;
  /** The service's `fixes.paths` globs (from aiops.yml). */
  globs: string[];
  limits: { edits: number; changedLines: number; contentChars: number };
  /** The incident and its analysis (redacted again here). */
  incidentData: Record<string, unknown>;
  files: FixPromptFile[];
  /** Paths under the globs that were not sent (over the caps), so the model knows they exist. */
  notSent: string[];
}

/**
 * The fix prompt: the incident and its analysis inside <incident_data>, the chosen files inside
 * <repository_files> — both JSON, so a file's `<` reaches the model as `\u003c` and comes back as `<`
 * (the look-alike escape of `fenced` would be written into the file).
 */
export function fixPrompt(input: FixPromptInput): PreparedPrompt {
  const incident = redactDeep(input.incidentData);
  const files = redactDeep({ files: input.files, notSent: input.notSent });
  return {
    ...renderPrompt('fix', {
      incidentId: String(input.incidentId),
      service: fenced(input.service),
      globs: fenced(input.globs.map((glob) => `\`${glob}\``).join(', ') || '(none)'),
      maxEdits: String(input.limits.edits),
      maxChangedLines: String(input.limits.changedLines),
      maxContentChars: String(input.limits.contentChars),
      incidentData: fencedJson(incident.value),
      files: fencedJson(files.value),
    }),
    redactions: addFindings(incident.findings, files.findings),
  };
}
