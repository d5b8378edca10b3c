/**
 * Failure classes: the generalising half of the Kubernetes evidence. Where `RULES` in `kube-evidence.ts` knows
 * particular messages, this module classifies any decisive line (a crashed container's last error, a stack
 * trace's final exception, a Warning event, a termination or waiting message) into a broad class of failure —
 * credentials rejected, TLS not trusted, a name that does not resolve, a pending migration … — and names what
 * the line names (its host:port, URL, path, variable, product, exception) in the cause's title.
 *
 * Knowledge is data, code is mechanism: the vocabulary (classes, their patterns, categories, weights and title
 * templates, the general fact extractors and the products) is `catalogue/evidence/failure-classes.yaml`,
 * validated with zod when the analyzer loads; this file only selects, classifies, extracts and renders.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../errors.ts';
import { packagePath } from '../../package.ts';
import { type RootCause, rootCauseCategories } from '../schema.ts';
import { pattern, toRegExp } from './catalogue/data.ts';
import type { Facts } from './explain-patterns.ts';
import { clip } from './facts.ts';

export const FAILURE_CLASSES_FILE = packagePath('catalogue', 'evidence', 'failure-classes.yaml');

/** Which clues a class reads: container logs, Warning events, or the termination and waiting messages. */
export type ClassSource = 'logs' | 'events' | 'status';

/** `{a|b|"text"}`: the first present fact, else the literal; `{said}` is the line's own words. */
const PLACEHOLDER = /\{([^{}]+)\}/g;

const classSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'kebab-case'),
    category: z.enum(rootCauseCategories),
    weight: z.number().int().min(1).max(100),
    sources: z
      .array(z.enum(['logs', 'events', 'status']))
      .min(1)
      .optional(),
    match: z.array(pattern).min(1).optional(),
    /** A regex on the words of the line's exception type (`InvalidKeyspaceException` → `Invalid Keyspace`). */
    exception: pattern.optional(),
    unless: z.array(pattern).optional(),
    facts: z.array(pattern).optional(),
    title: z.string().min(1).max(300),
    confirms: pattern.optional(),
    yields: z.boolean().optional(),
  })
  .strict()
  .refine((entry) => entry.match !== undefined || entry.exception !== undefined, {
    message: 'a class needs match or exception',
  });

const fileSchema = z
  .object({
    extract: z.array(pattern),
    reject: z
      .array(z.object({ facts: z.array(z.string().regex(/^[a-z]\w*$/i)).min(1), match: pattern }).strict())
      .default([]),
    echoes: z.array(pattern),
    products: z.array(
      z
        .object({
          name: z.string().min(1),
          match: pattern,
          ports: z.array(z.number().int().min(1).max(65535)).optional(),
        })
        .strict(),
    ),
    classes: z.array(classSchema).min(1),
    unread: z
      .object({
        weight: z.number().int().min(1).max(100),
        match: pattern,
        generic: z.array(pattern).default([]),
        category: z.enum(rootCauseCategories),
        categories: z.array(z.object({ category: z.enum(rootCauseCategories), match: pattern }).strict()),
        titles: z
          .object({
            logs: z.string().min(1).max(300),
            events: z.string().min(1).max(300),
            status: z.string().min(1).max(300),
          })
          .strict(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    /** Each `{a|b|"text"}` part is a fact name or a quoted literal. */
    const checkTitle = (title: string, path: (string | number)[]) => {
      for (const [, name] of title.matchAll(PLACEHOLDER)) {
        for (const alt of (name ?? '').split('|').map((part) => part.trim())) {
          if (!/^(?:"[^"]*"|[a-z][\w]*)$/i.test(alt))
            ctx.addIssue({ code: 'custom', path, message: `bad placeholder part ${JSON.stringify(alt)}` });
        }
      }
    };
    for (const [source, title] of Object.entries(file.unread?.titles ?? {}))
      checkTitle(title, ['unread', 'titles', source]);
    const seen = new Set<string>();
    for (const [index, entry] of file.classes.entries()) {
      if (seen.has(entry.id))
        ctx.addIssue({
          code: 'custom',
          path: ['classes', index, 'id'],
          message: `duplicate id "${entry.id}"`,
        });
      seen.add(entry.id);
      checkTitle(entry.title, ['classes', index, 'title']);
    }
  });

export interface FailureClass {
  id: string;
  category: RootCause['category'];
  weight: number;
  sources: readonly ClassSource[];
  match: RegExp[];
  exception?: RegExp;
  unless: RegExp[];
  facts: RegExp[];
  title: string;
  confirms?: RegExp;
  /** A symptom of the process's exit: yields to the lines of a run that ended on an error of its own. */
  yields?: boolean;
}

/**
 * A decisive line no class reads: when nothing else names a cause, the line itself is quoted as the cause, with a
 * category read from its words (the first of `categories` that matches, else `category`).
 */
export interface UnreadLines {
  weight: number;
  /** A line that reads as a failure, whatever its product. */
  match: RegExp;
  /** Words of a line that only says the process gives up (`Program will exit`): another line says why. */
  generic: RegExp[];
  category: RootCause['category'];
  categories: { category: RootCause['category']; match: RegExp }[];
  titles: Record<ClassSource, string>;
}

export interface Vocabulary {
  extract: RegExp[];
  /** Values a fact never is (a source position is no address, a hex id no command), by fact name. */
  reject: { facts: string[]; match: RegExp }[];
  echoes: RegExp[];
  products: { name: string; match: RegExp; ports: number[] }[];
  classes: FailureClass[];
  /** Absent: a line no class reads stays unread. */
  unread?: UnreadLines;
}

/** Parses and validates a vocabulary file's text; a broken file is a ConfigError naming the field. */
export function compileVocabulary(text: string, shown = 'failure-classes.yaml'): Vocabulary {
  let raw: unknown;
  try {
    raw = parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new ConfigError(`${shown}: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${shown}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const file = parsed.data;
  return {
    extract: file.extract.map(toRegExp),
    reject: file.reject.map((entry) => ({ facts: entry.facts, match: toRegExp(entry.match) })),
    echoes: file.echoes.map(toRegExp),
    products: file.products.map((product) => ({
      name: product.name,
      match: toRegExp(product.match),
      ports: product.ports ?? [],
    })),
    classes: file.classes.map((entry) => ({
      id: entry.id,
      category: entry.category,
      weight: entry.weight,
      sources: entry.sources ?? ['logs', 'events', 'status'],
      match: (entry.match ?? []).map(toRegExp),
      ...(entry.exception ? { exception: toRegExp(entry.exception) } : {}),
      unless: (entry.unless ?? []).map(toRegExp),
      facts: (entry.facts ?? []).map(toRegExp),
      title: entry.title,
      ...(entry.confirms ? { confirms: toRegExp(entry.confirms) } : {}),
      ...(entry.yields ? { yields: true } : {}),
    })),
    ...(file.unread
      ? {
          unread: {
            weight: file.unread.weight,
            match: toRegExp(file.unread.match),
            generic: file.unread.generic.map(toRegExp),
            category: file.unread.category,
            categories: file.unread.categories.map((entry) => ({
              category: entry.category,
              match: toRegExp(entry.match),
            })),
            titles: file.unread.titles,
          },
        }
      : {}),
  };
}

/** The shipped vocabulary, read and validated once, when the analyzer loads (like the catalogue's data files): a
 * broken file stops start-up with a ConfigError naming the field. */
const SHIPPED: Vocabulary = compileVocabulary(
  readFileSync(FAILURE_CLASSES_FILE, 'utf8'),
  'catalogue/evidence/failure-classes.yaml',
);
export const vocabulary = (): Vocabulary => SHIPPED;

// ─── Selecting the decisive lines ─────────────────────────────────────────────────────────────────────────

const ISO_PREFIX = /^\s*\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?: ?(?:Z|[+-]\d\d:?\d\d))?\]?\s*/;
/** A line a logger marked as information or debugging: it does not decide. */
const NOISE_LEVEL = [
  // An upper-case level among the first words ("2026/03/01 10:00:00 INFO …", "INFO: …"); case-sensitive, so
  // "Error reading info: …" is not taken for one.
  /^(?:\S+\s+){0,3}\[?(?:INFO|DEBUG|TRACE|NOTICE|VERBOSE)\]?[\s:]/,
  /^(?:\S+\s+){0,3}\[(?:info|debug|trace|notice|verbose)\s*\]/i,
  /\blevel[=:]\s*"?(?:info|debug|trace)\b|"(?:log\.)?(?:level|severity)"\s*:\s*"(?:info|debug|trace|notice)"/i,
  // pino and bunyan write levels as numbers: 10 trace, 20 debug, 30 info.
  /^\s*\{.*"level"\s*:\s*(?:10|20|30)\s*[,}]/,
  /^[ID]\d{4} \d\d:\d\d/,
];
/**
 * A stack trace's frames (Java/JVM, Python, Go, Node, .NET, Ruby): the exception line decides, not these. A
 * Python traceback also quotes each frame's source line, indented (`    raise exc.TimeoutError(`), and Node the line that
 * threw (`    throw err;`); Ruby's frames may come without `from` (`/app/bin/sidekiq:31:in '<main>'`).
 */
const FRAME =
  /^\s+at\s|^\s*\.\.\. \d+ (?:more|common frames)|^\s*File ".+", line \d+|^\s+\/\S+\.(?:go|rb|py|js|ts):\d+|^\/\S+\.(?:go|rb|py|js|ts):\d+(?: \+0x[0-9a-f]+)?\s*$|^\s*goroutine \d+ \[|^\s*created by |^\s+from \S+:\d+:in|^\s*\^+\s*$|^\s{4,}(?:raise|return|await|yield|throw)\b|^\S+:\d+:in [`'‘][^'’]*['’]\s*$/;

/** A line a logger marked as an error (whatever its words say). */
const ERROR_LEVEL = [
  /^(?:\S+\s+){0,3}\[?(?:ERROR|ERR|FATAL|FTL|CRITICAL|CRIT|SEVERE|PANIC|EMERG|ALERT)\]?[\s:|]/,
  /\blevel[=:]\s*"?(?:error|fatal|critical|crit|panic|emerg)\b/i,
  /"(?:log\.)?(?:level|severity)"\s*:\s*(?:"(?:error|fatal|critical|crit|panic|emerg|alert)"|[56]0\b)/i,
  /^[EF]\d{4} \d\d:\d\d/,
];

/** A line a logger marked as a warning. */
const WARN_LEVEL = [
  /^(?:\S+\s+){0,3}\[?(?:WARN|WARNING|WRN)\]?[\s:|]/,
  /\blevel[=:]\s*"?warn(?:ing)?\b/i,
  /"(?:log\.)?(?:level|severity)"\s*:\s*(?:"warn(?:ing)?"|40\b)/i,
  /^W\d{4} \d\d:\d\d/,
];

/** True when a logger marked the line as an error or worse (or, with `warnings`, as a warning). */
export function isErrorLevel(line: string, options: { warnings?: boolean } = {}): boolean {
  const body = line.replace(ISO_PREFIX, '');
  return (
    ERROR_LEVEL.some((re) => re.test(body)) ||
    (options.warnings === true && WARN_LEVEL.some((re) => re.test(body)))
  );
}

/** True when a line can decide: not a frame of a stack trace, not information or debugging output. */
export function isDecisiveLine(line: string): boolean {
  if (!line.trim()) return false;
  if (FRAME.test(line)) return false;
  const body = line.replace(ISO_PREFIX, '');
  return !NOISE_LEVEL.some((re) => re.test(body));
}

/** A line that only restates that a process exited (a wrapper's report on its child): it names no cause. */
export function isEcho(line: string, vocab: Vocabulary = vocabulary()): boolean {
  const words = wordsOf(line);
  return vocab.echoes.some((re) => re.test(words));
}

const MESSAGE_KEYS = ['msg', 'message', 'error', 'err', 'exception', 'stack_trace'];
/** A JSON log's bookkeeping fields: time, level, logger, caller, ids. */
const JSON_META =
  /^(?:t|ts|time|timestamp|@timestamp|date|s|level|severity|lvl|logger|caller|source|thread|pid|id|ctx|c)$|^(?:log|ecs|event|process|service|agent|trace|span|transaction)\./i;

/** A JSON log field's scalar values as `key=value` words (one level of nesting). */
function flatFields(key: string, value: unknown, depth = 0): string[] {
  if (typeof value === 'string' || typeof value === 'number') return [`${key}=${value}`];
  if (value && typeof value === 'object' && !Array.isArray(value) && depth === 0)
    return Object.entries(value as Record<string, unknown>).flatMap(([inner, v]) => flatFields(inner, v, 1));
  return [];
}

/** A JSON message field's words: a string, or an error object's type and message (pino, bunyan), not its stack. */
function messageOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const error = value as Record<string, unknown>;
  const message = [error.message, error.msg].find((part) => typeof part === 'string' && part.length > 0);
  if (typeof message !== 'string') return undefined;
  const type = [error.type, error.name, error.code].find(
    (part) => typeof part === 'string' && part.length > 0,
  );
  return typeof type === 'string' && !message.startsWith(type) ? `${type}: ${message}` : message;
}

/** logfmt's `key=value` and `key="quoted value"` pairs (Go kit, logrus, Prometheus, Loki, Grafana). */
const LOGFMT_PAIR = /(?:^|\s)([\w.-]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g;
const LOGFMT_MESSAGE = ['msg', 'message', 'err', 'error', 'exception'];
/** logfmt's bookkeeping keys: time, level, caller, component. */
const LOGFMT_META = /^(?:t|ts|time|timestamp|level|lvl|caller|source|logger|component|module|pid|thread)$/i;
/** A Spring Boot / Logback line: `LEVEL pid --- [app] [thread] logger : message`. */
const SPRING_LINE = /^(?:\S+\s+)?[A-Z]{4,5}\s+\d+\s+---\s+(?:\[[^\]]*\]\s*){1,2}\S+\s*:\s+(.+)$/;

/** Ruby's uncaught exception, `file.rb:12:in 'method': message (Module::Class)`. */
const RUBY_UNCAUGHT = /^\S+\.rb:\d+:in [`'‘][^'’]*['’]: (.+) \(((?:[A-Z]\w*::)*[A-Z]\w*)\)\s*$/;

/** Ruby's uncaught exception as other runtimes print one: `Module::Class: message`; undefined for other lines. */
function rubyUncaught(text: string): string | undefined {
  const match = RUBY_UNCAUGHT.exec(text);
  return match ? `${match[2]}: ${match[1]}` : undefined;
}

/** A logfmt line's message and error values then its other fields as `key=value`; undefined for other lines. */
function logfmtWords(text: string): string | undefined {
  if (!/(?:^|\s)msg=/.test(text)) return undefined;
  const pairs = [...text.matchAll(LOGFMT_PAIR)].map(([, key = '', raw = '']) => [
    key,
    raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(["\\])/g, '$1') : raw,
  ]);
  if (pairs.length < 2) return undefined;
  const parts = LOGFMT_MESSAGE.flatMap((name) =>
    pairs.filter(([key, value]) => key === name && value).map(([, value]) => value),
  );
  const rest = pairs
    .filter(([key]) => !LOGFMT_MESSAGE.includes(key ?? '') && !LOGFMT_META.test(key ?? ''))
    .map(([key, value]) => `${key}=${value}`);
  return parts.length > 0 ? [parts.join(': '), ...rest].join(' ') : undefined;
}

/**
 * A level opening the line, with what may come before it: a process id in brackets and a date and time
 * (NATS's `[1] 2026/03/01 09:59:09.000000 [FTL] …`, Go's `2026/03/01 09:59:09 ERROR …`).
 */
const LEVEL_PREFIX =
  /^(?:\[\d+\]\s+)?(?:\d{4}[-/]\d\d[-/]\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+)?\[?(?:ERROR|ERR|FATAL|FTL|CRITICAL|CRIT|WARN(?:ING)?|WRN|SEVERE|PANIC|E|F|W)\]?[\s:|]+/;

/** A line's own words, without its time stamp and level, or a JSON or logfmt log's message fields. */
export function wordsOf(line: string): string {
  // Escaped line breaks inside a quoted error ("…request.\n\nCode: 403") separate words; in a JSON log they
  // are read after its parsing (replacing them first would break the JSON's own escapes).
  const breaksToSpaces = (text: string) => text.replace(/\\[nrt]/g, ' ');
  const trimmed = line.replace(ISO_PREFIX, '').trim();
  if (trimmed.startsWith('{')) {
    try {
      const record = JSON.parse(trimmed) as Record<string, unknown>;
      const parts = MESSAGE_KEYS.map((key) => messageOf(record[key])).filter(
        (value): value is string => typeof value === 'string' && value.length > 0,
      );
      // The other fields (a host, a path, a user) follow the message, as key=value.
      const rest = Object.entries(record)
        .filter(([key]) => !MESSAGE_KEYS.includes(key) && !JSON_META.test(key))
        .flatMap(([key, value]) => flatFields(key, value));
      if (parts.length > 0) return breaksToSpaces([parts.join(': '), ...rest].join(' ')).trim();
    } catch {
      // not JSON after all: the line as it is
    }
  }
  const structured = logfmtWords(trimmed) ?? SPRING_LINE.exec(trimmed)?.[1] ?? rubyUncaught(trimmed);
  if (structured) return breaksToSpaces(structured).trim();
  return breaksToSpaces(trimmed).trim().replace(LEVEL_PREFIX, '');
}

// ─── Classifying and extracting ───────────────────────────────────────────────────────────────────────────

export interface Classified {
  cls: FailureClass;
  facts: Facts;
  /** The cause's title, naming what the line names. */
  title: string;
}

/** True when `value` cannot be the fact `name` (a source position for an address, a hex id for a command). */
export function rejected(name: string, value: string, vocab: Vocabulary = vocabulary()): boolean {
  return vocab.reject.some((entry) => entry.facts.includes(name) && entry.match.test(value));
}

const GLOBAL = new Map<RegExp, RegExp>();
/** `re` with the global flag (cached): for `matchAll`. */
function globalOf(re: RegExp): RegExp {
  let global = GLOBAL.get(re);
  if (!global) {
    global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    GLOBAL.set(re, global);
  }
  return global;
}
/**
 * A regex's named groups at its first match in `text` whose groups are all plausible (none `rejected`): a
 * logger's `caller=main.go:170` is skipped for the `host:port` later in the line.
 */
export function plausibleGroups(re: RegExp, text: string, vocab: Vocabulary = vocabulary()): Facts {
  for (const match of text.matchAll(globalOf(re))) {
    const groups = Object.entries(match.groups ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    );
    if (groups.every(([name, value]) => !rejected(name, value, vocab))) return Object.fromEntries(groups);
  }
  return {};
}

/** Facts every line gives (url, address, host, port, path, env, key, exception), its product and target. */
export function lineFacts(text: string, vocab: Vocabulary = vocabulary()): Facts {
  const facts: Facts = {};
  for (const re of vocab.extract) {
    for (const [name, value] of Object.entries(plausibleGroups(re, text, vocab))) {
      if (facts[name] === undefined) facts[name] = value;
    }
  }
  // A path read from inside a URL is the URL's, not a file's.
  if (facts.path && facts.url?.includes(facts.path)) delete facts.path;
  const port = facts.port ? Number(facts.port) : Number.NaN;
  const product =
    vocab.products.find((candidate) => candidate.match.test(text)) ??
    vocab.products.find((candidate) => candidate.ports.includes(port));
  if (product) facts.product = product.name;
  const where = facts.address ?? facts.url ?? facts.host;
  facts.target = product
    ? `${product.name}${where ? ` at \`${clip(where, 80)}\`` : ''}`
    : where
      ? `\`${clip(where, 80)}\``
      : undefined;
  return facts;
}

/** Facts rendered as they are (already worded); every other fact is quoted as code. */
const RAW_FACTS = new Set(['target', 'product', 'said', 'probe', 'object']);

export function renderTitle(template: string, facts: Facts): string {
  const out = template.replace(PLACEHOLDER, (_, body: string) => {
    for (const alt of body.split('|').map((part) => part.trim())) {
      if (alt.startsWith('"')) return alt.slice(1, -1);
      const value = facts[alt];
      if (value) return RAW_FACTS.has(alt) ? value : `\`${clip(value, 80)}\``;
    }
    return '';
  });
  return out
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+([:,)])/g, '$1')
    .replace(/\(\s*\)/g, '')
    .replace(/:\s*$/, '')
    .trim()
    .replace(/^./, (first) => first.toUpperCase());
}

/** An event clue's words start with its reason ("FailedMount: …"): the message is what it says. */
export const eventMessage = (words: string): string => words.replace(/^\w+:\s*/, '');

/** Up to `max` characters of the line's words around where the class matched, in quotes. */
export function saidOf(words: string, at: number, max = 90): string {
  const flat = words.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return `"${flat}"`;
  let start = Math.max(0, Math.min(at - 25, flat.length - max));
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    start = space !== -1 && space < start + 15 ? space + 1 : start;
  }
  const piece = flat.slice(start, start + max).trim();
  return `"${start > 0 ? '…' : ''}${piece}${start + max < flat.length ? '…' : ''}"`;
}

/**
 * An exception type's own words: its last name (after a namespace, module or package), without the
 * `Exception`/`Error` suffix, split where its case changes: `com.datastax…InvalidKeyspaceException` →
 * `Invalid Keyspace`, `Psych::AliasesNotEnabled` → `Aliases Not Enabled`, `ParseIntError` → `Parse Int`.
 */
export function exceptionWords(type: string): string {
  const last =
    type
      .split(/::|[./$]/)
      .filter(Boolean)
      .pop() ?? type;
  const bare = last.replace(/(?:Exception|Error|Exc|Err)$/, '') || last;
  return bare
    .replace(/_/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .trim();
}

/**
 * The first class (most specific first) whose patterns find the line, with the facts it names and its cause's
 * title; null for a line that cannot decide (a frame, INFO output) or that no class knows.
 */
export function classifyLine(
  line: string,
  source: ClassSource,
  vocab: Vocabulary = vocabulary(),
): Classified | null {
  if (source === 'logs' && !isDecisiveLine(line)) return null;
  const words = source === 'logs' ? wordsOf(line) : line;
  let general: Facts | undefined;
  const factsOf = (): Facts => {
    general ??= lineFacts(words, vocab);
    return general;
  };
  for (const cls of vocab.classes) {
    if (!cls.sources.includes(source)) continue;
    let found: { index: number } | null = null;
    for (const re of cls.match) {
      found = re.exec(words);
      if (found) break;
    }
    // A class may read the exception's type name: what failed, in its own words.
    const type = !found && cls.exception ? factsOf().exception : undefined;
    if (type && cls.exception?.test(exceptionWords(type))) found = { index: words.indexOf(type) };
    if (!found || cls.unless.some((re) => re.test(words))) continue;
    const facts = { ...factsOf() };
    for (const re of cls.facts) {
      for (const [name, value] of Object.entries(plausibleGroups(re, words, vocab))) facts[name] = value;
    }
    const message = source === 'events' ? eventMessage(words) : words;
    const offset = words.length - message.length;
    facts.said = saidOf(message, Math.max(0, found.index - offset));
    return { cls, facts, title: renderTitle(cls.title, facts) };
  }
  return null;
}

/** A decisive line no class reads, as its own cause: what `unreadLine` gives. */
export interface UnreadCause {
  category: RootCause['category'];
  facts: Facts;
  title: string;
  /**
   * How much the line says: the things it names (an address, a URL, a path, a variable, a key, an exception, a
   * quoted value) and its failure words; less for a line that only says the process gives up. Of several
   * lines of one log, the one that says most is the cause (the later on a tie: the last error before the crash).
   */
  detail: number;
}

const NAMED_FACTS = ['url', 'address', 'path', 'env', 'key', 'exception'];
/** An `Error:` label opening the words: the line is an error, the words after it say what. */
const ERROR_LABEL = /^\W*(?:error|err|fatal|panic)\b\W*/i;
/** A counter at zero (`keys expired: 0`, `errors=0`): its name is no failure. */
const COUNTER = /\b[\w-]+\s*[:=]\s*0(?:\.0+)?(?![\w.])/g;
const QUOTED_VALUE = /(['"`‘“])[^'"`’”\s][^'"`’”]{0,78}[’”'"`]/;

/**
 * A line that no class reads but that reads as a failure (for a log line: a decisive line, no echo of an exit),
 * as its own cause: the title quotes the line's words from their start, the category is the first of the
 * vocabulary's `unread.categories` whose words the line has. `names` adds facts the caller knows (the container,
 * the object). Null for a line that does not read as a failure.
 */
export function unreadLine(
  line: string,
  source: ClassSource,
  names: Facts = {},
  vocab: Vocabulary = vocabulary(),
): UnreadCause | null {
  const { unread } = vocab;
  if (!unread || (source === 'logs' && (!isDecisiveLine(line) || isEcho(line, vocab)))) return null;
  const words = source === 'logs' ? wordsOf(line) : line;
  const message = source === 'events' ? eventMessage(words) : words;
  const general = lineFacts(words, vocab);
  // What the line says beyond giving up ("Worker failed to boot", "exiting"), an `Error:` label and counters
  // (`keys expired: 0`, `errors=0`): a failure by these words, its logger's level (with some words left), or the
  // exception it names (`uninitialized constant … (NameError)`).
  const stripped = unread.generic
    .reduce((text, re) => text.replace(globalOf(re), ' '), message)
    .replace(COUNTER, ' ');
  const label = ERROR_LABEL.exec(stripped);
  const rest = label ? stripped.slice(label[0].length) : stripped;
  const marked = label !== null || (source === 'logs' && isErrorLevel(line, { warnings: true }));
  const failure =
    unread.match.test(rest) ||
    general.exception !== undefined ||
    (marked && (rest.match(/[a-z]{2,}/gi)?.length ?? 0) >= 3);
  if (!failure) return null;
  const category = unread.categories.find((entry) => entry.match.test(message))?.category ?? unread.category;
  const facts: Facts = { ...general, ...names, said: saidOf(message, 0, 150) };
  const failureWords = new Set(
    [...rest.matchAll(globalOf(unread.match))].map((match) => match[0].toLowerCase()),
  ).size;
  const detail =
    NAMED_FACTS.filter((name) => facts[name]).length +
    (QUOTED_VALUE.test(message) ? 1 : 0) +
    Math.min(2, failureWords + (label ? 1 : 0)) -
    (unread.generic.some((re) => re.test(message)) ? 3 : 0);
  return { category, facts, title: renderTitle(unread.titles[source], facts), detail };
}
