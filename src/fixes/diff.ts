/**
 * `unifiedDiff(edits)`: the fix as `git diff` would show it, for the thread when there is no GitHub token. Lines
 * are compared with a longest-common-subsequence over the part between the common head and tail, which is small
 * for targeted edits.
 */
import type { FileEdit } from './types.ts';

type Op = { op: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const ops: Op[] = a.slice(0, head).map((line) => ({ op: ' ', line }));
  if (am.length * bm.length > 4_000_000) {
    // Too large to align line by line: show the middle as replaced.
    for (const line of am) ops.push({ op: '-', line });
    for (const line of bm) ops.push({ op: '+', line });
  } else {
    const n = am.length;
    const m = bm.length;
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        (lcs[i] as Uint32Array)[j] =
          am[i] === bm[j]
            ? ((lcs[i + 1] as Uint32Array)[j + 1] as number) + 1
            : Math.max((lcs[i + 1] as Uint32Array)[j] as number, (lcs[i] as Uint32Array)[j + 1] as number);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        ops.push({ op: ' ', line: am[i] as string });
        i++;
        j++;
      } else if (
        j < m &&
        (i === n || ((lcs[i] as Uint32Array)[j + 1] as number) >= ((lcs[i + 1] as Uint32Array)[j] as number))
      ) {
        ops.push({ op: '+', line: bm[j] as string });
        j++;
      } else {
        ops.push({ op: '-', line: am[i] as string });
        i++;
      }
    }
    // Show removals before additions inside each change block, as git does.
    for (let k = head; k < ops.length; ) {
      if (ops[k]?.op === ' ') {
        k++;
        continue;
      }
      let e = k;
      while (e < ops.length && ops[e]?.op !== ' ') e++;
      const block = ops.slice(k, e);
      ops.splice(k, e - k, ...block.filter((o) => o.op === '-'), ...block.filter((o) => o.op === '+'));
      k = e;
    }
  }
  for (const line of a.slice(a.length - tail)) ops.push({ op: ' ', line });
  return ops;
}

function hunks(ops: Op[], context: number): string[] {
  const out: string[] = [];
  const changed = ops.map((o, i) => (o.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return out;
  let start = 0;
  while (start < changed.length) {
    let end = start;
    while (
      end + 1 < changed.length &&
      (changed[end + 1] as number) - (changed[end] as number) <= 2 * context + 1
    )
      end++;
    const from = Math.max(0, (changed[start] as number) - context);
    const to = Math.min(ops.length, (changed[end] as number) + context + 1);
    let aLine = 1;
    let bLine = 1;
    for (let k = 0; k < from; k++) {
      if (ops[k]?.op !== '+') aLine++;
      if (ops[k]?.op !== '-') bLine++;
    }
    const slice = ops.slice(from, to);
    const aCount = slice.filter((o) => o.op !== '+').length;
    const bCount = slice.filter((o) => o.op !== '-').length;
    out.push(
      `@@ -${aCount === 0 ? aLine - 1 : aLine},${aCount} +${bCount === 0 ? bLine - 1 : bLine},${bCount} @@`,
      ...slice.map((o) => `${o.op}${o.line}`),
    );
    start = end + 1;
  }
  return out;
}

/** A unified diff of every edit (`--- a/path` / `+++ b/path`, three lines of context). */
export function unifiedDiff(edits: FileEdit[], context = 3): string {
  const out: string[] = [];
  for (const e of edits) {
    const ops = diffLines(splitLines(e.before), splitLines(e.after));
    const body = hunks(ops, context);
    if (body.length === 0) continue;
    out.push(`--- ${e.created ? '/dev/null' : `a/${e.path}`}`, `+++ b/${e.path}`, ...body);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** The changed lines only, `-old` / `+new`, for tests and the PR body's summary. */
export function changedLines(edit: FileEdit): string[] {
  return diffLines(splitLines(edit.before), splitLines(edit.after))
    .filter((o) => o.op !== ' ')
    .map((o) => `${o.op}${o.line}`);
}
