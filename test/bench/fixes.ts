/**
 * `npm run bench:fixes`: fix-generator latency per fixture file (p50/p99 of `generateFix`, which parses the
 * mapped files, finds the object, edits and re-parses), plus one large multi-document file (the stored
 * manifests repeated to ~1 MB, the target last). Validation is not timed here: it is dominated by
 * ansible-playbook / ansible-lint start-up. BENCH_QUICK=1 runs fewer iterations; BENCH_STRICT=1 exits 1 on a miss.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { type FixKind, type FixRequest, generateFix, type RepoFile } from '../../src/fixes/index.ts';
import { log, report, runBench } from './common.ts';
import { fmt, summarize } from './stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const RUNS = QUICK ? 50 : 300;
const TARGETS = { perFileP99Ms: 50, largeFileP99Ms: 2000 };
const DIR = join(import.meta.dirname, '..', 'fixtures', 'fixes');
const read = (p: string): RepoFile => ({ path: p, content: readFileSync(join(DIR, p), 'utf8') });

interface Case {
  file: string;
  signature: string;
  labels: Record<string, string>;
  facts?: FixRequest['facts'];
  kind: FixKind;
}

const CASES: Case[] = [
  {
    file: 'kubernetes/checkoutservice.yaml',
    signature: 'oom-killed',
    labels: { deployment: 'checkoutservice', container: 'server' },
    kind: 'kubernetes',
  },
  {
    file: 'kubernetes/fluentd-daemonset.yaml',
    signature: 'oom-killed',
    labels: { daemonset: 'fluentd-elasticsearch' },
    kind: 'kubernetes',
  },
  {
    file: 'kubernetes/web-statefulset.yaml',
    signature: 'oom-killed',
    labels: { pod: 'web-0', container: 'nginx' },
    facts: { memoryPeakBytes: 7e8 },
    kind: 'kubernetes',
  },
  {
    file: 'kubernetes/cronjob.yaml',
    signature: 'oom-killed',
    labels: { cronjob: 'hello' },
    facts: { memoryPeakBytes: 1e8 },
    kind: 'kubernetes',
  },
  {
    file: 'kubernetes/php-apache.yaml',
    signature: 'cpu-throttling',
    labels: { deployment: 'php-apache' },
    kind: 'kubernetes',
  },
  {
    file: 'kubernetes/php-apache-hpa.yaml',
    signature: 'hpa-maxed-out',
    labels: { horizontalpodautoscaler: 'php-apache' },
    kind: 'kubernetes',
  },
  {
    file: 'kubernetes/mysql-deployment.yaml',
    signature: 'pvc-filling-up',
    labels: { persistentvolumeclaim: 'mysql-pv-claim' },
    kind: 'kubernetes',
  },
  {
    file: 'kubernetes/mysql-deployment.yaml',
    signature: 'rollout-stuck',
    labels: { deployment: 'wordpress-mysql' },
    facts: { previousImage: 'mysql:5.7' },
    kind: 'kubernetes',
  },
  {
    file: 'helm/podinfo/values.yaml',
    signature: 'pod-not-ready',
    labels: { container: 'podinfo' },
    kind: 'helm',
  },
  {
    file: 'helm/patch-operator/values.yaml',
    signature: 'oom-killed',
    labels: { container: 'kube-rbac-proxy' },
    kind: 'helm',
  },
  {
    file: 'terraform/aurora-mysql/main.tf',
    signature: 'db-too-many-connections',
    labels: {},
    kind: 'terraform',
  },
  {
    file: 'ansible/playbook.yml',
    signature: 'node-conntrack-full',
    labels: { instance: 'web-1:9100' },
    facts: { conntrackMax: 262144 },
    kind: 'ansible',
  },
];

function requestOf(c: Case, files: RepoFile[]): FixRequest {
  return {
    incidentId: 1,
    service: 'bench',
    signature: c.signature,
    alertLabels: [c.labels],
    facts: c.facts ?? {},
    files: { kubernetes: [], helm: [], terraform: [], ansible: [], [c.kind]: files },
  };
}

async function time(request: FixRequest, runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    const fix = await generateFix(request);
    samples.push(performance.now() - started);
    if ('none' in fix) throw new Error(`no fix for ${request.signature}: ${fix.none}`);
  }
  return samples;
}

/** ~1 MB of real manifests, every object renamed so only the last copy matches. */
function largeFile(): RepoFile {
  const docs = [
    'checkoutservice.yaml',
    'mysql-deployment.yaml',
    'php-apache.yaml',
    'fluentd-daemonset.yaml',
  ].map((f) => read(`kubernetes/${f}`).content);
  const parts: string[] = [];
  for (let i = 0; parts.join('\n---\n').length < 1_000_000; i += 1)
    parts.push(docs.map((d) => d.replaceAll('name: checkoutservice', `name: copy-${i}`)).join('\n---\n'));
  parts.push(docs[0] as string);
  return { path: 'deploy/all.yaml', content: parts.join('\n---\n') };
}

async function main(): Promise<number> {
  log(
    `Fix generators: ${RUNS} runs per file${QUICK ? ' (quick)' : ''}; ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const rows: string[] = [];
  let worst = 0;
  for (const c of CASES) {
    // Warm-up, reported apart: the first calls pay for loading and compiling (the HCL parser is a Go
    // WebAssembly module whose first ~20 parses take 30–300 ms each, once per process).
    const warm = await time(requestOf(c, [read(c.file)]), 30);
    const s = summarize(await time(requestOf(c, [read(c.file)]), RUNS));
    worst = Math.max(worst, s.p99);
    rows.push(
      `${c.file.padEnd(36)} ${c.signature.padEnd(24)} p50 ${fmt(s.p50, 2).padStart(7)} ms   p99 ${fmt(s.p99, 2).padStart(7)} ms   (first call ${fmt(warm[0] ?? 0, 1)} ms)`,
    );
  }
  for (const r of rows) log(r);
  const big = largeFile();
  const bigCase = CASES[0] as Case;
  await time(requestOf(bigCase, [big]), 2);
  const large = summarize(await time(requestOf(bigCase, [big]), QUICK ? 5 : 20));
  log(
    `${`deploy/all.yaml (${Math.round(big.content.length / 1024)} KB)`.padEnd(36)} ${'oom-killed'.padEnd(24)} p50 ${fmt(large.p50, 1).padStart(7)} ms   p99 ${fmt(large.p99, 1).padStart(7)} ms`,
  );
  return report(
    'fixes',
    [
      {
        target: `generator p99 per fixture file < ${TARGETS.perFileP99Ms} ms`,
        measured: `${fmt(worst, 2)} ms (worst file)`,
        pass: worst < TARGETS.perFileP99Ms,
      },
      {
        target: `generator p99 on a 1 MB multi-document file < ${TARGETS.largeFileP99Ms} ms`,
        measured: `${fmt(large.p99, 1)} ms`,
        pass: large.p99 < TARGETS.largeFileP99Ms,
      },
    ],
    {
      worstFileP99Ms: Number(worst.toFixed(2)),
      largeFileP99Ms: Number(large.p99.toFixed(1)),
      load1: Number((loadavg()[0] ?? 0).toFixed(1)),
    },
  );
}

runBench(main);
