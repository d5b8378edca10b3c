/**
 * Block Kit renderers: pure functions (no I/O, the time passed in) from incidents and analyses to Slack
 * messages, plus the limit check and the terminal rendering used in local mode.
 */
export {
  renderAnalysis,
  renderAnswer,
  renderExplain,
  renderReplacedAnalysisPart,
  renderWhy,
} from './analysis.ts';
export {
  renderError,
  renderHelp,
  renderHistory,
  renderIncidentList,
  renderLifecycleAnswer,
} from './commands.ts';
export { renderFixDiff, renderFixOutcome, renderFixPosted } from './fixes.ts';
export {
  MESSAGE_ALERTS,
  renderIncidentRoot,
  renderIncidentStatus,
  renderTimelineUpdate,
} from './incident.ts';
export { kubeContextLine, renderKubeLogs } from './kubernetes.ts';
export { checkSlackLimits } from './limits.ts';
export { renderAsText } from './text.ts';
