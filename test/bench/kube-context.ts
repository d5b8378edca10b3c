/**
 * `npm run bench:kube-context`: Kubernetes context gathering for an incident of 20 crash-looping pods, through
 * the real @kubernetes/client-node and a real kubeconfig against the local fake API server
 * (test/support/kube-fake.ts, in this process). Each pod has two containers, a Warning event history and
 * 500-line previous and current logs (about 100 KB each, a secret planted in them), so every read is bounded
 * by `tailLines`/`limitBytes` and the per-incident log budget. Measures
 *   1. wall time of one gathering (p50/p99 over the runs): target < 2 s;
 *   2. memory: the kept context's JSON size, and the heap after the runs (after GC) against before;
 * then PASS/FAIL per target and one JSON line. BENCH_QUICK=1 runs fewer rounds; BENCH_STRICT=1 exits 1 on a
 * missed target. Run with --expose-gc for the heap figure (the npm script does).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatherKubernetes } from '../../src/analysis/context/kubernetes.ts';
import { kubeReadClients } from '../../src/clients/kubernetes.ts';
import { configFrom } from '../../src/config.ts';
import { testAlert } from '../support/incidents.ts';
import { startKubeFake } from '../support/kube-fake.ts';
import { addEvent, addPod } from '../support/kube-scenarios.ts';
import { log, report, runBench } from './common.ts';
import { machineInfo } from './machine.ts';
import { fmt, summarize } from './stats.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const PODS = 20;
const RUNS = QUICK ? 5 : 20;
const TARGETS = { p99Ms: 2_000, contextKiB: 256, heapGrowthMiB: 32 };
const AT = '2026-03-01T10:00:00Z';

const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = () => {
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};

function logText(pod: string, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i += 1) {
    out.push(
      i % 50 === 49
        ? `2026-03-01T09:59:${String(i % 60).padStart(2, '0')}Z ERROR dial tcp 10.0.3.7:5432: connect: connection refused (${pod})`
        : `2026-03-01T09:59:${String(i % 60).padStart(2, '0')}Z INFO request ${i} served in 12ms path=/api/orders user=u${i} ${'x'.repeat(120)}`,
    );
  }
  out.splice(10, 0, `DEBUG db url postgres://orders:${'S3cretPassw0rd'}@orders-db:5432/orders`);
  return `${out.join('\n')}\n`;
}

async function main(): Promise<number> {
  log(`aiops-bot bench: Kubernetes context — ${PODS} pods, ${RUNS} runs`);
  const machine = machineInfo();
  log(`machine   ${machine.cpuModel}, ${machine.cores} cores, Node ${process.version}`);
  const fake = await startKubeFake();
  const dir = await mkdtemp(join(tmpdir(), 'aiops-bench-kube-'));
  try {
    const kubeconfig = await fake.writeKubeconfig(dir);
    const built = kubeReadClients(configFrom({}, `context:\n  kubernetes:\n    kubeconfig: ${kubeconfig}\n`));
    if (!('clients' in built)) throw new Error(built.unavailable);
    const alerts = [];
    for (let i = 0; i < PODS; i += 1) {
      const name = `checkout-7d9f8-${String(i).padStart(5, '0')}`;
      addPod(fake, {
        namespace: 'shop',
        name,
        labels: { app: 'checkout' },
        containers: [
          {
            name: 'checkout',
            ready: false,
            restarts: 5 + i,
            state: { waiting: 'CrashLoopBackOff' },
            last: { reason: 'Error', exitCode: 1, finishedAt: '2026-03-01T09:59:10Z' },
            limits: { memory: '256Mi' },
          },
          {
            name: 'istio-proxy',
            ready: true,
            restarts: 1,
            last: { reason: 'Completed', exitCode: 0, finishedAt: AT },
          },
        ],
      });
      for (let e = 0; e < 12; e += 1) {
        addEvent(fake, {
          namespace: 'shop',
          object: { kind: 'Pod', name },
          reason: e % 2 ? 'BackOff' : 'Unhealthy',
          message:
            e % 2
              ? `Back-off restarting failed container checkout in pod ${name}_shop`
              : 'Readiness probe failed: HTTP probe failed with statuscode: 503',
          count: e + 1,
          at: `2026-03-01T09:${String(40 + e).padStart(2, '0')}:00Z`,
        });
      }
      for (const container of ['checkout', 'istio-proxy']) {
        fake.setLog('shop', name, logText(name, 500), { container, previous: true });
        fake.setLog('shop', name, logText(name, 500), { container });
      }
      alerts.push(
        testAlert(
          {
            labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: name, container: 'checkout' },
          },
          { at: AT },
        ),
      );
    }

    // One warm-up (module loading, connection pool), then the measured runs.
    await gatherKubernetes({ clients: built.clients }, alerts);
    const heapBefore = heapMiB();
    const samples: number[] = [];
    let contextBytes = 0;
    let objects = 0;
    let tails = 0;
    let leaked = false;
    fake.requests.length = 0;
    for (let run = 0; run < RUNS; run += 1) {
      const started = performance.now();
      const context = await gatherKubernetes({ clients: built.clients }, alerts);
      samples.push(performance.now() - started);
      const json = JSON.stringify(context);
      contextBytes = Math.max(contextBytes, Buffer.byteLength(json));
      objects = context.objects.length;
      tails = context.objects.reduce((sum, object) => sum + object.logs.length, 0);
      if (json.includes('S3cretPassw0rd')) leaked = true;
    }
    const heapAfter = heapMiB();
    const requestsPerRun = fake.requests.length / RUNS;
    const time = summarize(samples);
    const heapGrowth = heapAfter - heapBefore;
    log('');
    log(
      `gathering: p50 ${fmt(time.p50)} ms, p99 ${fmt(time.p99)} ms, max ${fmt(time.max)} ms; ${objects} pods, ${tails} log tails, ${requestsPerRun} requests per run`,
    );
    log(
      `memory: kept context ${fmt(contextBytes / 1024)} KiB; heap ${fmt(heapBefore)} → ${fmt(heapAfter)} MiB${gc ? '' : ' (no --expose-gc: not collected)'}`,
    );
    return report(
      'aiops-bot-kube-context',
      [
        {
          target: `gathering p99 < ${TARGETS.p99Ms} ms (${PODS} pods)`,
          measured: `${fmt(time.p99)} ms`,
          pass: time.p99 < TARGETS.p99Ms,
        },
        {
          target: `kept context < ${TARGETS.contextKiB} KiB`,
          measured: `${fmt(contextBytes / 1024)} KiB`,
          pass: contextBytes < TARGETS.contextKiB * 1024,
        },
        {
          target: `heap growth over ${RUNS} runs < ${TARGETS.heapGrowthMiB} MiB`,
          measured: `${fmt(heapGrowth)} MiB`,
          pass: heapGrowth < TARGETS.heapGrowthMiB,
        },
        { target: 'planted secret never kept', measured: leaked ? 'leaked' : 'redacted', pass: !leaked },
      ],
      {
        pods: PODS,
        runs: RUNS,
        gatherMs: { p50: time.p50, p99: time.p99, max: time.max },
        requestsPerRun,
        contextKiB: contextBytes / 1024,
        heapMiB: { before: heapBefore, after: heapAfter, gcExposed: Boolean(gc) },
      },
    );
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

runBench(main);
