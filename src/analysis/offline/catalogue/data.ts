/**
 * Signatures as data: one YAML file per domain in the package's `catalogue/` folder (format in
 * docs/catalogue.md), validated with zod and compiled once, at start, into the `Signature` objects the
 * analyzer matches. A broken file stops start-up with a `ConfigError` naming the file, the line and
 * the field.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../../errors.ts';
import { packagePath } from '../../../package.ts';
import {
  type ProposedAction,
  proposedActionSchema,
  type RootCause,
  rootCauseCategories,
} from '../../schema.ts';
import { type Domain, domainOf } from '../domain.ts';
import { alertEvidence, cause, runbookStep, sh, steps } from '../facts.ts';
import type { AlertView, Finding, Signature, SignatureContext } from '../types.ts';
import { HOOKS } from './hooks.ts';
import {
  compileTemplate,
  HOOK_PREFIX,
  isHookValue,
  type Mode,
  quoteFor,
  renderTemplate,
  type Scope,
  SET_PREFIX,
  type Template,
  templateFields,
} from './template.ts';

export const CATALOGUE_DIR = packagePath('catalogue');

// ─── The format ─────────────────────────────────────────────────────────────────────────────────────────────

/** A JavaScript regular expression's source; a leading `(?i)` makes it case-insensitive. */
export const pattern = z
  .string()
  .min(1)
  .refine((value) => {
    try {
      toRegExp(value);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);

export interface ConditionSpec {
  key?: string;
  name?: string;
  text?: string;
  expr?: string;
  reason?: string;
  says?: string;
  words?: string;
  has?: string | string[];
  missing?: string | string[];
  label?: Record<string, string>;
  field?: Record<string, string>;
  domain?: string | string[];
  firing?: boolean;
  any?: ConditionSpec[];
  all?: ConditionSpec[];
  not?: ConditionSpec;
  incident?: ConditionSpec;
  some?: string;
  notFewer?: [string, string];
  every?: ConditionSpec;
  same?: string | string[];
  primary?: boolean;
  startsWith?: Record<string, string>;
}

const condition: z.ZodType<ConditionSpec> = z.lazy(() =>
  z.strictObject({
    /** Tested on the alert key (the name lower-cased, letters and digits only). */
    key: pattern.optional(),
    name: pattern.optional(),
    /** Tested on the lower-cased summary, description, message, reason and expression. */
    text: pattern.optional(),
    expr: pattern.optional(),
    reason: pattern.optional(),
    /** The alert key or the lower-cased text matches (what the TypeScript `says(v, /re/)` tested). */
    says: pattern.optional(),
    /** The alert name as words (see `nameWords`) matches: `'\s(?:aws\s?)?rds'`. */
    words: pattern.optional(),
    /** Every one of these fields/labels has a non-empty value. */
    has: oneOrMany(z.string()).optional(),
    /** None of these has a value. */
    missing: oneOrMany(z.string()).optional(),
    /** Each label is present and matches its pattern. */
    label: z.record(z.string(), pattern).optional(),
    /** Each field (or var) has a value that matches its pattern: `field: { namespace: rook }`. */
    field: z.record(z.string(), pattern).optional(),
    /** The technology the alert is about (`none`: no technology claims it). */
    domain: oneOrMany(z.string()).optional(),
    firing: z.boolean().optional(),
    any: z.array(condition).min(1).optional(),
    all: z.array(condition).min(1).optional(),
    not: condition.optional(),
    /** Some firing alert of the incident (this one included) satisfies the condition. */
    incident: condition.optional(),
    /** The signature's alert set (`sets:`) of that name is not empty. */
    some: z.string().optional(),
    /** The first set (`sets:`) has at least as many alerts as the second. */
    notFewer: z.tuple([z.string(), z.string()]).optional(),
    /** Every alert the signature matched satisfies the condition. */
    every: condition.optional(),
    /** Each field has the same non-empty value on this alert and on the primary one. */
    same: oneOrMany(z.string()).optional(),
    /** The alert is (not) the one the analysis is about. */
    primary: z.boolean().optional(),
    /** Each field's value starts with the other field's value (both non-empty). */
    startsWith: z.record(z.string(), z.string()).optional(),
  }),
);

/** A text: one template, or choices of which the first whose `when` holds is used. */
const text = z.union([
  z.string(),
  z.array(z.strictObject({ when: condition.optional(), text: z.string() })).min(1),
]);

const likelihood = z.number().min(0).max(1);

/** What a cause cites: the matched alerts, their first line, an alert set's alerts, or a sentence. */
const evidenceItem = z.union([
  z.enum(['alerts', 'first']),
  /** The matched alerts' evidence, its first N lines. */
  z.strictObject({ alerts: z.number().int().min(1) }),
  z.strictObject({ set: z.string(), max: z.number().int().min(1).optional() }),
  z.strictObject({ text: z.string().min(1) }),
]);

/** A var: a text, whose choices may also `extract:` a value from what they render (see `extractValue`). */
const varText = z.union([
  z.string(),
  z
    .array(
      z.strictObject({
        when: condition.optional(),
        text: z.string(),
        extract: pattern.optional(),
        /** Every match of the pattern in the rendered text replaced by `with`. */
        replace: z.strictObject({ pattern, with: z.string() }).optional(),
      }),
    )
    .min(1),
]);

const causeSpec = z.strictObject({
  title: z.string().min(1),
  /** A number, or choices of which the first whose `when` holds is used. */
  likelihood: z.union([
    likelihood,
    z.array(z.strictObject({ when: condition.optional(), value: likelihood })).min(1),
  ]),
  category: z.enum(rootCauseCategories),
  when: condition.optional(),
  /** Default: `[alerts]` for the first cause, `[first]` for the others. */
  evidence: z.array(evidenceItem).min(1).optional(),
});

const causeGroup = z.strictObject({ when: condition.optional(), causes: z.array(causeSpec).min(1) });

interface StepSpecBase {
  when?: ConditionSpec;
}
export type StepSpec =
  | string
  | (StepSpecBase & { run: string })
  | (StepSpecBase & { say: string })
  | (StepSpecBase & { promql: string })
  | (StepSpecBase & { ssh: { host: string; run: string } })
  | (StepSpecBase & { choose: StepSpec[] });

const step: z.ZodType<StepSpec> = z.lazy(() =>
  z.union([
    z.string().min(1),
    z.strictObject({ when: condition.optional(), run: z.string().min(1) }),
    z.strictObject({ when: condition.optional(), say: z.string().min(1) }),
    z.strictObject({ when: condition.optional(), promql: z.string().min(1) }),
    z.strictObject({
      when: condition.optional(),
      ssh: z.strictObject({ host: z.string().min(1), run: z.string().min(1) }),
    }),
    z.strictObject({ when: condition.optional(), choose: z.array(step).min(1) }),
  ]),
);

const example = z.strictObject({
  /** The alert's labels (`alertname` included) and annotations. */
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  /** The signature expected to answer (default: the one the example belongs to). */
  signature: z.string().optional(),
  /** The alert's PromQL expression (carried in its generatorURL). */
  expr: z.string().optional(),
  /** A pattern the first cause's title must match. */
  firstCause: pattern,
  /** A text one of the next steps must contain (a real label quoted, or the tool's own command). */
  step: z.string().optional(),
});

/**
 * A typed action (`proposedActionSchema`) proposed once per matched alert whose params all render: `{ kind:
 * raise-limits, max: 3, namespace: '{{namespace}}', name: '{{deployment}}', container: '{{container}}' }`.
 */
const actionSpec = z
  .object({
    kind: z.enum(proposedActionSchema.options.map((option) => option.shape.kind.value)),
    /** At most this many actions from this entry (default 5, the analysis' limit). */
    max: z.number().int().min(1).max(5).optional(),
  })
  .catchall(z.string().min(1));

/** Fields a `delegate:` entry may `set:` for its target. */
const SETTABLE_FIELDS = ['instance', 'node', 'pod', 'namespace', 'container', 'deployment'] as const;
type SettableField = (typeof SETTABLE_FIELDS)[number];

const VAR_NAME = /^[A-Za-z_]\w*$/;
const vars = z.record(z.string().regex(VAR_NAME, 'a var name is letters, digits and _'), varText);

const signatureSpec = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    title: z.string().min(1),
    weight: z.number().int().min(0).max(1000),
    role: z.enum(['cause', 'symptom']).optional(),
    names: z.array(z.string().min(1)).min(1).optional(),
    namePattern: pattern.optional(),
    reasons: pattern.optional(),
    textPattern: pattern.optional(),
    accepts: condition.optional(),
    runbook: z.url({ protocol: /^https?$/ }).optional(),
    deploy: z
      .strictObject({
        title: z.string().min(1),
        likelihood: z.number().min(0).max(1),
        rollback: z.boolean().optional(),
      })
      .optional(),
    vars: vars.optional(),
    /** Named sets of the incident's alerts: those that satisfy the condition. */
    sets: z.record(z.string().regex(VAR_NAME, 'a set name is letters, digits and _'), condition).optional(),
    summary: text.optional(),
    /** The summary's suffix when the signature matched several alerts (default ` ({{count}} alerts)`). */
    more: text.optional(),
    causes: z.union([z.array(causeSpec).min(1), z.array(causeGroup).min(1)]).optional(),
    steps: z.array(step).optional(),
    /** Typed actions proposed for the matched alerts (see actionSpec). */
    actions: z.array(actionSpec).min(1).optional(),
    /** Answer with another signature (by id), the first whose `when` holds. */
    delegate: z
      .array(
        z.strictObject({
          when: condition.optional(),
          to: z.string().min(1),
          /** Fields of the alert the target sees replaced (see `withFields`). */
          set: z.partialRecord(z.enum(SETTABLE_FIELDS), z.string().min(1)).optional(),
        }),
      )
      .min(1)
      .optional(),
    /** A code hook (see hooks.ts) for what data cannot say. */
    hook: z.string().optional(),
    examples: z.array(example).optional(),
  })
  .superRefine((spec, ctx) => {
    if (!spec.names && !spec.namePattern && !spec.reasons && !spec.textPattern)
      ctx.addIssue({ code: 'custom', message: 'names, namePattern, reasons or textPattern is required' });
    if (spec.delegate) {
      for (const key of ['summary', 'causes', 'steps'] as const)
        if (spec[key])
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} and delegate exclude each other` });
    } else {
      for (const key of ['summary', 'causes', 'steps'] as const)
        if (!spec[key])
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required (or delegate)` });
    }
  });

export const catalogueFileSchema = z.strictObject({
  /** The domain the file covers; by convention its file name. */
  domain: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  description: z.string().optional(),
  /** Vars every signature of the file may use. */
  vars: vars.optional(),
  signatures: z.array(signatureSpec).min(1),
});

export type CatalogueFile = z.output<typeof catalogueFileSchema>;
type SignatureSpec = z.output<typeof signatureSpec>;
type CauseSpec = z.output<typeof causeSpec>;
type TextSpec = z.output<typeof varText>;
type ActionSpec = z.output<typeof actionSpec>;

// ─── Errors with positions ──────────────────────────────────────────────────────────────────────────────────

type Path = (string | number)[];

/** A problem at a place in a file, before it is given a line. */
class At extends Error {
  constructor(
    readonly path: Path,
    message: string,
  ) {
    super(message);
  }
}

const pathText = (path: Path): string =>
  path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );

// ─── Compiling ──────────────────────────────────────────────────────────────────────────────────────────────

export function toRegExp(source: string): RegExp {
  return source.startsWith('(?i)') ? new RegExp(source.slice(4), 'i') : new RegExp(source);
}

/** A compiled condition; `ctx` is there when the incident is (not in `accepts:`). */
type Test = (view: AlertView, ctx?: SignatureContext) => boolean;

const DOMAINS_NONE = 'none';

/** A field, label, annotation or var name — or a `|` chain of them, present when any link is. */
function fieldCheck(chain: string, varNames: ReadonlySet<string>, path: Path): void {
  const bad = chain
    .split(/\|\|?/)
    .map((name) => name.trim())
    .find(
      (name) =>
        !templateFields().includes(name) &&
        !/^(?:labels|annotations)\.[\w.-]+$/.test(name) &&
        !varNames.has(name) &&
        !isHookValue(name, varNames),
    );
  if (bad === undefined) return;
  const name = bad;
  throw new At(
    path,
    `unknown field "${name}" (fields: ${templateFields().join(', ')}, labels.X, annotations.X)`,
  );
}

function compileCondition(
  spec: ConditionSpec,
  varNames: ReadonlySet<string>,
  path: Path,
  value: FieldValue,
): Test {
  const tests: Test[] = [];
  const re = (key: 'key' | 'name' | 'text' | 'expr' | 'reason', pick: (v: AlertView) => string) => {
    const source = spec[key];
    if (source === undefined) return;
    const regex = toRegExp(source);
    tests.push((v) => regex.test(pick(v)));
  };
  re('key', (v) => v.key);
  re('name', (v) => v.name);
  re('text', (v) => v.text);
  re('expr', (v) => v.expr);
  re('reason', (v) => v.reason);
  if (spec.says !== undefined) tests.push(saysTest(toRegExp(spec.says)));
  if (spec.words !== undefined) tests.push(wordsTest(toRegExp(spec.words)));
  const list = (item: string | string[] | undefined): string[] => (item === undefined ? [] : [item].flat());
  const has = list(spec.has);
  const missing = list(spec.missing);
  for (const [key, names] of [
    ['has', has],
    ['missing', missing],
  ] as const) {
    names.forEach((name, index) => {
      fieldCheck(name, varNames, [...path, key, ...(Array.isArray(spec[key]) ? [index] : [])]);
    });
  }
  if (has.length > 0) tests.push((v) => has.every((name) => Boolean(value(name, v))));
  if (missing.length > 0) tests.push((v) => missing.every((name) => !value(name, v)));
  if (spec.label) {
    const labels = Object.entries(spec.label).map(([name, source]) => [name, toRegExp(source)] as const);
    tests.push((v) =>
      labels.every(([name, regex]) => {
        const labelValue = v.labels[name];
        return labelValue !== undefined && regex.test(labelValue);
      }),
    );
  }
  if (spec.field) {
    const fields = Object.entries(spec.field).map(([name, source]) => {
      fieldCheck(name, varNames, [...path, 'field', name]);
      return [name, toRegExp(source)] as const;
    });
    tests.push((v) =>
      fields.every(([name, regex]) => {
        const fieldValueOf = value(name, v);
        return fieldValueOf !== undefined && fieldValueOf !== '' && regex.test(fieldValueOf);
      }),
    );
  }
  if (spec.domain !== undefined) {
    const domains = list(spec.domain);
    tests.push((v) => {
      const domain: Domain | undefined = domainOf(v);
      return domain === undefined ? domains.includes(DOMAINS_NONE) : domains.includes(domain);
    });
  }
  if (spec.firing !== undefined) {
    const firing = spec.firing;
    tests.push((v) => v.firing === firing);
  }
  if (spec.any) {
    const any = spec.any.map((item, index) =>
      compileCondition(item, varNames, [...path, 'any', index], value),
    );
    tests.push((v, ctx) => any.some((test) => test(v, ctx)));
  }
  if (spec.all) {
    const all = spec.all.map((item, index) =>
      compileCondition(item, varNames, [...path, 'all', index], value),
    );
    tests.push((v, ctx) => all.every((test) => test(v, ctx)));
  }
  if (spec.not) {
    const not = compileCondition(spec.not, varNames, [...path, 'not'], value);
    tests.push((v, ctx) => !not(v, ctx));
  }
  if (spec.incident) {
    const some = compileCondition(spec.incident, varNames, [...path, 'incident'], value);
    tests.push((_v, ctx) => ctx?.all.some((other) => other.firing && some(other, ctx)) ?? false);
  }
  tests.push(...relationTests(spec, varNames, path, value));
  tests.push(...countTests(spec, path, value));
  return (v, ctx) => tests.every((test) => test(v, ctx));
}

/**
 * A field's value for `has`/`missing`: view fields, labels, annotations and vars (rendered as prose). It carries
 * the signature's alert sets (`sets:`), so conditions compiled anywhere in the signature can test them.
 */
type FieldValue = ((name: string, view: AlertView) => string | undefined) & { sets?: AlertSets };

/** A signature's named alert sets: the incident's alerts that satisfy each set's condition. */
interface AlertSets {
  names: ReadonlySet<string>;
  of(name: string, ctx: SignatureContext): AlertView[];
}

/** `notFewer: [A, B]`: set A has at least as many alerts as set B. */
function countTests(spec: ConditionSpec, path: Path, value: FieldValue): Test[] {
  if (spec.notFewer === undefined) return [];
  const [many, few] = spec.notFewer;
  const sets = value.sets;
  spec.notFewer.forEach((name, index) => {
    if (!sets?.names.has(name)) throw new At([...path, 'notFewer', index], `no set "${name}" in sets:`);
  });
  return [(_v, ctx) => (ctx && sets ? sets.of(many, ctx).length >= sets.of(few, ctx).length : false)];
}

/** The conditions that relate the alert to others: `some:` (a set), `same:`, `primary:`, `startsWith:`. */
function relationTests(
  spec: ConditionSpec,
  varNames: ReadonlySet<string>,
  path: Path,
  value: FieldValue,
): Test[] {
  const tests: Test[] = [];
  if (spec.some !== undefined) {
    const name = spec.some;
    const sets = value.sets;
    if (!sets?.names.has(name)) throw new At([...path, 'some'], `no set "${name}" in sets:`);
    tests.push((_v, ctx) => (ctx ? sets.of(name, ctx).length > 0 : false));
  }
  if (spec.every) {
    const each = compileCondition(spec.every, varNames, [...path, 'every'], value);
    tests.push((v, ctx) => (ctx ? ctx.alerts.every((other) => each(other, ctx)) : each(v)));
  }
  if (spec.same !== undefined) {
    const names = [spec.same].flat();
    names.forEach((name, index) => {
      fieldCheck(name, varNames, [...path, 'same', ...(Array.isArray(spec.same) ? [index] : [])]);
    });
    tests.push((v, ctx) => {
      if (!ctx) return false;
      return names.every((name) => {
        const mine = value(name, v);
        return Boolean(mine) && mine === value(name, ctx.primary);
      });
    });
  }
  if (spec.primary !== undefined) {
    const primary = spec.primary;
    tests.push((v, ctx) => (ctx ? (v === ctx.primary) === primary : false));
  }
  if (spec.startsWith) {
    const pairs = Object.entries(spec.startsWith);
    for (const [name, prefix] of pairs) {
      fieldCheck(name, varNames, [...path, 'startsWith', name]);
      fieldCheck(prefix, varNames, [...path, 'startsWith', name]);
    }
    tests.push((v) =>
      pairs.every(([name, prefix]) => {
        const whole = value(name, v);
        const start = value(prefix, v);
        return Boolean(whole) && Boolean(start) && (whole as string).startsWith(start as string);
      }),
    );
  }
  return tests;
}

interface Choice {
  when?: Test;
  template: Template;
  /** A var's `extract:`: the value is what this pattern captures from the rendered text. */
  extract?: RegExp;
  /** A var's `replace:`: every match of the pattern (global) replaced by the text. */
  replace?: { pattern: RegExp; with: string };
}

function template(source: string, varNames: ReadonlySet<string>, mode: Mode | 'any', path: Path): Template {
  try {
    return compileTemplate(source, varNames, mode);
  } catch (error) {
    throw new At(path, (error as Error).message);
  }
}

function compileText(
  spec: TextSpec,
  varNames: ReadonlySet<string>,
  path: Path,
  value: FieldValue,
  mode: Mode | 'any' = 'prose',
): Choice[] {
  if (typeof spec === 'string') return [{ template: template(spec, varNames, mode, path) }];
  return spec.map((choice, index) => {
    const out: Choice = { template: template(choice.text, varNames, mode, [...path, index, 'text']) };
    if (choice.when) out.when = compileCondition(choice.when, varNames, [...path, index, 'when'], value);
    if ('extract' in choice && choice.extract !== undefined) out.extract = toRegExp(choice.extract);
    if ('replace' in choice && choice.replace !== undefined) {
      const regex = toRegExp(choice.replace.pattern);
      out.replace = { pattern: new RegExp(regex.source, `${regex.flags}g`), with: choice.replace.with };
    }
    return out;
  });
}

const pickChoice = (choices: Choice[], view: AlertView, ctx?: SignatureContext): Choice | undefined =>
  choices.find((choice) => !choice.when || choice.when(view, ctx));
const pick = (choices: Choice[], view: AlertView, ctx?: SignatureContext): Template | undefined =>
  pickChoice(choices, view, ctx)?.template;

/** `says: RE`: the alert key or its lower-cased text matches. */
const saysTest =
  (regex: RegExp): Test =>
  (v) =>
    regex.test(v.key) || regex.test(v.text);

/**
 * The alert name as words, two ways, each lower-cased and padded with a space on both sides: split at every run of
 * non-alphanumerics (`prod-orders-rds-high-cpu` → ` prod orders rds high cpu `), and split at camel-case humps
 * too (`awsRDSHighCPU` → ` aws rds high cpu `).
 */
export function nameWords(name: string): [plain: string, camel: string] {
  const nonWord = /[^a-z0-9]+/g;
  const camel = name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(nonWord, ' ');
  return [` ${name.toLowerCase().replace(nonWord, ' ')} `, ` ${camel} `];
}

/** `words: RE`: one of the two word forms of the alert name matches. */
const wordsTest =
  (regex: RegExp): Test =>
  (v) =>
    nameWords(v.name).some((form) => regex.test(form));

/**
 * A var choice's `extract: RE` over the text it rendered as prose: the first capture group that matched (the
 * whole match when RE has none); undefined when RE does not match or captures nothing.
 */
export function extractValue(regex: RegExp, rendered: string): string | undefined {
  const match = regex.exec(rendered);
  if (!match) return undefined;
  const value = match.length > 1 ? match.slice(1).find((group) => group !== undefined) : match[0];
  return value || undefined;
}

/** A var's value in `mode`: its chosen template rendered, or (with `extract:`) the extracted value, quoted. */
function renderChoice(choice: Choice, scope: Scope, mode: Mode): string | undefined {
  if (!choice.extract && !choice.replace) return renderTemplate(choice.template, scope, mode);
  const rendered = renderTemplate(choice.template, scope, 'prose');
  const extracted = choice.extract ? extractValue(choice.extract, rendered) : rendered;
  const value = choice.replace
    ? extracted?.replace(choice.replace.pattern, () => choice.replace?.with ?? '')
    : extracted;
  return value ? quoteFor(mode, value) : undefined;
}

/**
 * `set:` of a delegate: the context with the primary alert's fields replaced by the rendered (prose) templates
 * that are non-empty; the primary is replaced among the matched alerts too.
 */
function withFields(
  ctx: SignatureContext,
  set: [SettableField, Template][],
  makeScope: (view: AlertView, ctx: SignatureContext) => Scope,
): SignatureContext {
  const v = ctx.primary;
  const scope = makeScope(v, ctx);
  const changes: Partial<Record<SettableField, string>> = {};
  for (const [field, t] of set) {
    const value = renderTemplate(t, scope, 'prose');
    if (value) changes[field] = value;
  }
  if (Object.keys(changes).length === 0) return ctx;
  const primary: AlertView = { ...v, ...changes };
  return { ...ctx, primary, alerts: ctx.alerts.map((alert) => (alert === v ? primary : alert)) };
}

type Step = (scope: Scope) => string | undefined;

/** `say:` is prose, never something a shell would run: it must start with a capital letter. */
const PROSE_START = /^(?:[A-Z]|[^a-z{])/;

function compileStep(spec: StepSpec, varNames: ReadonlySet<string>, path: Path, value: FieldValue): Step {
  if (typeof spec === 'string') {
    if (spec.includes('{{'))
      throw new At(path, 'a step with placeholders must say what it is: run:, say:, promql: or ssh:');
    return () => spec;
  }
  const when = spec.when ? compileCondition(spec.when, varNames, [...path, 'when'], value) : undefined;
  let render: Step;
  if ('run' in spec) {
    const t = template(spec.run, varNames, 'shell', [...path, 'run']);
    render = (scope) => renderTemplate(t, scope, 'shell');
  } else if ('say' in spec) {
    if (!PROSE_START.test(spec.say))
      throw new At(
        [...path, 'say'],
        'say: is prose and must start with a capital letter (a command is run:)',
      );
    const t = template(spec.say, varNames, 'prose', [...path, 'say']);
    render = (scope) => renderTemplate(t, scope, 'prose');
  } else if ('promql' in spec) {
    const t = template(spec.promql, varNames, 'promql', [...path, 'promql']);
    render = (scope) => `PromQL: ${renderTemplate(t, scope, 'promql')}`;
  } else if ('ssh' in spec) {
    const host = template(spec.ssh.host, varNames, 'prose', [...path, 'ssh', 'host']);
    const command = template(spec.ssh.run, varNames, 'shell', [...path, 'ssh', 'run']);
    render = (scope) => {
      const target = renderTemplate(host, scope, 'prose');
      return target ? `ssh ${shWord(target)} ${shWord(renderTemplate(command, scope, 'shell'))}` : undefined;
    };
  } else {
    const choices = spec.choose.map((item, index) =>
      compileStep(item, varNames, [...path, 'choose', index], value),
    );
    const conditions = spec.choose.map((item, index) =>
      typeof item !== 'string' && item.when
        ? compileCondition(item.when, varNames, [...path, 'choose', index, 'when'], value)
        : undefined,
    );
    render = (scope) => {
      const index = conditions.findIndex((test) => !test || test(scope.view, scope.ctx));
      return index < 0 ? undefined : choices[index]?.(scope);
    };
  }
  return when ? (scope) => (when(scope.view, scope.ctx) ? render(scope) : undefined) : render;
}

/** `remote()` of facts.ts: the command (its values already shell words) as one more word. */
const shWord = sh;

interface CompiledCause {
  when?: Test;
  title: Template;
  likelihood: (v: AlertView, ctx: SignatureContext) => number;
  category: RootCause['category'];
  evidence?: EvidenceSource[];
}

/** A compiled `actions:` entry: the actions it proposes for the matched alerts. */
type Actions = (ctx: SignatureContext, scopeOf: (view: AlertView) => Scope) => ProposedAction[];

/** `actions:` — one action per matched alert whose params all render (as prose), deduplicated, at most `max`. */
function compileActions(spec: ActionSpec, varNames: ReadonlySet<string>, path: Path): Actions {
  const { kind, max = 5, ...params } = spec;
  const shape = proposedActionSchema.options.find((option) => option.shape.kind.value === kind)?.shape ?? {};
  const allowed = Object.keys(shape).filter((key) => key !== 'kind');
  for (const key of Object.keys(params))
    if (!allowed.includes(key))
      throw new At([...path, key], `a ${kind} action has no "${key}" (it has: ${allowed.join(', ')})`);
  const templates = Object.entries(params).map(
    ([key, source]) => [key, template(source as string, varNames, 'prose', [...path, key])] as const,
  );
  return (ctx, scopeOf) => {
    const seen = new Set<string>();
    const out: ProposedAction[] = [];
    for (const view of ctx.alerts) {
      const scope = scopeOf(view);
      const values = templates.map(([key, t]) => [key, renderTemplate(t, scope, 'prose')] as const);
      if (values.some(([, value]) => !value)) continue;
      const id = JSON.stringify(values);
      if (seen.has(id)) continue;
      seen.add(id);
      const parsed = proposedActionSchema.safeParse({ kind, ...Object.fromEntries(values) });
      if (parsed.success) out.push(parsed.data);
    }
    return out.slice(0, max);
  };
}

/** One source of a cause's evidence, compiled. */
type EvidenceSource = (scope: Scope, ctx: SignatureContext, matched: string[]) => string[];

function compileEvidence(
  items: z.output<typeof evidenceItem>[],
  varNames: ReadonlySet<string>,
  path: Path,
  sets: AlertSets,
): EvidenceSource[] {
  return items.map((item, index): EvidenceSource => {
    if (item === 'alerts') return (_scope, _ctx, matched) => matched;
    if (item === 'first') return (_scope, _ctx, matched) => matched.slice(0, 1);
    if ('alerts' in item) {
      const max = item.alerts;
      return (_scope, _ctx, matched) => matched.slice(0, max);
    }
    if ('set' in item) {
      if (!sets.names.has(item.set)) throw new At([...path, index, 'set'], `no set "${item.set}" in sets:`);
      const { set, max } = item;
      return (_scope, ctx) => alertEvidence(sets.of(set, ctx)).slice(0, max);
    }
    const t = template(item.text, varNames, 'prose', [...path, index, 'text']);
    return (scope) => {
      const line = renderTemplate(t, scope, 'prose');
      return line ? [line] : []; // a sentence that renders nothing is left out
    };
  });
}

function compileLikelihood(
  spec: CauseSpec['likelihood'],
  varNames: ReadonlySet<string>,
  path: Path,
  value: FieldValue,
): CompiledCause['likelihood'] {
  if (typeof spec === 'number') return () => spec;
  const choices = spec.map((choice, index) => ({
    value: choice.value,
    when: choice.when ? compileCondition(choice.when, varNames, [...path, index, 'when'], value) : undefined,
  }));
  return (v, ctx) => choices.find((choice) => !choice.when || choice.when(v, ctx))?.value ?? 0;
}

/** Compiles `sets:` into `value.sets` (conditions compiled later see them); set names join the template vars. */
function compileSets(
  spec: Record<string, ConditionSpec> | undefined,
  varNames: Set<string>,
  path: Path,
  value: FieldValue,
): AlertSets {
  const tests = new Map<string, Test>();
  const sets: AlertSets = {
    names: new Set(Object.keys(spec ?? {})),
    of: (name, ctx) => {
      const test = tests.get(name);
      return test ? ctx.all.filter((view) => test(view, ctx)) : [];
    },
  };
  // The sets' own conditions are compiled before the sets are known: a set cannot name a set (no loops).
  for (const [name, condition] of Object.entries(spec ?? {}))
    tests.set(name, compileCondition(condition, varNames, [...path, name], value));
  value.sets = sets;
  for (const name of sets.names) varNames.add(`${SET_PREFIX}${name}`);
  return sets;
}

interface DelegateEntry {
  when?: Test;
  to: string;
  path: Path;
  at?: string;
  set?: [SettableField, Template][];
}

/** A signature compiled from data; `delegates` are resolved by id once the whole catalogue is assembled. */
export interface DataSignature extends Signature {
  file: string;
  delegates?: DelegateEntry[];
  examples: z.output<typeof example>[];
}

export type Resolve = (id: string) => Signature | undefined;

function compileSignature(
  spec: SignatureSpec,
  fileVars: Record<string, TextSpec>,
  file: string,
  path: Path,
  resolve: () => Resolve,
): DataSignature {
  const allVars = { ...fileVars, ...(spec.vars ?? {}) };
  const varNames = new Set(Object.keys(allVars));
  const compiledVars = new Map<string, Choice[]>();
  const fieldTemplates = new Map<string, Template>();
  const fieldValue: FieldValue = (name, view) => {
    let compiled = fieldTemplates.get(name);
    if (!compiled) {
      compiled = compileTemplate(`{{${name}}}`, varNames, 'prose');
      fieldTemplates.set(name, compiled);
    }
    return renderTemplate(compiled, viewScope(view), 'prose');
  };
  const makeScope = (view: AlertView, ctx: SignatureContext | undefined): Scope => {
    // A var's value depends only on the alert, the context and the mode: rendered once per scope.
    const rendered = new Map<string, string | undefined>();
    const scope: Scope = {
      view,
      ...(ctx ? { ctx } : {}),
      variable: (name, mode) => {
        const key = `${mode}:${name}`;
        if (rendered.has(key)) return rendered.get(key);
        const chosen = pickChoice(compiledVars.get(name) ?? [], view, ctx);
        const value = chosen ? renderChoice(chosen, scope, mode) : undefined;
        rendered.set(key, value);
        return value;
      },
      other: (other) => makeScope(other, ctx),
      hook: (name) => hookValues?.(view)[name],
      set: (name) => (ctx && sets.names.has(name) ? sets.of(name, ctx) : undefined),
    };
    return scope;
  };
  const sets = compileSets(spec.sets, varNames, [...path, 'sets'], fieldValue);
  const hookValues = spec.hook === undefined ? undefined : HOOKS[spec.hook]?.values;
  for (const name of (spec.hook === undefined ? undefined : HOOKS[spec.hook]?.provides) ?? [])
    varNames.add(`${HOOK_PREFIX}${name}`);
  /** The scope conditions see (no incident context), one per alert. */
  const viewScopes = new WeakMap<AlertView, Scope>();
  const viewScope = (view: AlertView): Scope => {
    let scope = viewScopes.get(view);
    if (!scope) {
      scope = makeScope(view, undefined);
      viewScopes.set(view, scope);
    }
    return scope;
  };
  for (const [name, value] of Object.entries(allVars)) {
    const where = spec.vars?.[name] !== undefined ? [...path, 'vars', name] : ['vars', name];
    if (templateFields().includes(name)) throw new At(where, `the var "${name}" has the name of a field`);
    compiledVars.set(name, compileText(value, varNames, where, fieldValue, 'any'));
  }

  const signature: DataSignature = {
    id: spec.id,
    title: spec.title,
    weight: spec.weight,
    file,
    examples: spec.examples ?? [],
    analyze: () => {
      throw new Error(`signature ${spec.id} has nothing to answer with`);
    },
  };
  if (spec.names) signature.names = spec.names;
  if (spec.namePattern) signature.namePattern = toRegExp(spec.namePattern);
  if (spec.reasons) signature.reasons = toRegExp(spec.reasons);
  if (spec.textPattern) signature.textPattern = toRegExp(spec.textPattern);
  if (spec.role) signature.role = spec.role;
  const hook = spec.hook === undefined ? undefined : HOOKS[spec.hook];
  if (spec.hook !== undefined && !hook)
    throw new At(
      [...path, 'hook'],
      `no hook "${spec.hook}" (hooks: ${Object.keys(HOOKS).join(', ') || 'none'})`,
    );
  const accepts = spec.accepts
    ? compileCondition(spec.accepts, varNames, [...path, 'accepts'], fieldValue)
    : undefined;
  if (accepts || hook?.accepts) {
    signature.accepts = (view) => (accepts?.(view) ?? true) && (hook?.accepts?.(view) ?? true);
  }
  if (spec.deploy) {
    const title = template(spec.deploy.title, varNames, 'prose', [...path, 'deploy', 'title']);
    signature.deploy = {
      title: (ctx) => renderTemplate(title, makeScope(ctx.primary, ctx), 'prose'),
      likelihood: spec.deploy.likelihood,
    };
    if (spec.deploy.rollback !== undefined) signature.deploy.rollback = spec.deploy.rollback;
  }

  if (spec.delegate) {
    signature.delegates = spec.delegate.map((item, index) => {
      const out: DelegateEntry = { to: item.to, path: [...path, 'delegate', index, 'to'] };
      if (item.when)
        out.when = compileCondition(item.when, varNames, [...path, 'delegate', index, 'when'], fieldValue);
      if (item.set)
        out.set = Object.entries(item.set).map(([field, source]) => [
          field as SettableField,
          template(source as string, varNames, 'prose', [...path, 'delegate', index, 'set', field]),
        ]);
      return out;
    });
    const delegates = signature.delegates;
    signature.analyze = (ctx) => {
      const chosen = delegates.find((item) => !item.when || item.when(ctx.primary, ctx));
      const target = chosen ? resolve()(chosen.to) : undefined;
      if (!target) throw new Error(`signature ${spec.id}: no delegate applies`);
      const finding = target.analyze(chosen?.set ? withFields(ctx, chosen.set, makeScope) : ctx);
      return hook?.analyze ? hook.analyze(ctx, finding) : finding;
    };
    return signature;
  }

  const summary = compileText(spec.summary as TextSpec, varNames, [...path, 'summary'], fieldValue);
  const more =
    spec.more !== undefined ? compileText(spec.more, varNames, [...path, 'more'], fieldValue) : undefined;
  const causeGroups: { when?: Test; causes: CompiledCause[] }[] = [];
  const compileCause = (item: CauseSpec, where: Path): CompiledCause => {
    const out: CompiledCause = {
      title: template(item.title, varNames, 'prose', [...where, 'title']),
      likelihood: compileLikelihood(item.likelihood, varNames, [...where, 'likelihood'], fieldValue),
      category: item.category,
    };
    if (item.when) out.when = compileCondition(item.when, varNames, [...where, 'when'], fieldValue);
    if (item.evidence) out.evidence = compileEvidence(item.evidence, varNames, [...where, 'evidence'], sets);
    return out;
  };
  const causes = spec.causes ?? [];
  causes.forEach((item, index) => {
    const where = [...path, 'causes', index];
    if ('causes' in item) {
      const group: { when?: Test; causes: CompiledCause[] } = {
        causes: item.causes.map((one, at) => compileCause(one, [...where, 'causes', at])),
      };
      if (item.when) group.when = compileCondition(item.when, varNames, [...where, 'when'], fieldValue);
      causeGroups.push(group);
    } else {
      const only = causeGroups[0] ?? { causes: [] };
      only.causes.push(compileCause(item, where));
      causeGroups[0] = only;
    }
  });
  const stepList = (spec.steps ?? []).map((item, index) =>
    compileStep(item, varNames, [...path, 'steps', index], fieldValue),
  );
  const runbook = spec.runbook;
  const actions = (spec.actions ?? []).map((item, index) =>
    compileActions(item, varNames, [...path, 'actions', index]),
  );

  signature.analyze = (ctx): Finding => {
    const v = ctx.primary;
    const scope = makeScope(v, ctx);
    const evidence = alertEvidence(ctx.alerts);
    const group = causeGroups.find((candidate) => !candidate.when || candidate.when(v, ctx));
    const chosen = (group?.causes ?? []).filter((item) => !item.when || item.when(v, ctx));
    const moreTemplate = ctx.alerts.length > 1 && more ? pick(more, v, ctx) : undefined;
    const suffix =
      ctx.alerts.length <= 1
        ? ''
        : more
          ? moreTemplate
            ? renderTemplate(moreTemplate, scope, 'prose')
            : ''
          : ` (${ctx.alerts.length} alerts)`;
    const summaryTemplate = pick(summary, v, ctx);
    const alertRunbook = runbookStep(v);
    const finding: Finding = {
      summary: `${summaryTemplate ? renderTemplate(summaryTemplate, scope, 'prose') : ''}${suffix}`,
      causes: chosen.map((item, index) =>
        cause(
          renderTemplate(item.title, scope, 'prose'),
          item.likelihood(v, ctx),
          item.category,
          item.evidence
            ? item.evidence.flatMap((source) => source(scope, ctx, evidence))
            : index === 0
              ? evidence
              : evidence.slice(0, 1),
        ),
      ),
      nextSteps: steps(
        ...stepList.map((render) => render(scope)),
        alertRunbook ?? (runbook ? `Follow the runbook: ${runbook}` : null),
      ),
      actions: actions.flatMap((propose) => propose(ctx, (other) => makeScope(other, ctx))),
    };
    return hook?.analyze ? hook.analyze(ctx, finding) : finding;
  };
  return signature;
}

/**
 * Of a union's failed branches, the one that got furthest (the longest path): "causes[0].category: invalid
 * option" rather than "causes: Invalid input".
 */
function deepest(issue: z.core.$ZodIssue, prefix: Path): { path: Path; message: string } {
  const path = [...prefix, ...(issue.path as Path)];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { path, message: issue.message };
  let best: { path: Path; message: string } | undefined;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const candidate = deepest(inner, path);
      if (!best || candidate.path.length > best.path.length) best = candidate;
    }
  }
  return best ?? { path, message: issue.message };
}

// ─── Loading ────────────────────────────────────────────────────────────────────────────────────────────────

export interface LoadedFile {
  file: string;
  domain: string;
  signatures: DataSignature[];
}

/** Parses, validates and compiles one file's text; throws a `ConfigError` naming file, line and field. */
export function compileCatalogueFile(textContent: string, file: string, resolve: () => Resolve): LoadedFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(textContent, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const firstError = doc.errors[0];
  if (firstError) throw new ConfigError(`${where(firstError.pos[0])}: ${firstError.message.split('\n')[0]}`);
  const at = (issuePath: Path, message: string): ConfigError => {
    // The deepest node that exists: a missing field is reported where its parent is.
    for (let depth = issuePath.length; depth >= 0; depth -= 1) {
      const node = doc.getIn(issuePath.slice(0, depth), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range)
        return new ConfigError(`${where(node.range[0])}: ${pathText(issuePath) || '(file)'}: ${message}`);
    }
    return new ConfigError(`${file}: ${pathText(issuePath)}: ${message}`);
  };
  // Top-level `x-…` keys hold YAML anchors shared by several signatures (`x-proxy-stats: &proxyStats …`).
  const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (raw && typeof raw === 'object' && !Array.isArray(raw))
    for (const key of Object.keys(raw))
      if (key.startsWith('x-')) delete (raw as Record<string, unknown>)[key];
  const parsed = catalogueFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = deepest(parsed.error.issues[0] as z.core.$ZodIssue, []);
    throw at(issue.path, issue.message);
  }
  try {
    const data = parsed.data;
    const seen = new Set<string>();
    const signatures = data.signatures.map((spec, index) => {
      if (seen.has(spec.id))
        throw new At(['signatures', index, 'id'], `signature id ${spec.id} appears twice`);
      seen.add(spec.id);
      return compileSignature(spec, data.vars ?? {}, file, ['signatures', index], resolve);
    });
    for (const signature of signatures)
      for (const delegate of signature.delegates ?? [])
        delegate.at = at(delegate.path, '').message.slice(0, -2);
    return { file, domain: data.domain, signatures };
  } catch (error) {
    if (error instanceof At) throw at(error.path, error.message);
    throw error;
  }
}

/** How a file is named in messages: relative to `from` (the working directory), absolute when outside it. */
export function shownPath(full: string, from: string = process.cwd()): string {
  const relative = path.relative(from, full);
  return !relative || relative.startsWith('..') || path.isAbsolute(relative) ? full : relative;
}

/** Every `*.yaml` file of `dir`, in name order; named in messages relative to `shownFrom`. */
export function loadCatalogueDir(dir: string, resolve: () => Resolve, shownFrom?: string): LoadedFile[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort();
  return files.map((name) => {
    const full = path.join(dir, name);
    return compileCatalogueFile(
      readFileSync(full, 'utf8'),
      shownFrom === undefined ? path.relative(process.cwd(), full) || name : shownPath(full, shownFrom),
      resolve,
    );
  });
}

/** Checks that every `delegate.to` names a signature of the assembled catalogue (a ConfigError otherwise). */
export function checkDelegates(files: readonly LoadedFile[], resolve: Resolve): void {
  for (const loaded of files) {
    for (const signature of loaded.signatures) {
      for (const delegate of signature.delegates ?? []) {
        if (!resolve(delegate.to))
          throw new ConfigError(`${delegate.at ?? loaded.file}: no signature with id "${delegate.to}"`);
      }
    }
  }
}
