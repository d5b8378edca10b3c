/**
 * Too many database connections → the server's `max_connections` (a Terraform `aws_db_parameter_group`
 * `parameter` block, or the `parameters` list of terraform-aws-modules/rds); an application pool exhausted → the
 * pool size in its YAML config. HCL is edited in place (only the number's characters change) and re-parsed with
 * @cdktf/hcl2json to check it reads back the new value.
 */
import { raiseCount } from '../quantity.ts';
import { isObj } from '../target.ts';
import type { FixRequest, GeneratedFix, RepoFile } from '../types.ts';
import { parseYamlFile, type YamlPath } from '../yaml-edit.ts';
import { factNumber, firstLabel, type Generator, yamlEdit } from './common.ts';

/** @cdktf/hcl2json (a WebAssembly module), loaded at the first Terraform fix, not with the analysis. */
async function parseHcl(path: string, text: string): Promise<unknown> {
  const { parse } = await import('@cdktf/hcl2json');
  return parse(path, text);
}

/** The database the alert names, for a proposal. */
function databaseName(labels: Record<string, string>[]): string | undefined {
  return firstLabel(
    labels,
    'dbinstance_identifier',
    'db_instance_identifier',
    'server',
    'cluster',
    'instance',
  );
}

interface HclHit {
  file: RepoFile;
  start: number;
  end: number;
  current: number;
  quoted: boolean;
}

/** The end of the `{…}` or `[…]` span opened at `open`, skipping strings and comments; -1 when unbalanced. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (ch === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? text.length : e + 1;
    } else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** The innermost `{` enclosing `at` (the object or block holding `name = "max_connections"`). */
function enclosingOpen(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i >= 0; i--) {
    const ch = text[i];
    if (ch === '}') depth++;
    else if (ch === '{') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Offsets of comments (`#`, `//` and block comments) outside strings: a commented-out setting never matches. */
function commentSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      const nl = text.indexOf('\n', i);
      const end = nl < 0 ? text.length : nl;
      spans.push([i, end]);
      i = end;
    } else if (ch === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? text.length : e + 2;
      spans.push([i, end]);
      i = end - 1;
    }
  }
  return spans;
}

const inSpans = (spans: [number, number][], at: number) => spans.some(([a, b]) => at >= a && at < b);

/** Every `value = N` / `value = "N"` beside `name = "<param>"` in the Terraform files (comments skipped). */
export function findHclParameter(files: RepoFile[], param: string): { hits: HclHit[]; problems: string[] } {
  const hits: HclHit[] = [];
  const problems: string[] = [];
  const nameRe = new RegExp(`\\bname\\s*=\\s*"${param}"`, 'g');
  for (const file of files) {
    const comments = commentSpans(file.content);
    for (const m of file.content.matchAll(nameRe)) {
      if (inSpans(comments, m.index)) continue;
      const open = enclosingOpen(file.content, m.index);
      const close = open < 0 ? -1 : closing(file.content, open);
      if (open < 0 || close < 0) continue;
      const body = file.content.slice(open, close);
      const values = [...body.matchAll(/\bvalue\s*=\s*([^\n,}]+)/g)].filter(
        (v) => !inSpans(comments, open + v.index),
      );
      const first = values[0];
      const literal = first ? /^("?)(\d+)\1\s*(?:#.*|\/\/.*)?$/.exec((first[1] as string).trim()) : null;
      if (!first || !literal) {
        problems.push(
          `${file.path}: ${param} is set to ${first ? (first[1] as string).trim() : 'something'} (not a number this generator can raise)`,
        );
        continue;
      }
      const digits = literal[2] as string;
      const start = open + first.index + first[0].indexOf(digits, first[0].indexOf('=') + 1);
      hits.push({
        file,
        start,
        end: start + digits.length,
        current: Number(digits),
        quoted: literal[1] === '"',
      });
    }
  }
  return { hits, problems };
}

/** Reads every `{ name = param, value = … }` object of parsed HCL JSON. */
function readHclParameter(json: unknown, param: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (isObj(v)) {
      if (v.name === param && 'value' in v) out.push(String(v.value));
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk(json);
  return out;
}

function connectionsRule(current: number, facts: FixRequest['facts']): { next: number; why: string } {
  const peak = factNumber(facts, 'connectionsPeak');
  const raised = raiseCount(current);
  const fromPeak = peak ? Math.ceil((peak * 1.3) / 10) * 10 : 0;
  const next = Math.max(raised, fromPeak);
  const why =
    fromPeak > raised
      ? `peak ${peak} connections + 30 % headroom → ${next} (was ${current})`
      : `${current} +50 % → ${next}`;
  return { next, why };
}

const MEMORY_NOTE =
  ' Each connection costs server memory (PostgreSQL: a backend process and work_mem per sort): check the instance class has room, or put a pooler (PgBouncer, RDS Proxy) in front.';

export const maxConnections: Generator = {
  name: 'terraform-max-connections',
  signatures: ['db-too-many-connections', 'aws-rds-connections', 'db-too-few-connections'],
  propose({ alertLabels }) {
    const db = databaseName(alertLabels);
    return {
      kind: 'terraform',
      title: `Raise max_connections of ${db ? `\`${db}\`` : 'the database'} in its parameter group`,
      description:
        'In the Terraform parameter group (`max_connections` set to a number): +50 %, or the measured peak + 30 % rounded to 10. Each connection costs server memory (check the instance class, or put a pooler in front); a static parameter applies at the next reboot.',
    };
  },
  async generate(request) {
    const all = (request.files.terraform ?? []).filter((f) => f.path.endsWith('.tf'));
    if (all.length === 0)
      return { none: 'no Terraform files are mapped (max_connections lives in a parameter group)' };
    // HCL is parsed only where it decides something (the WebAssembly parser is most of this generator's time):
    // the edited file once, after the edit; other files only to drop a broken file's hits or to say why none.
    const unreadable = new Map<string, string>();
    const parses = async (f: RepoFile): Promise<boolean> => {
      try {
        await parseHcl(f.path, f.content);
        return true;
      } catch (error) {
        unreadable.set(
          f.path,
          `${f.path} does not parse as HCL: ${error instanceof Error ? error.message : String(error)}`,
        );
        return false;
      }
    };
    const found = findHclParameter(all, 'max_connections');
    const problems = found.problems;
    let hits = found.hits;
    if (hits.length > 1) {
      const readable: HclHit[] = [];
      for (const h of hits) if (await parses(h.file)) readable.push(h);
      hits = readable;
    }
    if (hits.length === 0) {
      for (const f of all) if (!unreadable.has(f.path)) await parses(f);
      problems.push(...unreadable.values());
      const readable = all.length - unreadable.size;
      return {
        none: `no max_connections parameter with a number in ${readable} Terraform file(s)${problems.length ? `: ${problems.join('; ')}` : ''}`,
      };
    }
    if (hits.length > 1)
      return {
        none: `ambiguous: max_connections is set ${hits.length} times (${hits.map((h) => h.file.path).join(', ')})`,
      };
    const hit = hits[0] as HclHit;
    const { next, why } = connectionsRule(hit.current, request.facts);
    const after = hit.file.content.slice(0, hit.start) + String(next) + hit.file.content.slice(hit.end);
    // Re-parse: the edit must read back as the new value and leave every other max_connections as it was.
    const readBack = await hclReadsBack(hit.file.path, after, 'max_connections').catch((e: unknown) => [
      String(e),
    ]);
    // An edit that does not parse: say so of the file when it did not parse before the edit either.
    if (!readBack.includes(String(next)) && !(await parses(hit.file)))
      return { none: unreadable.get(hit.file.path) as string };
    if (!readBack.includes(String(next)))
      return {
        none: `the edit of ${hit.file.path} does not read back max_connections = ${next} (${readBack.join(', ')})`,
      };
    return {
      kind: 'terraform',
      title: `Raise max_connections to ${next}`,
      rationale: `${hit.file.path}: max_connections ${why}.${MEMORY_NOTE} A static parameter applies at the next reboot of the instance.`,
      edits: [{ path: hit.file.path, before: hit.file.content, after }],
      rollback: `Revert this PR (max_connections back to ${hit.current}) and apply; a static parameter needs a reboot again.`,
      generator: this.name,
    };
  },
};

/** Checks an HCL edit re-parses and reads back `value` (used by tests and by validation's caller). */
export async function hclReadsBack(path: string, text: string, param: string): Promise<string[]> {
  return readHclParameter(await parseHcl(path, text), param);
}

// ── Application pool size ─────────────────────────────────────────────────────────────────────────────────────

const POOL_KEYS = [
  'maximum-pool-size',
  'max-pool-size',
  'pool-size',
  'max-open-conns',
  'maximumPoolSize',
  'maxPoolSize',
  'pool_size',
  'poolSize',
  'max_pool_size',
  'maxOpenConns',
  'max_open_conns',
  'pool',
  'connectionLimit',
];

function findPoolKeys(value: unknown, path: YamlPath, out: { path: YamlPath; current: number }[]): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) findPoolKeys(v, [...path, i], out);
  } else if (isObj(value))
    for (const [k, v] of Object.entries(value)) {
      if (POOL_KEYS.includes(k) && typeof v === 'number' && Number.isInteger(v) && v > 0)
        out.push({ path: [...path, k], current: v });
      else findPoolKeys(v, [...path, k], out);
    }
}

export const appPoolSize: Generator = {
  name: 'app-db-pool-size',
  signatures: ['app-db-connection-pool'],
  propose({ alertLabels }) {
    const app = firstLabel(alertLabels, 'container', 'app', 'job', 'service');
    return {
      kind: 'kubernetes',
      title: `Raise the database connection pool of ${app ? `\`${app}\`` : 'the application'}`,
      description: `The one pool-size key in its YAML configuration (${POOL_KEYS.slice(0, 4).join(', ')} …) +50 %. Replicas × pool size must stay under the database's max_connections.`,
    };
  },
  generate(request) {
    const files = [...(request.files.helm ?? []), ...(request.files.kubernetes ?? [])];
    const hits: {
      file: RepoFile;
      kind: 'helm' | 'kubernetes';
      doc: number;
      path: YamlPath;
      current: number;
    }[] = [];
    for (const file of files) {
      const parsed = parseYamlFile(file.path, file.content);
      if ('error' in parsed) continue;
      const kind = (request.files.helm ?? []).includes(file) ? 'helm' : 'kubernetes';
      parsed.values.forEach((value, i) => {
        const found: { path: YamlPath; current: number }[] = [];
        findPoolKeys(value, [], found);
        for (const f of found) hits.push({ file, kind, doc: i, ...f });
      });
    }
    if (hits.length === 0)
      return { none: `no connection pool setting (${POOL_KEYS.join(', ')}) in the mapped YAML files` };
    if (hits.length > 1)
      return {
        none: `ambiguous: ${hits.length} pool settings (${hits.map((h) => `${h.file.path} ${h.path.join('.')}`).join(', ')})`,
      };
    const hit = hits[0] as (typeof hits)[number];
    const next = raiseCount(hit.current);
    const key = hit.path.join('.');
    return {
      kind: hit.kind,
      title: `Raise ${String(hit.path[hit.path.length - 1])} to ${next}`,
      rationale: `${hit.file.path} \`${key}\`: the pool was exhausted; ${hit.current} +50 % → ${next}. Replicas × pool size must stay under the database's max_connections.`,
      edits: [yamlEdit(hit.file, [{ doc: hit.doc, path: hit.path, value: next }])],
      rollback: `Revert this PR (${key} back to ${hit.current}) and redeploy.`,
      generator: this.name,
    } satisfies GeneratedFix;
  },
};
