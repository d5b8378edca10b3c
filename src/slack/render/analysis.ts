/**
 * What the analyzers said, for Slack: the analysis thread reply (split over several messages when it is
 * long), the compact `/aiops why` answer, and `/aiops explain`. All analyzer text is untrusted.
 */
import type { KnownBlock } from '@slack/types';
import {
  type Analysis,
  type Explanation,
  type ProposedAction,
  type ProposedFix,
  type RootCause,
  rankRootCauses,
} from '../../analysis/schema.ts';
import type { IncidentDetail, IncidentSummary } from '../../db/incidents.ts';
import { ACTION_IDS, type SlackMessage } from '../message.ts';
import {
  bullets,
  button,
  code,
  context,
  esc,
  fenced,
  oneLine,
  percent,
  plural,
  section,
  splitText,
  truncate,
} from './format.ts';
import { kubeContextLine } from './kubernetes.ts';
import { SLACK_LIMITS } from './limits.ts';
import {
  buttonValue,
  fallback,
  incidentName,
  lifecycleActions,
  packMessages,
  sections,
  statusLabel,
} from './parts.ts';

/** Per cause in the thread reply: evidence items shown and the length of each. */
const THREAD_EVIDENCE = { items: 6, length: 300 };
/** Per cause in `/aiops why`. */
const WHY_EVIDENCE = { items: 3, length: 200 };
const WHY_SUMMARY = 700;

// ---------------------------------------------------------------------------------------------------
// Shared lines

/** Who answered: "Offline analyzer (no LLM)" and why, or the model. */
export function analyzerLine(analysis: {
  analyzer: 'llm' | 'offline';
  model?: string | undefined;
  fallbackReason?: string | undefined;
  tokens?: { input: number; output: number } | undefined;
}): string {
  if (analysis.analyzer === 'offline') {
    const reason = analysis.fallbackReason?.trim();
    return `🧰 Offline analyzer (no LLM)${reason ? ` — ${truncate(esc(oneLine(reason)), 300)}` : ''}`;
  }
  const model = analysis.model ? code(truncate(oneLine(analysis.model), 100)) : 'an LLM';
  const tokens = analysis.tokens
    ? ` · ${analysis.tokens.input.toLocaleString('en-US')} tokens in, ${analysis.tokens.output.toLocaleString('en-US')} out`
    : '';
  return `🤖 Analyzed by ${model}${tokens} · check the evidence before acting`;
}

/**
 * The line an analysis that replaced an earlier one in place carries: who updated it. The earlier answers
 * stay in the incident's history (`GET /api/incidents/:id`).
 */
export function updatedLine(analysis: Pick<Analysis, 'analyzer' | 'model'>): string {
  if (analysis.analyzer === 'llm') {
    const model = analysis.model ? code(truncate(oneLine(analysis.model), 100)) : 'the LLM';
    return `✏️ Updated by ${model} after the alert storm settled`;
  }
  return '✏️ Updated after the alert storm settled';
}

/** "In 3 of 5 similar past incidents the cause was *Bad deploy*", or null without history. */
export function historyLine(history: Analysis['history']): string | null {
  if (!history) return null;
  if (history.similar === 0) return '📚 No similar past incidents on record.';
  const similar = `similar past ${history.similar === 1 ? 'incident' : 'incidents'}`;
  if (history.confirmed === 0 || !history.cause.trim()) {
    return `📚 ${history.similar} ${similar}, none with a confirmed cause yet.`;
  }
  const cause = truncate(esc(oneLine(history.cause)), 300);
  return `📚 In ${history.confirmed} of ${history.similar} ${similar} the cause was *${cause}*`;
}

/** `*1. Bad deploy* — 62% · _deployment_` and the evidence as bullets. */
function causeText(cause: RootCause, index: number, evidence: { items: number; length: number }): string {
  const head = `*${index + 1}. ${truncate(esc(oneLine(cause.title)), 250)}* — ${percent(cause.likelihood)} · _${esc(cause.category)}_`;
  const items = cause.evidence
    .slice(0, evidence.items)
    .map((item) => truncate(esc(oneLine(item)), evidence.length));
  if (cause.evidence.length > evidence.items) {
    items.push(`_…and ${plural(cause.evidence.length - evidence.items, 'more piece')} of evidence_`);
  }
  return items.length > 0 ? `${head}\n${bullets(items)}` : head;
}

function actionTarget(namespace: string, name: string): string {
  return code(truncate(`${oneLine(namespace)}/${oneLine(name)}`, 200));
}

/** A proposed action as data, in words: "restart deployment `shop/checkout`". */
export function actionText(action: ProposedAction): string {
  switch (action.kind) {
    case 'restart':
      return `restart ${esc(action.workload)} ${actionTarget(action.namespace, action.name)}`;
    case 'scale':
      return `scale ${actionTarget(action.namespace, action.name)} to ${plural(action.replicas, 'replica')}`;
    case 'rollback-deployment':
      return `roll back deployment ${actionTarget(action.namespace, action.name)} to ${
        action.toRevision !== undefined ? `revision ${action.toRevision}` : 'the previous revision'
      }`;
    case 'raise-limits': {
      const limits = [
        action.memory ? `memory ${code(action.memory)}` : '',
        action.cpu ? `cpu ${code(action.cpu)}` : '',
      ].filter(Boolean);
      return `raise limits of container ${code(truncate(oneLine(action.container), 100))} in ${actionTarget(
        action.namespace,
        action.name,
      )}${limits.length > 0 ? ` to ${limits.join(', ')}` : ''}`;
    }
    case 'run-playbook':
      return `run playbook ${code(truncate(oneLine(action.playbook), 200))}${
        action.limit ? ` limited to ${code(truncate(oneLine(action.limit), 200))}` : ''
      }`;
    default:
      return esc(String((action as { kind?: unknown }).kind ?? 'unknown action'));
  }
}

const FIX_KINDS: Record<ProposedFix['kind'], string> = {
  kubernetes: 'Kubernetes',
  terraform: 'Terraform',
  ansible: 'Ansible',
};

function fixText(fix: ProposedFix): string {
  const description = fix.description.trim() ? ` — ${truncate(esc(oneLine(fix.description)), 300)}` : '';
  return `*${truncate(esc(oneLine(fix.title)), 250)}* (${FIX_KINDS[fix.kind] ?? esc(fix.kind)})${description}`;
}

function numbered(items: string[]): string {
  return items.map((item, index) => `${index + 1}. ${item}`).join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Renderers

/** A cause with its *This was the cause* button; long text continues in further sections. */
function causeBlocks(incident: IncidentSummary, cause: RootCause, index: number): KnownBlock[] {
  const [first = '', ...rest] = splitText(causeText(cause, index, THREAD_EVIDENCE), SLACK_LIMITS.sectionText);
  const confirm = button({
    text: 'This was the cause',
    actionId: `${ACTION_IDS.confirmCause}:${index}`,
    value: buttonValue({ incidentId: incident.id, cause: cause.title, category: cause.category }),
  });
  return [section(first, { accessory: confirm }), ...rest.map((piece) => section(piece))];
}

export interface AnalysisRenderOptions {
  /** The analysis replaces an earlier one in the same message (chat.update): say who updated it. */
  updated?: boolean;
}

/**
 * The analysis thread reply: summary, ranked root causes (each with a *This was the cause* button), the
 * history line, next steps, proposed actions and fixes, the Acknowledge / Resolve buttons and who
 * analyzed. Long analyses become several messages (the buttons and analyzer line close the last one).
 */
export function renderAnalysis(
  incident: IncidentSummary,
  analysis: Analysis,
  options: AnalysisRenderOptions = {},
): SlackMessage[] {
  const causes = rankRootCauses(analysis.rootCauses);
  const units: KnownBlock[][] = [];
  units.push(
    sections(`🔎 *Analysis of incident ${incidentName(incident)}*\n${esc(analysis.summary.trim())}`),
  );
  if (causes.length === 0) {
    units.push([section('*Likely root causes*\n_None identified from the alerts and context available._')]);
  }
  causes.forEach((cause, index) => {
    const blocks = causeBlocks(incident, cause, index);
    units.push(index === 0 ? [section('*Likely root causes*'), ...blocks] : blocks);
  });
  const history = historyLine(analysis.history);
  if (history) units.push([section(history)]);
  if (analysis.nextSteps.length > 0) {
    const steps = analysis.nextSteps.map((step) => truncate(esc(oneLine(step)), 500));
    units.push(sections(`*Next steps*\n${numbered(steps)}`));
  }
  if (analysis.proposedActions.length > 0) {
    units.push(sections(`*Proposed actions*\n${bullets(analysis.proposedActions.map(actionText))}`));
  }
  if (analysis.proposedFixes.length > 0) {
    // Each fix with its *Open fix PR* button (a draft PR, or the diff when GitHub is not configured).
    units.push([
      section('*Proposed fixes*'),
      ...analysis.proposedFixes.map((fix, index) =>
        section(truncate(`• ${fixText(fix)}`, SLACK_LIMITS.sectionText), {
          accessory: button({
            text: 'Open fix PR',
            actionId: `${ACTION_IDS.fixOpenPr}:${index}`,
            value: buttonValue({
              incidentId: incident.id,
              fixIndex: index,
              ...(fix.generator ? { generator: fix.generator } : {}),
            }),
          }),
        }),
      ),
    ]);
  }
  const kube = kubeContextLine(incident, analysis);
  if (kube) units.push([context(kube)]);
  units.push([
    ...lifecycleActions(incident),
    context(analyzerLine(analysis)),
    ...(options.updated ? [context(updatedLine(analysis))] : []),
  ]);

  const top = causes[0];
  const headline = top
    ? `likely ${oneLine(top.title)} (${percent(top.likelihood)})`
    : truncate(oneLine(analysis.summary), 200);
  return packMessages(units, {
    text: (index, total) =>
      index === 0
        ? fallback(`🔎 Analysis of ${incidentName(incident, 100)}: ${esc(headline)}`)
        : fallback(`🔎 Analysis of #${incident.id}, continued (${index + 1}/${total})`),
    continued: (index, total) => `_Analysis of incident #${incident.id}, continued (${index + 1}/${total})_`,
  });
}

/**
 * What a part of an earlier, longer analysis becomes when the analysis that replaced it needs fewer
 * messages (its first parts were edited in place).
 */
export function renderReplacedAnalysisPart(incident: IncidentSummary): SlackMessage {
  return {
    text: fallback(`🔎 Analysis of #${incident.id}: this part was replaced`),
    blocks: [context(`_This part of an earlier analysis of incident #${incident.id} was replaced above._`)],
  };
}

/** `/aiops why`: the ranked causes with their strongest evidence and the history line, in one message. */
export function renderWhy(incident: IncidentDetail, analysis: Analysis): SlackMessage {
  const causes = rankRootCauses(analysis.rootCauses);
  const blocks: KnownBlock[] = [
    section(`🤔 *Why ${incidentName(incident)}?*\n${truncate(esc(analysis.summary.trim()), WHY_SUMMARY)}`),
  ];
  if (causes.length === 0) blocks.push(section('_No likely cause identified yet._'));
  causes.forEach((cause, index) => {
    blocks.push(section(truncate(causeText(cause, index, WHY_EVIDENCE), SLACK_LIMITS.sectionText)));
  });
  const history = historyLine(analysis.history);
  if (history) blocks.push(section(history));
  blocks.push(context(`${statusLabel(incident.status)} · ${analyzerLine(analysis)}`));
  const top = causes[0];
  return {
    text: fallback(
      `Why ${incidentName(incident, 100)}: ${
        top
          ? `likely ${esc(oneLine(top.title))} (${percent(top.likelihood)})`
          : 'no likely cause identified yet'
      }`,
    ),
    blocks,
  };
}

/** `/aiops explain TEXT`: the pasted text quoted safely, what it means, likely causes and next steps. */
export function renderExplain(text: string, explanation: Explanation): SlackMessage {
  const causes = explanation.likelyCauses.map((cause) => truncate(esc(oneLine(cause)), 300));
  const steps = explanation.nextSteps.map((step) => truncate(esc(oneLine(step)), 300));
  const blocks: KnownBlock[] = [
    section(`🧾 *You asked about*\n${fenced(text, 1000)}`),
    ...sections(`*What it means*\n${truncate(esc(explanation.summary.trim()), 2000)}`),
    section(
      causes.length > 0
        ? `*Likely causes*\n${bullets(causes)}`
        : '*Likely causes*\n_Nothing known matches this text, so no cause is guessed._',
    ),
  ];
  if (steps.length > 0) blocks.push(...sections(`*Next steps*\n${numbered(steps)}`));
  const signature = explanation.signature
    ? `Matched ${code(truncate(oneLine(explanation.signature), 100))} · `
    : '';
  blocks.push(context(`${signature}${analyzerLine(explanation)}`));
  return { text: fallback(`🧾 ${esc(explanation.summary)}`), blocks };
}

/**
 * The LLM's answer to a free-form question about an incident. The answer is model output over untrusted
 * data, so it is escaped like any other text (its *bold* and `code` still render; mentions and links do not).
 */
export function renderAnswer(
  incident: IncidentSummary,
  question: string,
  answer: string,
  model: string,
): SlackMessage {
  const pieces = splitText(esc(answer.trim()), SLACK_LIMITS.sectionText).slice(0, 10);
  const blocks: KnownBlock[] = [
    section(`💬 *${truncate(esc(oneLine(question)), 300)}* — ${incidentName(incident)}`),
    ...pieces.map((piece) => section(piece)),
    context(
      `🤖 Answered by ${esc(model)} from the incident's data · ranked causes: \`/aiops why ${incident.id}\``,
    ),
  ];
  return { text: fallback(`${incidentName(incident, 100)}: ${oneLine(answer)}`), blocks };
}
