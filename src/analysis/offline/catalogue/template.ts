/**
 * The catalogue's small template language (see docs/catalogue.md): `{{path}}` placeholders with `|` fallbacks,
 * `{{#path}}…{{/path}}` / `{{^path}}…{{/path}}` sections, and typed placeholders (`q`, `kubectl`, `sel`, `word`,
 * `raw`; `open`/`close` for a literal `{{`/`}}`). Quoting is decided by where a template is used, never by its author: in a `run:` step every value is
 * a shell word (`sh()`), in a `promql:` step a PromQL string (`pq()`), in prose it is inserted as it is.
 */
import { hostOf, kubectl, listOf, pq, sel, sh } from '../facts.ts';
import type { AlertView, SignatureContext } from '../types.ts';

export type Mode = 'prose' | 'shell' | 'promql';

/** One link of a fallback chain: a view field, a label, an annotation, a var, or a quoted literal. */
type Ref = { kind: 'path'; path: string; skipEmpty?: boolean } | { kind: 'literal'; value: string };

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; chain: Ref[] }
  | { kind: 'raw'; chain: Ref[] }
  | { kind: 'q'; chain: Ref[] }
  | { kind: 'kubectl'; chain?: Ref[] }
  | { kind: 'sel'; pairs: [string, Ref[]][] }
  | { kind: 'word'; chain: Ref[] }
  | { kind: 'url'; chain: Ref[] }
  | { kind: 'list'; chain: Ref[]; set?: string }
  | { kind: 'section'; negated: boolean; chain: Ref[]; children: Node[] };

export interface Template {
  source: string;
  nodes: Node[];
}

export class TemplateError extends Error {}

/** Fields of an alert a template may name, besides `labels.X` and `annotations.X`. */
const FIELDS: Record<string, (v: AlertView, ctx: SignatureContext | undefined) => string | undefined> = {
  name: (v) => v.name,
  /** The alert's one-line summary (its summary annotation, else its description, else its name). */
  summary: (v) => v.alert.summary,
  key: (v) => v.key,
  reason: (v) => v.reason || undefined,
  namespace: (v) => v.namespace,
  pod: (v) => v.pod,
  container: (v) => v.container,
  node: (v) => v.node,
  instance: (v) => v.instance,
  deployment: (v) => v.deployment,
  /** The host to log in to: `instance` without its port, else the node, else a `host`/`hostname` label. */
  host: (v) => hostOf(v),
  /** `instance` with a trailing `:port` removed (nothing else). */
  instanceHost: (v) => v.instance?.replace(/:\d+$/, ''),
  /** `/dev/NAME` for a plain `device` label (safe inside a quoted remote command), else `/dev/<disk>`. */
  devicePath: (v) => {
    const name = v.labels.device?.replace(/^\/dev\//, '');
    return name && /^[\w.:-]+$/.test(name) ? `/dev/${name}` : '/dev/<disk>';
  },
  /** `instance` with its port replaced by node-exporter's `:9100` (a host's other exporter → its node-exporter). */
  nodeExporterInstance: (v) => v.instance?.replace(/:\d+$/, ':9100'),
  /** The `device` label when it is a plain interface name (safe by construction), else nothing. */
  nic: (v) => (v.labels.device && /^[\w.:-]+$/.test(v.labels.device) ? v.labels.device : undefined),
  /** Where the alert points: instance, else pod, else job, service or node. */
  where: (v) => v.instance ?? v.pod ?? v.labels.job ?? v.labels.service ?? v.node,
  /** How many alerts the signature matched. */
  count: (_v, ctx) => (ctx ? String(ctx.alerts.length) : undefined),
  /** The alert's PromQL expression (from its generatorURL), when it has one. */
  expr: (v) => v.expr || undefined,
  /** The host of the probe target (`instance`, `target`, `url` or `host` read as `scheme://host:port/…`). */
  targetHost: (v) => probeTarget(v)?.host,
  /** The port of the probe target, when it names one. */
  targetPort: (v) => probeTarget(v)?.port,
};

const URL_TARGET = /^(?:[a-z]+:\/\/)?([^/:?#]+)(?::(\d+))?/i;

/** Host and port of a probe target such as `https://shop.example.com/health` or `db:5432`. */
function probeTarget(view: AlertView): { host: string; port: string | undefined } | undefined {
  const target = view.labels.instance ?? view.labels.target ?? view.labels.url ?? view.labels.host;
  const match = target ? URL_TARGET.exec(target) : null;
  return match?.[1] ? { host: match[1], port: match[2] } : undefined;
}

/** Fields whose values are safe words by construction: inserted as they are in every mode (even in quotes). */
const SAFE_FIELDS: ReadonlySet<string> = new Set(['devicePath', 'nic']);

export const templateFields = (): string[] => Object.keys(FIELDS);

const TAG = /\{\{\s*([#^/]?)\s*([^}]*?)\s*\}\}/g;
const IDENT = /^[A-Za-z_][\w-]*$/;
const LABEL_PATH = /^(?:labels|annotations)\.[\w.-]+$/;

/**
 * `a || b`: a chain whose links count only when non-empty (JavaScript `||`), where `a | b` stops at an empty
 * label (`??`). One chain uses one of the two.
 */
function chainParts(text: string): { parts: string[]; skipEmpty: boolean } {
  if (!text.includes('||')) return { parts: text.split('|').map((part) => part.trim()), skipEmpty: false };
  const parts = text.split('||').map((part) => part.trim());
  if (parts.some((part) => part.includes('|')))
    throw new TemplateError(`"${text}" mixes | and || (use one of them)`);
  return { parts, skipEmpty: true };
}

function parseChain(text: string, vars: ReadonlySet<string>): Ref[] {
  const refs: Ref[] = [];
  const { parts, skipEmpty } = chainParts(text);
  parts.forEach((part, index) => {
    const literal = /^'([^']*)'$/.exec(part);
    if (literal) {
      if (index !== parts.length - 1)
        throw new TemplateError(`the literal ${part} must come last in "${text}"`);
      refs.push({ kind: 'literal', value: literal[1] as string });
      return;
    }
    if (!(part in FIELDS) && !LABEL_PATH.test(part) && !vars.has(part) && !isHookValue(part, vars))
      throw new TemplateError(
        `unknown placeholder "${part}" (fields: ${Object.keys(FIELDS).join(', ')}, labels.X, annotations.X, or a var)`,
      );
    refs.push(skipEmpty ? { kind: 'path', path: part, skipEmpty } : { kind: 'path', path: part });
  });
  if (refs.length === 0) throw new TemplateError('an empty placeholder');
  return refs;
}

/** How the values a signature's hook provides travel in `vars` (`hook.NAME` in a template). */
export const HOOK_PREFIX = '@hook:';
export const isHookValue = (path: string, vars: ReadonlySet<string>): boolean =>
  path.startsWith('hook.') && vars.has(`${HOOK_PREFIX}${path.slice(5)}`);

/** How a signature's set names travel in the `vars` of `compileTemplate` (a var name cannot hold `@`). */
export const SET_PREFIX = '@set:';

/** `{{list PATH}}` / `{{list PATH in SET}}`: prose only (the values come back in backticks). */
function parseList(argument: string, vars: ReadonlySet<string>, mode: Mode | 'any'): Node {
  if (mode === 'shell' || mode === 'promql')
    throw new TemplateError('{{list …}} is prose: not in a run: or promql: step');
  const match = /^(.*?)\s+in\s+([A-Za-z_]\w*)$/.exec(argument);
  const chain = parseChain(match ? (match[1] as string) : argument, vars);
  if (match && !vars.has(`${SET_PREFIX}${match[2]}`))
    throw new TemplateError(`{{list … in ${match[2]}}}: no set "${match[2]}" in sets:`);
  return match ? { kind: 'list', chain, set: match[2] as string } : { kind: 'list', chain };
}

/**
 * Compiles `source`. `vars` are the names a placeholder may use besides the fields; `mode` is where the
 * template will be used, for the checks that depend on it (`raw` only in a comment of a `run:` step).
 */
export function compileTemplate(source: string, vars: ReadonlySet<string>, mode: Mode | 'any'): Template {
  const root: Node[] = [];
  const stack: { node: Extract<Node, { kind: 'section' }>; tag: string }[] = [];
  const current = (): Node[] => stack.at(-1)?.node.children ?? root;
  let last = 0;
  let consumed = '';
  for (const match of source.matchAll(TAG)) {
    const text = source.slice(last, match.index);
    if (text) current().push({ kind: 'text', text });
    consumed += text;
    last = (match.index ?? 0) + match[0].length;
    const sigil = match[1] as string;
    const body = match[2] as string;
    if (sigil === '#' || sigil === '^') {
      const node: Extract<Node, { kind: 'section' }> = {
        kind: 'section',
        negated: sigil === '^',
        chain: parseChain(body, vars),
        children: [],
      };
      current().push(node);
      stack.push({ node, tag: body });
      continue;
    }
    if (sigil === '/') {
      const open = stack.pop();
      if (!open || open.tag !== body) throw new TemplateError(`{{/${body}}} closes no open {{#${body}}}`);
      continue;
    }
    const [head, ...rest] = body.split(/\s+/);
    const argument = rest.join(' ');
    if ((head === 'open' || head === 'close') && !argument)
      current().push({ kind: 'text', text: head === 'open' ? '{{' : '}}' }); // a literal `{{`/`}}` (Go templates)
    else if (head === 'kubectl')
      current().push(argument ? { kind: 'kubectl', chain: parseChain(argument, vars) } : { kind: 'kubectl' });
    else if (head === 'q') current().push({ kind: 'q', chain: parseChain(argument, vars) });
    else if (head === 'word') current().push({ kind: 'word', chain: parseChain(argument, vars) });
    else if (head === 'url') current().push({ kind: 'url', chain: parseChain(argument, vars) });
    else if (head === 'list') current().push(parseList(argument, vars, mode));
    else if (head === 'raw') {
      if (mode !== 'shell' || !/(?:^|\s)#\s/.test(consumed))
        throw new TemplateError('{{raw …}} is only allowed after a " # " comment mark in a run: step');
      current().push({ kind: 'raw', chain: parseChain(argument, vars) });
    } else if (head === 'sel') {
      const pairs: [string, Ref[]][] = [];
      for (const pair of argument.split(',').map((item) => item.trim())) {
        const eq = pair.indexOf('=');
        const key = eq < 0 ? pair : pair.slice(0, eq);
        if (!IDENT.test(key)) throw new TemplateError(`{{sel …}}: "${pair}" is not key=path`);
        pairs.push([key, parseChain(eq < 0 ? key : pair.slice(eq + 1), vars)]);
      }
      current().push({ kind: 'sel', pairs });
    } else current().push({ kind: 'value', chain: parseChain(body, vars) });
  }
  const open = stack.pop();
  if (open) throw new TemplateError(`{{#${open.tag}}} is never closed`);
  const tail = source.slice(last);
  if (tail) root.push({ kind: 'text', text: tail });
  if (source.replace(TAG, '').includes('{{')) throw new TemplateError('a "{{" that opens no placeholder');
  return { source, nodes: root };
}

/** What a template renders against: the alert, the signature's context, and the vars in scope. */
export interface Scope {
  view: AlertView;
  ctx?: SignatureContext;
  /** A var's value in a mode (undefined when none of its choices applies). */
  variable(name: string, mode: Mode): string | undefined;
  /** The same scope for another alert of the incident (for `{{list …}}`). */
  other?(view: AlertView): Scope;
  /** A value of the signature's hook (`hook.NAME`). */
  hook?(name: string): string | undefined;
  /** The alerts of a named set (`sets:`); undefined for an unknown set. */
  set?(name: string): AlertView[] | undefined;
}

function lookup(ref: Ref, scope: Scope, mode: Mode): { value: string; rendered: boolean } | undefined {
  if (ref.kind === 'literal') return { value: ref.value, rendered: false };
  const path = ref.path;
  if (path.startsWith('labels.')) {
    const value = scope.view.labels[path.slice(7)];
    return value === undefined ? undefined : { value, rendered: false };
  }
  if (path.startsWith('annotations.')) {
    const value = scope.view.alert.annotations[path.slice(12)];
    return value === undefined ? undefined : { value, rendered: false };
  }
  if (path.startsWith('hook.')) {
    const value = scope.hook?.(path.slice(5));
    return value === undefined ? undefined : { value, rendered: false };
  }
  const field = FIELDS[path];
  if (field) {
    const value = field(scope.view, scope.ctx);
    return value === undefined ? undefined : { value, rendered: SAFE_FIELDS.has(path) };
  }
  // A var that renders nothing is absent, so a fallback after it applies.
  const value = scope.variable(path, mode);
  return value ? { value, rendered: true } : undefined;
}

/** The first link that has a value (`??` semantics: an empty label is a value). */
function resolve(chain: Ref[], scope: Scope, mode: Mode): { value: string; rendered: boolean } | undefined {
  for (const ref of chain) {
    const hit = lookup(ref, scope, mode);
    if (hit && !(ref.kind === 'path' && ref.skipEmpty && hit.value === '')) return hit;
  }
  return undefined;
}

/** A plain value as `mode` quotes it: a shell word, a PromQL string, or as it is in prose. */
export const quoteFor = (mode: Mode, value: string): string =>
  mode === 'shell' ? sh(value) : mode === 'promql' ? pq(value) : value;

function renderNodes(nodes: Node[], scope: Scope, mode: Mode): string {
  let out = '';
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out += node.text;
        break;
      case 'value': {
        const hit = resolve(node.chain, scope, mode);
        if (hit) out += hit.rendered ? hit.value : quoteFor(mode, hit.value);
        break;
      }
      case 'raw':
        out += resolve(node.chain, scope, 'prose')?.value ?? '';
        break;
      case 'q':
        out += `\`${resolve(node.chain, scope, 'prose')?.value ?? '?'}\``;
        break;
      case 'kubectl':
        // `kubectl -n NS` (the alert's namespace, or the chain's), else plain `kubectl`.
        out += kubectl(node.chain ? resolve(node.chain, scope, 'prose')?.value : scope.view.namespace);
        break;
      case 'word': {
        const hit = resolve(node.chain, scope, 'prose');
        if (hit) out += sh(hit.value);
        break;
      }
      case 'url': {
        const hit = resolve(node.chain, scope, 'prose');
        if (hit) out += encodeURIComponent(hit.value);
        break;
      }
      case 'list':
        out += listIn(node, scope);
        break;
      case 'sel': {
        const matchers: Record<string, string | undefined> = {};
        for (const [key, chain] of node.pairs) matchers[key] = resolve(chain, scope, 'prose')?.value;
        out += sel(matchers);
        break;
      }
      case 'section': {
        // Sections test JavaScript truthiness: a missing or empty value is absent.
        const present = Boolean(resolve(node.chain, scope, 'prose')?.value);
        if (present !== node.negated) out += renderNodes(node.children, scope, mode);
        break;
      }
    }
  }
  return out;
}

/** facts.ts `listOf` of a chain over the matched alerts, or over a named set. */
function listIn(node: Extract<Node, { kind: 'list' }>, scope: Scope): string {
  const alerts = node.set ? (scope.set?.(node.set) ?? []) : (scope.ctx?.alerts ?? [scope.view]);
  return listOf(
    alerts,
    (view) => resolve(node.chain, scope.other ? scope.other(view) : scope, 'prose')?.value,
  );
}

export const renderTemplate = (template: Template, scope: Scope, mode: Mode): string =>
  renderNodes(template.nodes, scope, mode);
