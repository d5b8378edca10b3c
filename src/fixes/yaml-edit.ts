/**
 * Targeted, in-place YAML edits. The `yaml` Document API finds the node to change (with its source range);
 * the edit splices only that node's text in the original, so comments, key order, quoting, formatting and every
 * other document of a multi-document file stay byte-identical. Each edit re-parses the result and checks it
 * reads back the value that was meant.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseAllDocuments,
  Scalar,
  type YAMLMap,
} from 'yaml';

export type YamlPath = (string | number)[];

export interface ParsedYaml {
  docs: Document.Parsed[];
  /** Each document's plain value (null for an empty one), in the same order. */
  values: unknown[];
}

/** Parses every document of a file; a clear message (file, line) when one does not parse. */
export function parseYamlFile(path: string, text: string): ParsedYaml | { error: string } {
  if (text.includes('\u0000')) return { error: `${path} is not a text file (it contains a NUL byte)` };
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(docs)) return { docs: [], values: [] };
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0].line;
      return {
        error: `${path} does not parse as YAML${line ? ` (line ${line})` : ''}: ${firstLine(err.message)}`,
      };
    }
  }
  const values: unknown[] = [];
  for (const doc of docs) {
    try {
      values.push(docValue(doc));
    } catch (error) {
      // An alias bomb (billion laughs): reported as unreadable, never expanded.
      return { error: `${path} is not read: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { docs, values };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Plain JS value of one document (null for an empty one). */
export function docValue(doc: Document.Parsed): unknown {
  return doc.toJS({ maxAliasCount: 100 });
}

/** The file's own line ending: lines added to a CRLF file end in CRLF too. */
function newline(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function formatScalar(value: string | number, like?: Scalar): string {
  const s = String(value);
  if (like?.type === Scalar.QUOTE_DOUBLE || (typeof value === 'string' && !plainReadsBack(s)))
    return JSON.stringify(s);
  if (like?.type === Scalar.QUOTE_SINGLE) return `'${s.replaceAll("'", "''")}'`;
  return s;
}

/** Does `key: s` read back as the string s (not a number, bool, null, or a syntax error)? */
function plainReadsBack(s: string): boolean {
  if (s === '' || /^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) || /[\n\r]|: |\s#|\s$/.test(s)) return false;
  const docs = parseAllDocuments(`k: ${s}\n`);
  if (!Array.isArray(docs) || docs.length !== 1 || docs[0]?.errors.length) return false;
  return (docs[0]?.toJS() as { k?: unknown })?.k === s;
}

class EditError extends Error {}

/**
 * Sets the scalar at `path` of document `docIndex` to `value`, creating missing maps on the way; returns the whole
 * new text. Throws when the path runs through something that is not a map (or a sequence, for numeric steps).
 */
export function setYamlValue(text: string, docIndex: number, path: YamlPath, value: string | number): string {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new EditError('no YAML documents');
  const doc = docs[docIndex];
  if (!doc) throw new EditError(`no YAML document #${docIndex}`);
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (let i = 0; i <= path.length; i++) {
    // An anchored node is shared by every alias of it, and an alias edits its anchor: either would change more
    // than the one object meant.
    if (isAlias(node))
      throw new EditError(`${path.slice(0, i).join('.')} is an alias (*${node.source}): not edited`);
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor)
      throw new EditError(
        `${path.slice(0, i).join('.') || 'the document'} has an anchor (&${anchor}): not edited`,
      );
    if (i === path.length) break;
    const step = path[i] as string | number;
    if (typeof step === 'number') {
      if (!isSeq(node) || !node.items[step])
        throw new EditError(`no item ${step} at ${path.slice(0, i).join('.')}`);
      node = node.items[step];
      keyNode = undefined;
      continue;
    }
    if (!isMap(node)) {
      if (isScalar(node) && node.value === null && keyNode?.range)
        return replaceNullValue(text, node, keyNode, path.slice(i), value);
      throw new EditError(`${path.slice(0, i).join('.')} is not a map`);
    }
    const pair = node.items.find(
      (p): p is Pair<Scalar, unknown> => isPair(p) && isScalar(p.key) && p.key.value === step,
    );
    if (!pair) return insertInto(text, node, keyNode, path.slice(i), value);
    keyNode = pair.key as Node;
    node = pair.value;
  }
  if (!isScalar(node) || !node.range) throw new EditError(`${path.join('.')} is not a scalar`);
  if (node.value === null && node.range[0] === node.range[1] && keyNode?.range)
    return replaceNullValue(text, node, keyNode, [], value);
  return text.slice(0, node.range[0]) + formatScalar(value, node) + text.slice(node.range[1]);
}

/** `key:` with nothing after it (null): write the value, or the nested block, right after the colon. */
function replaceNullValue(
  text: string,
  node: Scalar,
  keyNode: Node,
  rest: YamlPath,
  value: string | number,
): string {
  const keyEnd = (keyNode.range as [number, number, number])[1];
  const colon = text.indexOf(':', keyEnd);
  if (colon < 0 || (node.range && colon >= node.range[0] + 1 && node.range[0] !== node.range[1]))
    throw new EditError('cannot place value');
  const indent = column(text, (keyNode.range as [number, number, number])[0]) + 2;
  const nl = newline(text);
  const insert =
    rest.length === 0 ? ` ${formatScalar(value)}` : `${nl}${blockLines(rest, value, indent).join(nl)}`;
  return text.slice(0, colon + 1) + insert + text.slice(colon + 1).replace(/^[ \t]*~?(?=[ \t]*(#|\n|$))/, '');
}

function blockLines(rest: YamlPath, value: string | number, indent: number): string[] {
  const lines: string[] = [];
  rest.forEach((step, i) => {
    const pad = ' '.repeat(indent + 2 * i);
    lines.push(i === rest.length - 1 ? `${pad}${step}: ${formatScalar(value)}` : `${pad}${step}:`);
  });
  return lines;
}

function flowValue(rest: YamlPath, value: string | number): string {
  if (rest.length === 1) return formatScalar(value);
  return `{ ${rest[1]}: ${flowValue(rest.slice(1), value)} }`;
}

function insertInto(
  text: string,
  map: YAMLMap,
  keyNode: Node | undefined,
  rest: YamlPath,
  value: string | number,
): string {
  if (rest.some((s) => typeof s === 'number')) throw new EditError('cannot create a sequence item');
  const range = map.range;
  if (!range) throw new EditError('map without a source range');
  if (map.flow) {
    const close = text.lastIndexOf('}', range[1] - 1);
    if (close < range[0]) throw new EditError('flow map without a closing brace');
    if (map.items.length === 0) {
      // `resources: {}` becomes a block map under its key.
      if (!keyNode?.range) throw new EditError('an empty flow map at the top level');
      const indent = column(text, keyNode.range[0]) + 2;
      const nl = newline(text);
      return `${text.slice(0, range[0]).replace(/[ \t]+$/, '')}${nl}${blockLines(rest, value, indent).join(nl)}${text.slice(close + 1)}`;
    }
    const before = text.slice(range[0], close).replace(/\s+$/, '');
    const pad = text.slice(range[0], close).endsWith(' ') ? ' ' : '';
    return `${text.slice(0, range[0])}${before}, ${rest[0]}: ${flowValue(rest, value)}${pad}${text.slice(close)}`;
  }
  const first = map.items[0];
  const firstKey = first && isScalar(first.key) ? first.key.range : undefined;
  if (!firstKey) throw new EditError('an empty block map');
  const indent = column(text, firstKey[0]);
  // After the map's last item: the map's range ends after that item's line (and its own trailing comments).
  let at = range[1];
  const nl = newline(text);
  const lines = blockLines(rest, value, indent).join(nl);
  if (text[at - 1] === '\n') return `${text.slice(0, at)}${lines}${nl}${text.slice(at)}`;
  at = text.indexOf('\n', at);
  if (at < 0) return `${text}${nl}${lines}`;
  return `${text.slice(0, at + 1)}${lines}${nl}${text.slice(at + 1)}`;
}

/**
 * The edits of one document, made on that document's own source (`range`: its start and end offsets in `text`,
 * from the parse that found it): a large multi-document file is not re-parsed per edit, and every byte outside
 * the range stays as it was by construction. The edited document must re-parse alone and read back each value.
 */
export function applyYamlEditsInDoc(
  path: string,
  text: string,
  range: readonly [number, number],
  edits: { path: YamlPath; value: string | number }[],
): string {
  const [start, end] = range;
  const source = text.slice(start, end);
  const edited = applyYamlEdits(
    path,
    source,
    edits.map((e) => ({ path: e.path, value: e.value, doc: 0 })),
  );
  // applyYamlEdits checked the edited source still holds exactly the one document it held.
  return text.slice(0, start) + edited + text.slice(end);
}

/** Reads the plain value at `path` of document `docIndex` of `text` (after an edit, to check it). */
export function readYamlValue(text: string, docIndex: number, path: YamlPath): unknown {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return undefined;
  const doc = docs[docIndex];
  if (!doc || doc.errors.length) return undefined;
  const node = doc.getIn(path, false);
  return isScalar(node) ? node.value : node;
}

/**
 * Applies the edits one by one (each re-parses: edits of the same map never collide), then checks the whole file
 * parses with the same number of documents and every edited path reads back its new value.
 */
export function applyYamlEdits(
  path: string,
  text: string,
  edits: { doc: number; path: YamlPath; value: string | number }[],
): string {
  const beforeDocs = parseAllDocuments(text);
  let out = text;
  for (const e of edits) out = setYamlValue(out, e.doc, e.path, e.value);
  const parsed = parseYamlFile(path, out);
  if ('error' in parsed) throw new EditError(`the edit broke ${path}: ${parsed.error}`);
  if (Array.isArray(beforeDocs) && beforeDocs.length !== parsed.docs.length)
    throw new EditError(`the edit changed the number of documents in ${path}`);
  for (const e of edits) {
    const node = parsed.docs[e.doc]?.getIn(e.path, false);
    const got = isScalar(node) ? node.value : node;
    if (String(got) !== String(e.value))
      throw new EditError(
        `the edit of ${e.path.join('.')} in ${path} reads back ${String(got)}, not ${e.value}`,
      );
  }
  return out;
}

export { EditError as YamlEditError };
