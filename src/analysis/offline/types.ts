/** The shapes the offline analyzer works with: one view per alert, a signature, and what it finds. */
import type { IncidentAlert } from '../../db/incidents.ts';
import type { AnalysisInput, RecentChange } from '../input.ts';
import type { ProposedAction, ProposedFix, RootCause } from '../schema.ts';

/** An alert with the facts the catalogue reads, extracted once. */
export interface AlertView {
  alert: IncidentAlert;
  name: string;
  /** The alert name lower-cased with everything but letters and digits removed: `kube_pod_oom` → `kubepodoom`. */
  key: string;
  labels: Record<string, string>;
  firing: boolean;
  /** `reason` (or `last_terminated_reason`) label, as given; '' when absent. */
  reason: string;
  /** Summary, description, message, reason and expression, lower-cased: what text patterns run on. */
  text: string;
  /** The PromQL expression from the generator URL, '' when there is none. */
  expr: string;
  /** The Kubernetes namespace, when the `namespace` label is a valid one (it is a free-form label elsewhere). */
  namespace: string | undefined;
  pod: string | undefined;
  container: string | undefined;
  node: string | undefined;
  instance: string | undefined;
  /** The Deployment the pod belongs to: from a label, or the ReplicaSet pod name pattern. */
  deployment: string | undefined;
  startsAt: number;
}

export interface ChangeHit {
  change: RecentChange;
  minutesBefore: number;
}

export interface SignatureContext {
  /** The alerts this signature matched, firing ones first. */
  alerts: AlertView[];
  primary: AlertView;
  /** Every alert of the incident, for signals that strengthen one another (an OOM behind a crash loop). */
  all: AlertView[];
  input: AnalysisInput;
  /** The latest recent change shortly before the earliest of these alerts started. */
  change: ChangeHit | null;
}

export interface Finding {
  /** One or two sentences about what is wrong, naming the real objects. */
  summary: string;
  causes: RootCause[];
  nextSteps: string[];
  actions?: ProposedAction[];
  fixes?: ProposedFix[];
}

export interface Signature {
  id: string;
  title: string;
  /** How much this signature explains: when several match one incident, the heaviest leads. */
  weight: number;
  /** Exact alert names (compared as `AlertView.key`). */
  names?: string[];
  /** Tested on `AlertView.key` when no exact name matched. */
  namePattern?: RegExp;
  /** Tested on the `reason` label, before the name: a reason is more specific than the alert that carries it. */
  reasons?: RegExp;
  /** Tested on `AlertView.text` when nothing matched the name or reason. */
  textPattern?: RegExp;
  /**
   * For the pattern tiers (reason, name pattern, text): the signature declines an alert that matched a
   * pattern but is not its kind, and matching goes on (a host's kernel OOM kill is not a container's).
   */
  accepts?: (view: AlertView) => boolean;
  /** A bad change is a well-known cause here: the hypothesis, raised and cited when a change preceded the alert. */
  deploy?: { title: (ctx: SignatureContext) => string; likelihood: number; rollback?: boolean };
  /**
   * In a multi-alert incident: a `cause` signature (an expired certificate, a failed disk, a scrape limit, a node
   * down) names what brings about `symptom` signatures (a target down, a probe failing, 5xx, latency, replicas
   * missing); when both fire together, the cause-type's top cause leads.
   */
  role?: 'cause' | 'symptom';
  analyze(ctx: SignatureContext): Finding;
}
