/**
 * Recent changes (deployments, merged PRs, commits) that shortly precede an alert make "bad change" likely, and
 * what a change touches (network, a migration, resources, config…) points at the cause it would bring about.
 */
import type { RecentChange } from '../input.ts';
import { type RootCause, rankRootCauses } from '../schema.ts';
import { cause, clip } from './facts.ts';
import type { ChangeHit } from './types.ts';

/** How long before an alert a change still counts as a suspect. */
export const CHANGE_WINDOW_MINUTES = 180;

/** The latest change at or before `startsAt` and within the window, or null. */
export function changeBefore(changes: RecentChange[], startsAt: number): ChangeHit | null {
  return changesBefore(changes, startsAt)[0] ?? null;
}

const KIND_WORD: Record<RecentChange['kind'], string> = {
  deployment: 'deployment',
  pull_request: 'pull request',
  commit: 'commit',
};

export function changeEvidence(hit: ChangeHit): string {
  const { change } = hit;
  const by = change.author ? ` by ${change.author}` : '';
  return clip(
    `${KIND_WORD[change.kind]} "${clip(change.title, 160)}"${by} at ${change.at}, ${hit.minutesBefore} min before the alert started (${change.url})`,
    500,
  );
}

/** "It started 12 min after deployment "v1.42" by alice (https://…)", then `tail` ("." by default). */
export function changeSentence(hit: ChangeHit, tail = '.'): string {
  const { change } = hit;
  const by = change.author ? ` by ${change.author}` : '';
  return clip(
    `It started ${hit.minutesBefore} min after ${KIND_WORD[change.kind]} "${clip(change.title, 160)}"${by} (${change.url})${tail}`,
    500,
  );
}

/** The closer the change, the likelier it is the cause. */
export function changeLikelihood(hit: ChangeHit): number {
  if (hit.minutesBefore <= 30) return 0.85;
  if (hit.minutesBefore <= 90) return 0.72;
  return 0.58;
}

/** The shared title for a change-caused incident, so several signatures citing one change merge into one cause. */
export const changeCauseTitle = (hit: ChangeHit): string =>
  clip(`Bad change shortly before the alert: ${KIND_WORD[hit.change.kind]} "${hit.change.title}"`, 200);

/**
 * The "bad change" hypothesis of a signature: without a change it stays at the signature's base likelihood and
 * cites the alert only; with one it is raised by how close the change was, and cites it.
 */
export function deployCause(
  title: string,
  base: number,
  hit: ChangeHit | null,
  alertEvidence: string[],
): RootCause {
  if (!hit) return cause(title, base, 'deployment', alertEvidence);
  return cause(changeCauseTitle(hit), Math.max(base, changeLikelihood(hit)), 'deployment', [
    changeEvidence(hit),
    ...alertEvidence,
  ]);
}

// ─── What a change touches ─────────────────────────────────────────────────────────────────────────────────

/** What a change is about, read from its title. */
export type ChangeKind = 'network' | 'migration' | 'certificate' | 'scaling' | 'config' | 'image';

interface KindRule {
  kind: ChangeKind;
  /** How the kind reads in a sentence: "a network change". */
  label: string;
  /** Words in a change title that give the kind away. */
  title: RegExp;
  /** The causes such a change brings about: by category, or by what the cause's title says. */
  categories: readonly RootCause['category'][];
  causeWords?: RegExp;
}

/** Most specific first: a title can show several kinds ("Bump ingress-nginx to v1.10" is network and image). */
const KIND_RULES: readonly KindRule[] = [
  {
    kind: 'network',
    label: 'network',
    title:
      /network ?polic\w*|firewall|security[ -]?groups?|\b(?:in|e)gress\b|\bports?\b|\biptables\b|\bcni\b|\bcalico\b|\bcilium\b|\bacls?\b|allow ?list|deny ?list|default[- ]deny|\bdeny\b|\bmtu\b|\bdns\b|load ?balancer|\bsubnets?\b|\bvpc\b|\bproxy\b|service ?mesh|\bistio\b|\blinkerd\b/i,
    categories: ['network'],
    causeWords: /network|firewall|polic|\bdns\b|\bports?\b|partition/i,
  },
  {
    kind: 'migration',
    label: 'database migration',
    title:
      /\bmigrat(?:e|es|ed|ion|ions)\b|\bschema\b|\balter table\b|\bddl\b|\bbackfill\b|\bflyway\b|\bliquibase\b|\b(?:add|drop|create) (?:an? )?(?:index|column|table)\b/i,
    categories: ['data'],
    causeWords: /\blocks?\b|transaction|migration|schema|quer(?:y|ies)|bulk writes/i,
  },
  {
    kind: 'certificate',
    label: 'certificate/TLS',
    title: /\bcert(?:ificate)?s?\b|cert-manager|\btls\b|\bssl\b|\bx509\b|\bca bundle\b|\bissuer\b/i,
    categories: ['certificate'],
    causeWords: /certificate|\btls\b|renew/i,
  },
  {
    kind: 'scaling',
    label: 'scaling/resources',
    title:
      /\bscal(?:e|ed|es|ing)\b|\breplicas?\b|\bhpa\b|autoscal\w*|\b(?:cpu|memory)\b.{0,30}\b(?:limits?|requests?)\b|\b(?:limits?|requests?)\b.{0,30}\b(?:cpu|memory)\b|\bresources\b|node ?pool|instance type|\bquota\b/i,
    categories: ['capacity'],
    causeWords: /\blimits?\b|\brequests\b|replicas|schedul|quota/i,
  },
  {
    kind: 'config',
    label: 'configuration',
    title:
      /\bconfig(?:map|uration)?s?\b|\benv(?:ironment)?\b|\bvariables?\b|feature ?flags?|\bflags?\b|\bsettings?\b|\bvalues\.ya?ml\b|\bsecrets?\b|\bcredentials?\b|\btokens?\b|\bapi ?keys?\b|\bwebhooks?\b|\bprobes?\b/i,
    categories: ['configuration'],
    causeWords: /config|secret|\benv\b|credential|token|probe|setting/i,
  },
  {
    kind: 'image',
    label: 'release',
    title:
      /\bimages?\b|\bbump\w*\b|\bupgrade\w*\b|\breleases?\b|\bdeploy\w*\b|\brollout\b|\bversion\b|\bv?\d+\.\d+(?:\.\d+)?\b/i,
    categories: ['application'],
  },
];

export interface ChangeClass {
  kind: ChangeKind;
  label: string;
  /** The words of the title that gave the kind away. */
  cue: string;
}

/** The kinds a change title shows, most specific first. */
export function classifyChange(title: string): ChangeClass[] {
  const out: ChangeClass[] = [];
  for (const rule of KIND_RULES) {
    const match = rule.title.exec(title);
    if (match) out.push({ kind: rule.kind, label: rule.label, cue: match[0] });
  }
  return out;
}

/** Every change within the window before `startsAt`, the closest first. */
export function changesBefore(changes: RecentChange[], startsAt: number): ChangeHit[] {
  const hits: ChangeHit[] = [];
  for (const change of changes) {
    const at = Date.parse(change.at);
    if (Number.isNaN(at) || at > startsAt) continue;
    const minutesBefore = Math.round((startsAt - at) / 60_000);
    if (minutesBefore <= CHANGE_WINDOW_MINUTES) hits.push({ change, minutesBefore });
  }
  return hits.sort((a, b) => a.minutesBefore - b.minutesBefore);
}

/** A recent change whose kind matches one of a signature's causes. */
export interface ChangeLink {
  hit: ChangeHit;
  kind: ChangeClass;
  /** The title of the cause it raised. */
  cause: string;
}

export function linkedChangeEvidence(hit: ChangeHit, kind: ChangeClass): string {
  return clip(`${kind.label} change (its title says "${clip(kind.cue, 40)}"): ${changeEvidence(hit)}`, 500);
}

/** "It started 12 min after pull request "…" by … (…), a network change." */
export const linkedChangeSentence = (link: ChangeLink): string =>
  changeSentence(link.hit, `, a ${link.kind.label} change.`);

/** Just below a direct "bad change" hypothesis: the change is cited through the mechanism it acts by. */
const LINK_MARGIN = 0.05;

/**
 * A recent change of a kind that brings about one of these causes (a NetworkPolicy before a scrape that fails,
 * a memory request before pods that cannot be scheduled) raises that cause and cites the change. The closest
 * change with a matching cause wins, and it raises one cause only: the likeliest that matches. `skip` leaves
 * out kinds the caller already covers (a signature's own bad-rollout hypothesis covers releases).
 */
export function linkChange(
  causes: RootCause[],
  changes: RecentChange[],
  startsAt: number,
  skip: ReadonlySet<ChangeKind> = new Set(),
): { causes: RootCause[]; link: ChangeLink | null } {
  if (causes.length === 0 || !Number.isFinite(startsAt)) return { causes, link: null };
  const ranked = rankRootCauses(causes);
  for (const hit of changesBefore(changes, startsAt)) {
    for (const kind of classifyChange(hit.change.title)) {
      if (skip.has(kind.kind)) continue;
      const rule = KIND_RULES.find((candidate) => candidate.kind === kind.kind) as KindRule;
      const target = ranked.find(
        (candidate) =>
          rule.categories.includes(candidate.category) || Boolean(rule.causeWords?.test(candidate.title)),
      );
      if (!target) continue;
      const raised: RootCause = {
        ...target,
        likelihood: Math.max(
          target.likelihood,
          Math.round((changeLikelihood(hit) - LINK_MARGIN) * 100) / 100,
        ),
        evidence: [linkedChangeEvidence(hit, kind), ...target.evidence].slice(0, 10),
      };
      return {
        causes: rankRootCauses(ranked.map((candidate) => (candidate === target ? raised : candidate))),
        link: { hit, kind, cause: target.title },
      };
    }
  }
  return { causes, link: null };
}
