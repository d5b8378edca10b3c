/**
 * Every fix generator is reachable from an analysis: when the offline analysis matches a signature a generator
 * serves, it carries that generator's proposal (the *Open fix PR* button), and the click finds the same generator
 * again from the stored proposal. No proposal is catalogue code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { llmAnalysisSchema } from '../../src/analysis/llm.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import {
  changeFacts,
  kubeFacts,
  originOfFix,
  signatureOfFix,
} from '../../src/analysis/offline/fix-proposals.ts';
import { analyzeOffline, CATALOGUE } from '../../src/analysis/offline/index.ts';
import { analysisSchema } from '../../src/analysis/schema.ts';
import type { IncidentAlert } from '../../src/db/incidents.ts';
import { changedLines, generateFix, generators } from '../../src/fixes/index.ts';
import { factQueriesFor, generatorFor, generatorsFor, proposeFixes } from '../../src/fixes/proposals.ts';
import { testAlert, testInput } from '../support/incidents.ts';

const T0 = '2026-12-01T10:00:00.000Z';
const alert = (labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing'): IncidentAlert =>
  testAlert({ labels, status }, { at: T0 });

/** One typical alert (kube-prometheus / node-exporter / awesome-prometheus-alerts labels) per served signature. */
const CASES: { signature: string; generator: string; labels: Record<string, string>; title: RegExp }[] = [
  {
    signature: 'oom-killed',
    generator: 'k8s-memory-limit',
    labels: {
      alertname: 'KubePodOOMKilled',
      namespace: 'shop',
      pod: 'checkout-7d9f-x2k4q',
      container: 'checkout',
      reason: 'OOMKilled',
    },
    title: /^Raise the memory limit of `checkout` in its manifest$/,
  },
  {
    signature: 'cpu-throttling',
    generator: 'k8s-cpu-limit',
    labels: { alertname: 'CPUThrottlingHigh', namespace: 'shop', pod: 'api-5c9d-abcde', container: 'api' },
    title: /^Raise the CPU limit of `api` in its manifest$/,
  },
  {
    signature: 'hpa-maxed-out',
    generator: 'k8s-hpa-max-replicas',
    labels: { alertname: 'KubeHpaMaxedOut', namespace: 'shop', horizontalpodautoscaler: 'web' },
    title: /^Raise maxReplicas of HPA `web`$/,
  },
  {
    signature: 'pod-not-ready',
    generator: 'k8s-probe-timeouts',
    labels: { alertname: 'KubePodNotReady', namespace: 'shop', pod: 'web-6f7-qq' },
    title: /^Relax the readiness probe of `web-6f7-qq`$/,
  },
  {
    signature: 'pvc-filling-up',
    generator: 'k8s-pvc-storage',
    labels: {
      alertname: 'KubePersistentVolumeFillingUp',
      namespace: 'db',
      persistentvolumeclaim: 'data-pg-0',
    },
    title: /^Expand PVC data-pg-0$/,
  },
  {
    signature: 'db-too-many-connections',
    generator: 'terraform-max-connections',
    labels: { alertname: 'PostgresqlTooManyConnections', instance: 'orders-db:9187', job: 'postgres' },
    title: /^Raise max_connections of `orders-db:9187` in its parameter group$/,
  },
  {
    signature: 'node-conntrack-full',
    generator: 'ansible-host-playbook',
    labels: {
      alertname: 'NodeHighNumberConntrackEntriesUsed',
      instance: 'web-1.example.com:9100',
      job: 'node',
    },
    title: /^Raise nf_conntrack_max on web-1\.example\.com$/,
  },
  {
    signature: 'node-file-descriptors',
    generator: 'ansible-host-playbook',
    labels: { alertname: 'NodeFileDescriptorLimit', instance: 'web-2:9100', job: 'node' },
    title: /^Raise fs\.file-max on web-2$/,
  },
  {
    signature: 'node-filesystem',
    generator: 'ansible-host-playbook',
    labels: {
      alertname: 'NodeFilesystemSpaceFillingUp',
      instance: 'web-3:9100',
      mountpoint: '/var/log',
      device: '/dev/sda2',
      fstype: 'ext4',
    },
    title: /^Clean up old logs on \/var\/log of web-3$/,
  },
];

describe('fix proposals come from the generators', () => {
  it.each(CASES)('$signature → $generator proposes, and the click finds it again', (c) => {
    const alerts = [alert(c.labels)];
    const analysis = analyzeOffline(testInput(alerts, T0));
    expect(analysisSchema.parse(analysis)).toEqual(analysis);
    const [fix] = analysis.proposedFixes;
    expect(fix?.title).toMatch(c.title);
    expect(fix?.description.length).toBeGreaterThan(40);
    expect(signatureOfFix(alerts, fix as NonNullable<typeof fix>)).toBe(c.signature);
    expect(generatorFor(c.signature)?.name).toBe(c.generator);
  });

  it('proposal kinds are the analysis schema’s: a Helm change is proposed as kubernetes, host fixes as ansible', () => {
    const kinds = CASES.map(
      (c) => generatorFor(c.signature)?.propose({ signature: c.signature, alertLabels: [c.labels] })?.kind,
    );
    expect(kinds).toEqual([
      'kubernetes',
      'kubernetes',
      'kubernetes',
      'kubernetes',
      'kubernetes',
      'terraform',
      'ansible',
      'ansible',
      'ansible',
    ]);
  });

  it('every served signature is a catalogue signature; only image rollback and crash loops are not proposed from labels', () => {
    const ids = new Set(CATALOGUE.map((s) => s.id));
    const served = [...new Set(generators.flatMap((g) => g.signatures))];
    expect(served.filter((s) => !ids.has(s))).toEqual([]);
    const covered = new Set([...CASES.map((c) => c.signature)]);
    expect(served.filter((s) => !covered.has(s)).sort()).toEqual([
      'app-db-connection-pool',
      'aws-rds-connections',
      'crash-loop',
      'db-too-few-connections',
      'home-grown-disk',
      'image-pull',
      'rollout-stuck',
    ]);
    // Those without a label precondition propose whatever the labels; rollback and crash loops need facts.
    const propose = (signature: string) =>
      generatorFor(signature)?.propose({ signature, alertLabels: [{ alertname: 'X', instance: 'h1:9100' }] });
    expect(propose('app-db-connection-pool')?.kind).toBe('kubernetes');
    expect(propose('aws-rds-connections')?.kind).toBe('terraform');
    expect(propose('db-too-few-connections')?.kind).toBe('terraform');
    expect(propose('crash-loop')).toBeUndefined();
    expect(propose('image-pull')).toBeUndefined();
    expect(propose('rollout-stuck')).toBeUndefined();
    // After a recent change the analysis's context saw, the rollback is proposed (the tag is read at click time).
    expect(
      generatorFor('image-pull')?.propose({
        signature: 'image-pull',
        alertLabels: [{ pod: 'checkout-5d54745f55-x2k4q', container: 'server' }],
        facts: { recentChange: '#42 Bump checkout to 1.43' },
      }),
    ).toMatchObject({
      kind: 'kubernetes',
      title: 'Roll `checkout` back to the image before the recent change',
    });
    expect(propose('home-grown-disk')).toBeUndefined(); // no mountpoint label: log cleanup would not help
  });

  it('no catalogue signature writes a proposed fix of its own (the generators do)', () => {
    for (const c of CASES) {
      const signature = CATALOGUE.find((s) => s.id === c.signature);
      const view = viewOf(alert(c.labels));
      const input = testInput([view.alert], T0);
      const finding = signature?.analyze({ alerts: [view], primary: view, all: [view], input, change: null });
      expect(finding?.causes.length).toBeGreaterThan(0);
      expect(finding?.fixes ?? []).toEqual([]);
    }
  });

  it('labels that say the generator cannot help propose nothing; label text is shown, never trusted', () => {
    const pvc = analyzeOffline(
      testInput([alert({ alertname: 'KubePersistentVolumeFillingUp', namespace: 'db' })], T0),
    );
    expect(pvc.proposedFixes).toEqual([]);
    const dataDisk = analyzeOffline(
      testInput(
        [alert({ alertname: 'NodeFilesystemSpaceFillingUp', instance: 'h:9100', mountpoint: '/data' })],
        T0,
      ),
    );
    expect(dataDisk.proposedFixes).toEqual([]);
    const badHost = analyzeOffline(
      testInput(
        [alert({ alertname: 'NodeHighNumberConntrackEntriesUsed', instance: 'h; rm -rf /:9100' })],
        T0,
      ),
    );
    expect(badHost.proposedFixes).toEqual([]);
    const sneaky = analyzeOffline(
      testInput(
        [alert({ alertname: 'CPUThrottlingHigh', namespace: 'shop', pod: 'p', container: 'a`b\nc' })],
        T0,
      ),
    );
    expect(sneaky.proposedFixes[0]?.title).toBe('Raise the CPU limit of `a b c` in its manifest');
  });

  it('two served signatures in one incident: two proposals, each found again for its own generator', () => {
    const alerts = [
      alert(CASES[1]?.labels as Record<string, string>),
      alert(CASES[2]?.labels as Record<string, string>),
    ];
    const analysis = analyzeOffline(testInput(alerts, T0));
    expect(analysis.proposedFixes).toHaveLength(2);
    const signatures = analysis.proposedFixes.map((fix) => signatureOfFix(alerts, fix)).sort();
    expect(signatures).toEqual(['cpu-throttling', 'hpa-maxed-out']);
    expect(
      signatureOfFix(alerts, { kind: 'kubernetes', title: 'Tune the GC', description: '' }),
    ).toBeUndefined();
  });

  it('host generators name their Prometheus sizing queries, labels escaped', () => {
    expect(
      factQueriesFor('node-conntrack-full', [{ instance: 'web-1:9100' }, { instance: 'web-"2:9100' }]),
    ).toEqual([
      {
        fact: 'conntrackMax',
        query:
          'max(node_nf_conntrack_entries_limit{instance="web-1:9100"} or node_nf_conntrack_entries_limit{instance="web-\\"2:9100"})',
      },
      {
        fact: 'conntrackEntries',
        query:
          'max(node_nf_conntrack_entries{instance="web-1:9100"} or node_nf_conntrack_entries{instance="web-\\"2:9100"})',
      },
    ]);
    expect(factQueriesFor('node-file-descriptors', [{ instance: 'h:9100' }])).toEqual([
      { fact: 'fileMax', query: 'max(node_filefd_maximum{instance="h:9100"})' },
    ]);
    expect(factQueriesFor('cpu-throttling', [{ namespace: 'shop', pod: 'p', container: 'c' }])).toEqual([
      {
        fact: 'cpuPeakCores',
        query: 'max(rate(container_cpu_usage_seconds_total{namespace="shop",pod="p",container="c"}[5m]))',
      },
    ]);
    // The memory fix sizes from the container's working-set peak (the "peak 1.9 GiB over 6 h → 2.5Gi"), for
    // an OOMKilled container and for a crash loop's memory fix (named by the click); the probe fix asks nothing.
    const memoryPeak = [
      {
        fact: 'memoryPeakBytes',
        query: 'max(container_memory_working_set_bytes{namespace="shop",pod="p",container="c"})',
      },
    ];
    const podLabels = [{ namespace: 'shop', pod: 'p', container: 'c' }];
    expect(factQueriesFor('oom-killed', podLabels)).toEqual(memoryPeak);
    expect(factQueriesFor('crash-loop', podLabels, 'k8s-memory-limit')).toEqual(memoryPeak);
    expect(factQueriesFor('crash-loop', podLabels)).toEqual([]);
    expect(factQueriesFor('oom-killed', [{ namespace: 'shop', container: 'c' }])).toEqual([]);
    expect(factQueriesFor('hpa-maxed-out', [{ horizontalpodautoscaler: 'web' }])).toEqual([]);
  });

  it('a crash loop gets the probe fix only when the pods’ events say a probe failed; the click sees the same', () => {
    const labels = {
      alertname: 'KubePodCrashLooping',
      namespace: 'shop',
      pod: 'api-7d9f-x2kq9',
      container: 'api',
    };
    const alerts = [alert(labels)];
    const event = (message: string, count: number) => ({
      type: 'Warning',
      reason: 'Unhealthy',
      message,
      count,
      at: null,
    });
    const kubernetes = {
      objects: [
        {
          kind: 'Pod' as const,
          namespace: 'shop',
          name: 'api-7d9f-x2kq9',
          status: 'Running, not ready, 14 restarts',
          containers: [],
          events: [
            event('Readiness probe failed: Get "http://10.1.2.3:8080/ready": context deadline exceeded', 3),
            event('Liveness probe failed: HTTP probe failed with statuscode: 500', 12),
          ],
          logs: [],
          notes: [],
        },
      ],
      notes: [],
    };
    expect(kubeFacts(kubernetes)).toEqual({ probe: 'liveness' });
    expect(kubeFacts(undefined)).toEqual({});

    expect(analyzeOffline(testInput(alerts, T0)).proposedFixes).toEqual([]);
    const analysis = analyzeOffline(testInput(alerts, T0, { kubernetes }));
    const [fix] = analysis.proposedFixes;
    expect(fix?.title).toBe('Relax the liveness probe of `api-7d9f-x2kq9`');
    expect(signatureOfFix(alerts, fix as NonNullable<typeof fix>, kubeFacts(kubernetes))).toBe('crash-loop');
    // The stored proposal names its generator: the click finds it without the context.
    expect(fix?.generator).toBe('k8s-probe-timeouts');
    expect(signatureOfFix(alerts, fix as NonNullable<typeof fix>)).toBe('crash-loop');
    // One stored before generators were named: without the context the click cannot tell (and falls back).
    const { generator: _named, ...unnamed } = fix as NonNullable<typeof fix>;
    expect(signatureOfFix(alerts, unnamed)).toBeUndefined();
  });

  describe('a crash loop after a deploy: the image rollback beside the probe fix', () => {
    const labels = {
      alertname: 'KubePodCrashLooping',
      namespace: 'shop',
      pod: 'checkout-5d54745f55-x2k4q',
      container: 'checkout',
      deployment: 'checkout',
      reason: 'CrashLoopBackOff',
    };
    const alerts = [alert(labels)];
    const kubernetes = {
      objects: [
        {
          kind: 'Pod' as const,
          namespace: 'shop',
          name: 'checkout-5d54745f55-x2k4q',
          status: 'Running, not ready, 9 restarts',
          containers: [],
          events: [
            {
              type: 'Warning',
              reason: 'Unhealthy',
              message: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
              count: 9,
              at: null,
            },
          ],
          logs: [],
          notes: [],
        },
      ],
      notes: [],
    };
    const change = (minutesBefore: number) => ({
      kind: 'commit' as const,
      title: 'Bump checkout to 1.43',
      url: 'https://github.com/acme/shop/commit/3f2a1b0',
      at: new Date(Date.parse(T0) - minutesBefore * 60_000).toISOString(),
    });
    const proposals = (extra: Parameters<typeof testInput>[2]) =>
      analyzeOffline(testInput(alerts, T0, { kubernetes, ...extra })).proposedFixes;

    it('three generators serve crash-loop; the probe fix stays the first for a click without a generator', () => {
      expect(generatorsFor('crash-loop').map((g) => g.name)).toEqual([
        'k8s-probe-timeouts',
        'k8s-image-rollback',
        'k8s-memory-limit',
      ]);
      expect(generatorFor('crash-loop')?.name).toBe('k8s-probe-timeouts');
    });

    it('a change 12 min before the loop started: the rollback first, then the probe fix, each naming its generator', () => {
      const fixes = proposals({ recentChanges: [change(12)] });
      expect(fixes.map((f) => [f.generator, f.title])).toEqual([
        ['k8s-image-rollback', 'Roll `checkout` back to the image before the recent change'],
        ['k8s-probe-timeouts', 'Relax the liveness probe of `checkout-5d54745f55-x2k4q`'],
      ]);
      // Each is found again for its own generator, by name, without the context.
      expect(fixes.map((f) => originOfFix(alerts, f))).toEqual([
        { signature: 'crash-loop', generator: 'k8s-image-rollback' },
        { signature: 'crash-loop', generator: 'k8s-probe-timeouts' },
      ]);
    });

    it('a change outside the change window (5 h before): the probe fix first, the rollback second', () => {
      const fixes = proposals({ recentChanges: [change(300)] });
      expect(fixes.map((f) => f.generator)).toEqual(['k8s-probe-timeouts', 'k8s-image-rollback']);
    });

    it('no change, or only one after the loop started: no rollback', () => {
      expect(proposals({}).map((f) => f.generator)).toEqual(['k8s-probe-timeouts']);
      expect(proposals({ recentChanges: [change(-20)] }).map((f) => f.generator)).toEqual([
        'k8s-probe-timeouts',
      ]);
      // Without a failed probe in the pods' events only the rollback remains.
      expect(
        analyzeOffline(testInput(alerts, T0, { recentChanges: [change(12)] })).proposedFixes.map(
          (f) => f.generator,
        ),
      ).toEqual(['k8s-image-rollback']);
    });

    it('the change facts: the newest change, and how long before the alerts the newest preceding one was', () => {
      const start = Date.parse(T0);
      expect(changeFacts([change(-20), change(40)], start)).toEqual({
        recentChange: 'Bump checkout to 1.43',
        changeMinutesBefore: 40,
        changeInWindow: 1,
      });
      expect(changeFacts([change(200)], start)).toMatchObject({
        changeMinutesBefore: 200,
        changeInWindow: 0,
      });
      expect(changeFacts([change(-20)], start)).toEqual({ recentChange: 'Bump checkout to 1.43' });
      expect(changeFacts([change(5)])).toEqual({ recentChange: 'Bump checkout to 1.43' });
      expect(changeFacts([], start)).toEqual({});
    });

    it('image-pull keeps its rule (any recent change); the model can never name a generator', () => {
      const pull = proposeFixes('image-pull', [{ pod: 'checkout-5d54745f55-x2k4q', container: 'server' }], {
        recentChange: '#42 Bump checkout to 1.43',
      });
      expect(pull.map((f) => f.generator)).toEqual(['k8s-image-rollback']);
      expect(analysisSchema.shape.proposedFixes.parse(pull)).toEqual(pull);
      // The model's tool schema has no generator field: a model-written fix naming one is stored without it.
      const modelFixes = llmAnalysisSchema.shape.proposedFixes.parse(pull);
      expect(modelFixes[0]).not.toHaveProperty('generator');
      expect(JSON.stringify(z.toJSONSchema(llmAnalysisSchema))).not.toContain('generator');
    });
  });

  describe('a crash loop whose container was OOMKilled: the memory fix', () => {
    const labels = {
      alertname: 'KubePodCrashLooping',
      namespace: 'shop',
      pod: 'checkoutservice-5d54745f55-x2k4q',
      container: 'server',
      reason: 'CrashLoopBackOff',
    };
    const alerts = [alert(labels)];
    const pod = (killed: string) => ({
      objects: [
        {
          kind: 'Pod' as const,
          namespace: 'shop',
          name: 'checkoutservice-5d54745f55-x2k4q',
          status: 'Running, not ready, 6 restarts',
          containers: ['server', 'istio-proxy'].map((name) => ({
            name,
            ready: name !== 'server',
            restarts: name === 'server' ? 6 : 0,
            state: name === 'server' ? 'waiting' : 'running',
            lastTermination:
              name === killed ? { reason: 'OOMKilled', exitCode: 137, at: '2026-12-01T09:59:00Z' } : null,
            requests: {},
            limits: { memory: '128Mi' },
          })),
          events: [],
          logs: [],
          notes: [],
        },
      ],
      notes: [],
    });

    it('the pod says the alert’s container was OOMKilled: Raise the memory limit, naming its generator', () => {
      expect(kubeFacts(pod('server'))).toEqual({ oomKilled: 'server' });
      const fixes = analyzeOffline(testInput(alerts, T0, { kubernetes: pod('server') })).proposedFixes;
      expect(fixes.map((f) => [f.generator, f.title])).toEqual([
        ['k8s-memory-limit', 'Raise the memory limit of `server` in its manifest'],
      ]);
      expect(originOfFix(alerts, fixes[0] as NonNullable<(typeof fixes)[0]>)).toEqual({
        signature: 'crash-loop',
        generator: 'k8s-memory-limit',
      });
    });

    it('a sidecar OOMKilled, or nothing OOMKilled: no memory fix for this container', () => {
      expect(analyzeOffline(testInput(alerts, T0, { kubernetes: pod('istio-proxy') })).proposedFixes).toEqual(
        [],
      );
      expect(analyzeOffline(testInput(alerts, T0, { kubernetes: pod('none') })).proposedFixes).toEqual([]);
    });

    it('the click runs the generator it names; without one a crash loop runs the first (the probe fix)', async () => {
      const checkout = {
        path: 'deploy/checkoutservice.yaml',
        content: readFileSync(
          path.join(import.meta.dirname, '..', 'fixtures', 'fixes', 'kubernetes', 'checkoutservice.yaml'),
          'utf8',
        ),
      };
      const request = {
        incidentId: 1,
        service: 'shop',
        signature: 'crash-loop',
        alertLabels: [labels],
        facts: { oomKilled: 'server', probe: 'liveness' },
        files: { kubernetes: [checkout], helm: [], terraform: [], ansible: [] },
      };
      const memory = await generateFix({ ...request, generator: 'k8s-memory-limit' });
      expect(memory).toMatchObject({ generator: 'k8s-memory-limit', title: expect.stringMatching(/memory/) });
      expect('edits' in memory && changedLines(memory.edits[0] as never)).toEqual([
        '-              memory: 128Mi',
        '+              memory: 192Mi',
      ]);
      expect(await generateFix(request)).toMatchObject({ generator: 'k8s-probe-timeouts' });
      expect(await generateFix({ ...request, generator: 'k8s-hpa-max-replicas' })).toEqual({
        none: 'the fix generator k8s-hpa-max-replicas does not serve signature crash-loop',
      });
    });
  });
});
