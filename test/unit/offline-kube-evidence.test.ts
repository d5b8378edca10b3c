/**
 * Kubernetes evidence in the offline analyzer: the termination reason, the events and the log lines of the
 * pods an incident names re-rank its causes, and the line that decided is quoted under the cause.
 */
import { describe, expect, it } from 'vitest';
import type { AnalysisInput } from '../../src/analysis/input.ts';
import { PATTERNS } from '../../src/analysis/offline/explain-patterns.ts';
import { analyzeOffline } from '../../src/analysis/offline/index.ts';
import {
  cluesOf,
  findingsOf,
  RULES,
  ruleMatches,
  schedulingFocus,
} from '../../src/analysis/offline/kube-evidence.ts';
import {
  type Analysis,
  analysisSchema,
  type KubeContainer,
  type KubeContext,
  type KubeObjectContext,
} from '../../src/analysis/schema.ts';
import type { IncidentAlert } from '../../src/db/incidents.ts';
import { testAlert, testInput } from '../support/incidents.ts';

const T0 = '2026-03-01T10:00:00.000Z';

const crashAlert: IncidentAlert = testAlert(
  {
    labels: {
      alertname: 'KubePodCrashLooping',
      namespace: 'shop',
      pod: 'checkout-7d9f8-abcde',
      container: 'checkout',
      severity: 'warning',
    },
    annotations: {
      description: 'Pod shop/checkout-7d9f8-abcde (checkout) is restarting 2.00 times / 10 minutes.',
      summary: 'Pod is crash looping.',
    },
  },
  { at: T0 },
);

const notReadyAlert: IncidentAlert = testAlert(
  {
    labels: {
      alertname: 'KubePodNotReady',
      namespace: 'shop',
      pod: 'checkout-7d9f8-abcde',
      severity: 'warning',
    },
    annotations: {
      description: 'Pod shop/checkout-7d9f8-abcde has been in a non-ready state for longer than 15 minutes.',
    },
  },
  { at: T0 },
);

const replicasAlert: IncidentAlert = testAlert(
  {
    labels: {
      alertname: 'KubeDeploymentReplicasMismatch',
      namespace: 'shop',
      deployment: 'checkout',
      job: 'kube-state-metrics',
      severity: 'warning',
    },
    annotations: {
      description:
        'Deployment shop/checkout has not matched the expected number of replicas for longer than 15 minutes.',
      summary: 'Deployment has not matched the expected number of replicas.',
    },
  },
  { at: T0 },
);

const failedScheduling = (message: string) => ({
  type: 'Warning',
  reason: 'FailedScheduling',
  message,
  count: 12,
  at: '2026-03-01T09:50:00.000Z',
});

function container(overrides: Partial<KubeContainer> = {}): KubeContainer {
  return {
    name: 'checkout',
    ready: false,
    restarts: 7,
    state: 'waiting',
    reason: 'CrashLoopBackOff',
    lastTermination: { reason: 'Error', exitCode: 1, at: '2026-03-01T09:59:10.000Z' },
    requests: { memory: '128Mi' },
    limits: { memory: '256Mi' },
    ...overrides,
  };
}

function pod(overrides: Partial<KubeObjectContext> = {}): KubeContext {
  return {
    objects: [
      {
        kind: 'Pod',
        namespace: 'shop',
        name: 'checkout-7d9f8-abcde',
        status: 'Running, 0/1 ready, 7 restarts',
        containers: [container()],
        events: [
          {
            type: 'Warning',
            reason: 'BackOff',
            message: 'Back-off restarting failed container checkout in pod checkout-7d9f8-abcde_shop',
            count: 31,
            at: '2026-03-01T09:59:30.000Z',
          },
        ],
        logs: [],
        notes: [],
        ...overrides,
      },
    ],
    notes: [],
  };
}

function analyze(alerts: IncidentAlert[], kubernetes?: KubeContext): Analysis {
  const input: AnalysisInput = testInput(alerts, T0, kubernetes ? { kubernetes } : {});
  const analysis = analyzeOffline(input);
  expect(analysisSchema.parse(analysis)).toEqual(analysis);
  return analysis;
}

describe('Kubernetes evidence in the offline analyzer', () => {
  it('without Kubernetes context, a crash loop gets the runbook order (the baseline)', () => {
    const analysis = analyze([crashAlert]);
    expect(analysis.rootCauses[0]?.title).toBe(
      'The application exits at start-up (bad config, missing env or secret, failing dependency)',
    );
    expect(analysis.summary).not.toContain('Kubernetes says');
  });

  it('a previous log line refusing the database connection makes the dependency the first cause, quoted', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        logs: [
          {
            container: 'checkout',
            previous: true,
            truncated: false,
            lines: [
              '2026-03-01T09:59:09Z INFO connecting to orders-db.shop.svc:5432',
              '2026-03-01T09:59:10Z ERROR dial tcp 10.0.3.7:5432: connect: connection refused',
            ],
          },
        ],
      }),
    );
    const [first] = analysis.rootCauses;
    expect(first).toMatchObject({
      title: 'A dependency it needs is down or unreachable: `10.0.3.7:5432` refuses connections',
      category: 'dependency',
    });
    expect(first?.evidence[0]).toBe(
      'Log of `checkout` in pod `shop/checkout-7d9f8-abcde` (previous instance) at 2026-03-01T09:59:10Z: "2026-03-01T09:59:10Z ERROR dial tcp 10.0.3.7:5432: connect: connection refused"',
    );
    expect(first?.likelihood).toBeGreaterThan(analysis.rootCauses[1]?.likelihood ?? 1);
    expect(analysis.summary).toContain(
      'Kubernetes says: Log of `checkout` in pod `shop/checkout-7d9f8-abcde`',
    );
  });

  it('an OOMKilled last termination raises the catalogue OOM cause above the others', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        containers: [
          container({
            lastTermination: { reason: 'OOMKilled', exitCode: 137, at: '2026-03-01T09:59:10.000Z' },
          }),
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toBe('Container is OOMKilled and restarted');
    expect(analysis.rootCauses[0]?.evidence[0]).toBe(
      'Last termination of `checkout` in pod `shop/checkout-7d9f8-abcde`: OOMKilled (exit code 137) at 2026-03-01T09:59:10Z; memory limit 256Mi',
    );
  });

  it('a Liveness probe failure event puts the probe first when the logs say nothing', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        events: [
          {
            type: 'Warning',
            reason: 'Unhealthy',
            message: 'Liveness probe failed: Get "http://10.244.1.7:8080/healthz": context deadline exceeded',
            count: 12,
            at: '2026-03-01T09:58:00.000Z',
          },
        ],
        logs: [{ container: 'checkout', previous: true, truncated: false, lines: ['INFO serving on :8080'] }],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toBe(
      'Liveness probe fails and the kubelet keeps killing the container',
    );
    expect(analysis.rootCauses[0]?.evidence[0]).toBe(
      'Event Unhealthy ×12 on pod `shop/checkout-7d9f8-abcde` at 2026-03-01T09:58:00Z: "Liveness probe failed: Get "http://10.244.1.7:8080/healthz": context deadline exceeded"',
    );
  });

  it('FailedScheduling for lack of memory explains a pod that is not ready', () => {
    const analysis = analyze(
      [notReadyAlert],
      pod({
        status: 'Pending, 0/1 ready, 0 restarts, not scheduled (Unschedulable)',
        containers: [],
        events: [
          {
            type: 'Warning',
            reason: 'FailedScheduling',
            message:
              '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
            count: 4,
            at: '2026-03-01T09:50:00.000Z',
          },
        ],
      }),
    );
    // The evidence's own title, naming the scheduler's reason, not the catalogue's generic "no node has room".
    expect(analysis.rootCauses[0]?.title).toMatch(
      /^Pod is Pending: no node has enough free CPU\/memory.*Insufficient memory/,
    );
    expect(analysis.rootCauses[0]?.evidence[0]).toMatch(/^Event FailedScheduling .*Insufficient memory/);
  });

  it('a missing Secret while the container waits beats everything else', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        containers: [
          container({
            reason: 'CreateContainerConfigError',
            message: 'secret "orders-db-credentials" not found',
            lastTermination: null,
            restarts: 0,
          }),
        ],
      }),
    );
    expect(analysis.rootCauses[0]).toMatchObject({
      title:
        'Missing configuration: secret `orders-db-credentials` the pod references does not exist (or lacks the key)',
      category: 'configuration',
    });
  });

  it('a log line naming a missing environment variable reads as missing configuration', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        logs: [
          {
            container: 'checkout',
            previous: true,
            truncated: false,
            lines: ['Error: environment variable DATABASE_URL is not set', 'exiting'],
          },
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toBe(
      'The application exits at start-up on missing configuration: `DATABASE_URL` is not set (env var, ConfigMap or Secret)',
    );
  });

  it('a Kubernetes context with nothing telling leaves the ranking as it was', () => {
    const plain = analyze([crashAlert]);
    const withContext = analyze(
      [crashAlert],
      pod({
        containers: [container({ lastTermination: null })],
        logs: [{ container: 'checkout', previous: false, truncated: false, lines: ['INFO started'] }],
      }),
    );
    expect(withContext.rootCauses.map((cause) => cause.title)).toEqual(
      plain.rootCauses.map((cause) => cause.title),
    );
  });

  it('quotes only what the reader kept: a redacted line stays redacted in the evidence', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        logs: [
          {
            container: 'checkout',
            previous: true,
            truncated: false,
            lines: ['FATAL password authentication failed for user "orders" (password=[REDACTED])'],
          },
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toMatch(/^Database credentials are wrong/);
    expect(analysis.rootCauses[0]?.evidence[0]).toContain('password=[REDACTED]');
  });

  it('every rule names an explain pattern that exists, and clues come from every part of the context', () => {
    const ids = new Set(PATTERNS.map((pattern) => pattern.id));
    for (const rule of RULES) if (rule.pattern) expect(ids.has(rule.pattern), rule.id).toBe(true);
    const context = pod({
      logs: [{ container: 'checkout', previous: true, truncated: false, lines: ['x'] }],
    });
    expect(cluesOf(context).map((clue) => clue.source)).toEqual([
      'termination',
      'waiting',
      'event',
      'log-previous',
    ]);
    expect(findingsOf(context).map((finding) => finding.rule.id)).toEqual(['exit-code']);
  });
  it('exit code 137 with reason Error is a kill (a liveness probe), not an OOM kill', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        containers: [container({ lastTermination: { reason: 'Error', exitCode: 137, at: null } })],
        events: [
          {
            type: 'Warning',
            reason: 'Unhealthy',
            message: "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory",
            count: 3,
            at: null,
          },
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toBe(
      'Liveness probe fails and the kubelet keeps killing the container',
    );
  });

  it('a pull refused for lack of authorization points at the registry credentials', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        containers: [container({ reason: 'ErrImagePull', lastTermination: null })],
        events: [
          {
            type: 'Warning',
            reason: 'Failed',
            message:
              'Failed to pull image "registry.example.com/private/app:1.0": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
            count: 2,
            at: null,
          },
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toMatch(/^Registry credentials/);
  });
  it("a Python KeyError on an environment variable's name is missing configuration, not a bug", () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        logs: [
          {
            container: 'checkout',
            previous: true,
            truncated: false,
            lines: [
              'Traceback (most recent call last):',
              '    MODEL_BUCKET = os.environ["MODEL_BUCKET"]',
              "KeyError: 'MODEL_BUCKET'",
            ],
          },
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toBe(
      'The application exits at start-up on missing configuration: `MODEL_BUCKET` is not set (env var, ConfigMap or Secret)',
    );
  });

  it('exec format error in the log means the image cannot run on this node', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        logs: [
          {
            container: 'checkout',
            previous: true,
            truncated: false,
            lines: ['exec /usr/local/bin/gateway: exec format error'],
          },
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toMatch(/^The container cannot start/);
  });

  it('a Docker Hub rate limit (429 toomanyrequests) is the registry throttling pulls, not a bad tag', () => {
    const analysis = analyze(
      [crashAlert],
      pod({
        containers: [
          container({
            state: 'waiting',
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "nginx:1.25-alpine"',
            lastTermination: null,
          }),
        ],
        events: [
          {
            type: 'Warning',
            reason: 'Failed',
            message:
              'Failed to pull image "nginx:1.25-alpine": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginx:1.25-alpine": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:a59278fd22a9d411121e190b8cec8aa57b306aa3332459197777583beb728f59: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
            count: 6,
            at: null,
          },
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toMatch(/rate.limit/i);
    expect(analysis.rootCauses[0]?.title).not.toMatch(/tag|credentials/i);
  });

  it("the scheduler's per-reason node counts decide, not the first reason it lists", () => {
    // Real messages (kube-scheduler 1.2x; the older "that the pod didn't tolerate" form; no count).
    const cases: [string, string | null][] = [
      [
        '0/7 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 6 Insufficient cpu. preemption: 0/7 nodes are available: 1 Preemption is not helpful for scheduling, 6 No preemption victims found for incoming pod.',
        '0/7 nodes are available: 6 Insufficient cpu.',
      ],
      [
        "0/5 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate, 4 Insufficient memory.",
        '0/5 nodes are available: 4 Insufficient memory.',
      ],
      [
        '0/6 nodes are available: 2 Insufficient memory, 3 Insufficient cpu, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.',
        '0/6 nodes are available: 2 Insufficient memory, 3 Insufficient cpu.',
      ],
      [
        '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.',
        '0/4 nodes are available: 3 node(s) had untolerated taint {dedicated: gpu}.',
      ],
      [
        "0/5 nodes are available: 1 Insufficient cpu, 4 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 1 No preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling.",
        "0/5 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.",
      ],
      [
        '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }, 2 Insufficient memory.',
        '0/3 nodes are available: 2 Insufficient memory.',
      ],
      [
        '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
        '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
      ],
      // A single-node cluster: the control-plane taint is all there is, so it decides.
      [
        '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
        '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.',
      ],
      // Cut in the middle by the source: what follows the cut is not read as reasons.
      [
        '0/9 nodes are available: 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 7 Insufficient memory…1 Preemption is not helpful for scheduling, 8 No preemption victims found for incoming pod.',
        '0/9 nodes are available: 7 Insufficient memory.',
      ],
      ['Back-off restarting failed container', null],
    ];
    for (const [message, decisive] of cases)
      expect(schedulingFocus(message)?.decisive ?? null).toBe(decisive);
  });

  it('Insufficient cpu on the workers beats the control-plane taint in the same FailedScheduling', () => {
    const analysis = analyze(
      [replicasAlert],
      pod({
        status: 'Pending, 0/1 ready, 0 restarts, not scheduled (Unschedulable)',
        containers: [
          container({ state: 'waiting', reason: 'ContainerCreating', restarts: 0, lastTermination: null }),
        ],
        events: [
          failedScheduling(
            '0/7 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 6 Insufficient cpu. preemption: 0/7 nodes are available: 1 Preemption is not helpful for scheduling, 6 No preemption victims found for incoming pod.',
          ),
        ],
      }),
    );
    const [first] = analysis.rootCauses;
    expect(first?.title).toMatch(/^Pod is Pending: no node has enough free CPU\/memory/);
    expect(first?.title).toContain('Insufficient cpu');
    expect(first?.category).toBe('capacity');
    expect(first?.evidence[0]).toContain('6 Insufficient cpu');
    expect(analysis.rootCauses.findIndex((cause) => /taint/i.test(cause.title))).not.toBe(0);
  });

  it('a node under disk pressure (its condition taint) is a node problem, not a missing toleration', () => {
    const [finding] = findingsOf(
      pod({
        containers: [],
        events: [
          failedScheduling(
            '0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
          ),
        ],
      }),
    );
    expect(finding?.rule.id).toBe('scheduling-node-condition');
  });

  it('an ephemeral-storage eviction comes before the replacement pod that cannot be scheduled', () => {
    const evicted: KubeObjectContext = {
      kind: 'Pod',
      namespace: 'shop',
      name: 'checkout-7d9f8-evict',
      status: 'Failed, 0/1 ready, 0 restarts, Evicted',
      containers: [],
      events: [
        {
          type: 'Warning',
          reason: 'Evicted',
          message:
            'The node was low on resource: ephemeral-storage. Threshold quantity: 2Gi, available: 1487Mi. Container shipper was using 6Gi, request is 0, has larger consumption of ephemeral-storage.',
          count: 1,
          at: '2026-03-01T09:40:00.000Z',
        },
      ],
      logs: [],
      notes: [],
    };
    const pending = pod({
      name: 'checkout-7d9f8-pendg',
      status: 'Pending, 0/1 ready, 0 restarts, not scheduled (Unschedulable)',
      containers: [],
      events: [
        failedScheduling(
          "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }, 2 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        ),
      ],
    });
    const analysis = analyze([replicasAlert], {
      objects: [evicted, ...pending.objects],
      notes: [],
    });
    const [first] = analysis.rootCauses;
    expect(first?.title).toMatch(/^The pod was evicted: its node ran low on ephemeral-storage/);
    expect(first?.title).not.toMatch(/memory/i);
    expect(first?.title).toContain('6Gi');
    expect(first?.evidence[0]).toMatch(/^Event Evicted/);
  });

  it('a memory eviction names memory', () => {
    const [finding] = findingsOf(
      pod({
        containers: [],
        events: [
          {
            type: 'Warning',
            reason: 'Evicted',
            message:
              'The node was low on resource: memory. Threshold quantity: 100Mi, available: 87296Ki. Container spark-driver was using 5832Mi, which exceeds its request of 1Gi.',
            count: 1,
            at: null,
          },
        ],
      }),
    );
    expect(finding?.rule.title(finding.facts)).toMatch(
      /^The pod was evicted: its node ran low on memory .*spark-driver.*5832Mi.*1Gi/,
    );
  });

  it('a pod that runs but is not ready, with nothing else telling, is a readiness problem, not scheduling', () => {
    const analysis = analyze(
      [replicasAlert],
      pod({
        status: 'Running, 0/1 ready, 0 restarts',
        containers: [container({ state: 'running', reason: undefined, restarts: 0, lastTermination: null })],
        events: [],
        logs: [
          {
            container: 'checkout',
            previous: false,
            truncated: false,
            lines: [
              '2026-03-01T09:50:04Z INFO  checkout starting',
              '2026-03-01T09:50:05Z INFO  warming cache',
            ],
          },
        ],
      }),
    );
    expect(analysis.rootCauses[0]?.title).toMatch(/readiness|not ready/i);
    expect(analysis.rootCauses[0]?.title).not.toMatch(/scheduled/i);
    expect(analysis.rootCauses[0]?.evidence[0]).toMatch(/running but not ready/);
  });

  describe('context never makes the ranking worse: a generic clue does not displace a strong match', () => {
    const slimImage = {
      kind: 'pull_request' as const,
      title: 'Slim production image: multi-stage Dockerfile, runtime stage copies only dist/',
      url: 'https://github.com/acme/shop/pull/1934',
      at: '2026-03-01T09:40:00.000Z',
      author: 'dana-w',
    };
    const crashLog = (lines: string[]): KubeContext =>
      pod({ logs: [{ container: 'checkout', previous: true, truncated: false, lines }] });

    it('a bare exit code 1 leaves a bad change shortly before the crash loop first', () => {
      const lines = ["Error: Cannot find module 'express'", 'Require stack:', '- /app/dist/server.js'];
      const without = analyzeOffline(testInput([crashAlert], T0, { recentChanges: [slimImage] }));
      const withContext = analyzeOffline(
        testInput([crashAlert], T0, { recentChanges: [slimImage], kubernetes: crashLog(lines) }),
      );
      expect(without.rootCauses[0]?.title).toMatch(/^Bad change/);
      expect(withContext.rootCauses[0]?.title).toMatch(/^Bad change/);
      // The log line's failure class (a module the image lacks: weak, below a strong match) comes second, quoted;
      // the termination still raises its cause, below them.
      expect(withContext.rootCauses[1]?.title).toMatch(/lacks a module or library/);
      expect(withContext.rootCauses[1]?.evidence[0]).toMatch(/^Log of `checkout`/);
      expect(
        withContext.rootCauses.some((cause) =>
          /^Last termination of `checkout`/.test(cause.evidence[0] ?? ''),
        ),
      ).toBe(true);
    });

    it("a generic `Permission denied` log line leaves the cluster upgrade's bad change first", () => {
      const upgrade = {
        kind: 'deployment' as const,
        title: 'EKS cluster prod-eu upgraded 1.23 -> 1.24 (container runtime docker -> containerd)',
        url: 'https://github.com/acme/infra/pull/1377',
        at: '2026-03-01T09:40:00.000Z',
        author: 'platform-bot',
      };
      const analysis = analyzeOffline(
        testInput([crashAlert], T0, {
          recentChanges: [upgrade],
          kubernetes: crashLog(['nginx: [emerg] open() "/var/cache/nginx/x" failed (13: Permission denied)']),
        }),
      );
      expect(analysis.rootCauses[0]?.title).toMatch(/^Bad change/);
      expect(analysis.rootCauses[1]?.title).toMatch(/permission denied/i);
    });

    it('decisive evidence (an OOM kill) still displaces a bad change', () => {
      const analysis = analyzeOffline(
        testInput([crashAlert], T0, {
          recentChanges: [slimImage],
          kubernetes: pod({
            containers: [
              container({
                lastTermination: { reason: 'OOMKilled', exitCode: 137, at: '2026-03-01T09:59:10.000Z' },
              }),
            ],
          }),
        }),
      );
      expect(analysis.rootCauses[0]?.title).toMatch(/OOMKilled/);
    });
  });

  describe('a line no class reads is quoted as the cause (failure-classes.yaml `unread`)', () => {
    const crashLog = (lines: string[]): KubeContext =>
      pod({ logs: [{ container: 'checkout', previous: true, truncated: false, lines }] });

    it("the crashed container's line that says most leads, not the line that only says it exits", () => {
      const analysis = analyze(
        [crashAlert],
        crashLog([
          '2026-03-01T09:59:08Z INFO loading plugins from /etc/checkout/plugins.d',
          '2026-03-01T09:59:09Z ERROR plugin "geo-fence" declares api_level 7, host supports up to 5',
          '2026-03-01T09:59:09Z FATAL cannot continue without plugins, exiting',
        ]),
      );
      const [first] = analysis.rootCauses;
      expect(first).toMatchObject({
        title: '`checkout` fails with "plugin "geo-fence" declares api_level 7, host supports up to 5"',
        category: 'configuration',
      });
      expect(first?.evidence[0]).toBe(
        'Log of `checkout` in pod `shop/checkout-7d9f8-abcde` (previous instance) at 2026-03-01T09:59:09Z: "2026-03-01T09:59:09Z ERROR plugin "geo-fence" declares api_level 7, host supports up to 5"',
      );
      expect(first?.likelihood).toBeGreaterThan(analysis.rootCauses[1]?.likelihood ?? 1);
    });

    it.each([
      {
        reads: "pino's numeric levels: a level-30 line is information, the level-50 line decides",
        lines: [
          '{"level":30,"time":1772359148000,"msg":"warm-up failed for 0 of 12 tenants"}',
          '{"level":50,"time":1772359149000,"msg":"session store rejected write: quota of 512 keys per tenant used up"}',
          '{"level":60,"time":1772359149100,"msg":"fatal: exiting"}',
        ],
        title: '`checkout` fails with "session store rejected write: quota of 512 keys per tenant used up"',
        category: 'resource-exhaustion',
      },
      {
        reads: 'a logfmt line by its msg and err, without its time, level and caller',
        lines: [
          'level=info ts=2026-03-01T09:59:08Z caller=main.go:88 msg="starting shipper"',
          'level=error ts=2026-03-01T09:59:09Z caller=main.go:170 msg="error creating shipper" err="bucket policy denies s3:PutObject on arn:aws:s3:::blocks-eu"',
        ],
        title:
          '`checkout` fails with "error creating shipper: bucket policy denies s3:PutObject on arn:aws:s3:::blocks-eu"',
        category: 'configuration',
      },
      {
        reads: "a Spring Boot line by its message after the logger; a schema's words make it data",
        lines: [
          '2026-03-01 09:59:09.100  WARN 1 --- [checkout] [           main] ConfigServletWebServerApplicationContext : Exception encountered during context initialization - cancelling refresh attempt: tenant registry schema v3 expected, found v2',
          '2026-03-01 09:59:09.101 ERROR 1 --- [checkout] [           main] o.s.boot.SpringApplication               : Application run failed',
        ],
        title:
          '`checkout` fails with "Exception encountered during context initialization - cancelling refresh attempt: tenant registry schema v3 expected, found v2"',
        category: 'data',
      },
      {
        reads: 'an exception read only as "a bug" again by its words: a TypeError stays a bug, quoted',
        lines: [
          "TypeError: Cannot read properties of undefined (reading 'tenantId')",
          '    at handler (/app/server.js:41:18)',
        ],
        title:
          '`checkout` fails with "TypeError: Cannot read properties of undefined (reading \'tenantId\')"',
        category: 'application',
      },
    ])('reads $reads', ({ lines, title, category }) => {
      expect(analyze([crashAlert], crashLog(lines)).rootCauses[0]).toMatchObject({ title, category });
    });

    it("a row in general words ends with its line's words: what the line names is in the title", () => {
      const analysis = analyze(
        [crashAlert],
        crashLog(['java.lang.OutOfMemoryError: Compressed class space']),
      );
      expect(analysis.rootCauses[0]?.title).toMatch(
        /heap memory.*: "java\.lang\.OutOfMemoryError: Compressed class space"$/,
      );
    });

    it("a warning no class reads is quoted when nothing else says why; an exception's name makes a line a failure", () => {
      const warned = analyze(
        [crashAlert],
        crashLog([
          '2026-03-01T09:59:09Z WARN shard allocator gave up on tenant eu-7 after rebalancing twice',
        ]),
      );
      expect(warned.rootCauses[0]?.title).toBe(
        '`checkout` fails with "shard allocator gave up on tenant eu-7 after rebalancing twice"',
      );
      const named = analyze([crashAlert], crashLog(["NameError: name 'tenant_cache' is not defined"]));
      expect(named.rootCauses[0]).toMatchObject({
        title: '`checkout` fails with "NameError: name \'tenant_cache\' is not defined"',
        category: 'application',
      });
    });

    it('a line that only says the process gave up, or counts zero failures, is no cause: "not determined"', () => {
      for (const lines of [
        [
          '[2026-03-01 09:59:08 +0000] [1] [INFO] Booting worker with pid: 7',
          '[2026-03-01 09:59:10 +0000] [1] [ERROR] Shutting down: Master',
          '[2026-03-01 09:59:10 +0000] [1] [ERROR] Reason: child exited.',
        ],
        ['cache stats: hits=1200 errors=0 expired: 0, warm-up done'],
      ]) {
        expect(analyze([crashAlert], crashLog(lines)).rootCauses[0]?.title).toMatch(/^Not determined/);
      }
    });

    it('a strong match keeps the lead: the unread line is weaker than decisive evidence', () => {
      const slimImage = {
        kind: 'pull_request' as const,
        title: 'Slim production image: multi-stage Dockerfile, runtime stage copies only dist/',
        url: 'https://github.com/acme/shop/pull/1934',
        at: '2026-03-01T09:40:00.000Z',
        author: 'dana-w',
      };
      const analysis = analyzeOffline(
        testInput([crashAlert], T0, {
          recentChanges: [slimImage],
          kubernetes: crashLog([
            '2026-03-01T09:59:09Z ERROR plugin "geo-fence" declares api_level 7, host supports up to 5',
          ]),
        }),
      );
      expect(analysis.rootCauses[0]?.title).toMatch(/^Bad change/);
      expect(analysis.rootCauses[1]?.title).toMatch(/^`checkout` fails with "plugin "geo-fence"/);
    });

    it('a probe refused because the process exited yields to what its last run logged', () => {
      const probeRefused = {
        type: 'Warning',
        reason: 'Unhealthy',
        message:
          'Startup probe failed: Get "http://10.0.4.7:8080/healthz": dial tcp 10.0.4.7:8080: connect: connection refused',
        count: 9,
        at: T0,
      };
      const logs = [
        {
          container: 'checkout',
          previous: true,
          truncated: false,
          lines: ['FATAL: license file /etc/acme/license.key expired on 2026-02-01, refusing to start'],
        },
      ];
      const exited = analyze([crashAlert], pod({ events: [probeRefused], logs }));
      expect(exited.rootCauses[0]?.title).toBe(
        '`checkout` fails with "license file /etc/acme/license.key expired on 2026-02-01, refusing to start"',
      );
      expect(exited.rootCauses[1]?.title).toMatch(/^The Startup probe is refused at `10\.0\.4\.7:8080`/);
      // Killed by the kubelet (137): the process did not exit on its own, the refused probe is why it restarts.
      const killed = analyze(
        [crashAlert],
        pod({
          containers: [
            container({
              lastTermination: { reason: 'Error', exitCode: 137, at: '2026-03-01T09:59:10.000Z' },
            }),
          ],
          events: [probeRefused],
          logs,
        }),
      );
      expect(killed.rootCauses[0]?.title).toMatch(/^The Startup probe is refused/);
    });

    it("several pods: the dependency's own failure line, read by nothing else, leads over its client's refused connection", () => {
      const context = pod({
        logs: [
          {
            container: 'checkout',
            previous: true,
            truncated: false,
            lines: ['2026-03-01T09:59:10Z ERROR dial tcp nats.events.svc:4222: connect: connection refused'],
          },
        ],
      });
      context.objects.push({
        kind: 'Pod',
        namespace: 'events',
        name: 'nats-0',
        status: 'Running, 0/1 ready, 5 restarts',
        containers: [container({ name: 'nats' })],
        events: [],
        logs: [
          {
            container: 'nats',
            previous: true,
            truncated: false,
            lines: [
              '[1] 2026/03/01 09:59:08.000000 [INF] Starting nats-server',
              '[1] 2026/03/01 09:59:09.000000 [FTL] JetStream store directory /data/jetstream is locked by another server instance',
            ],
          },
        ],
        notes: [],
      });
      const analysis = analyze([crashAlert], context);
      expect(analysis.rootCauses[0]?.title).toBe(
        '`nats` fails with "JetStream store directory /data/jetstream is locked by another server instance"',
      );
      expect(analysis.rootCauses[1]?.title).toMatch(/refuses connections/);
    });

    it('a line a rule read as naming nothing stays so: a probe answering 500 is still "not determined"', () => {
      const analysis = analyze(
        [notReadyAlert],
        pod({
          containers: [
            container({ state: 'running', reason: undefined, restarts: 0, lastTermination: undefined }),
          ],
          events: [
            {
              type: 'Warning',
              reason: 'Unhealthy',
              message: 'Readiness probe failed: HTTP probe failed with statuscode: 500',
              count: 40,
              at: T0,
            },
          ],
        }),
      );
      expect(analysis.rootCauses[0]?.title).toMatch(/^Not determined/);
    });
  });

  it("a NodeNotReady event on the pod names its node as the cause, above the replacement's FailedScheduling", () => {
    const nodeAlert = testAlert(
      {
        labels: {
          alertname: 'KubeNodeNotReady',
          node: 'ip-10-0-7-113',
          job: 'kube-state-metrics',
          severity: 'warning',
        },
        annotations: { description: 'ip-10-0-7-113 has been unready for more than 15 minutes.' },
      },
      { at: T0 },
    );
    const running = container({ state: 'running', reason: undefined, restarts: 0, lastTermination: null });
    const context: KubeContext = {
      objects: [
        {
          ...(pod().objects[0] as KubeObjectContext),
          name: 'checkout-7d9f8-m2t9k',
          status: 'Terminating',
          containers: [running],
          events: [
            { type: 'Warning', reason: 'NodeNotReady', message: 'Node is not ready', count: 1, at: T0 },
          ],
        },
        {
          ...(pod().objects[0] as KubeObjectContext),
          name: 'checkout-7d9f8-zk8rw',
          status: 'Pending',
          containers: [container({ reason: undefined, restarts: 0, lastTermination: null })],
          events: [
            failedScheduling(
              '0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
            ),
          ],
        },
      ],
      notes: [],
    };
    const analysis = analyze([nodeAlert, replicasAlert], context);
    expect(analysis.rootCauses[0]?.title).toMatch(/node/i);
    expect(analysis.rootCauses[0]?.title).not.toMatch(/free CPU|insufficient/i);
    expect(analysis.rootCauses[0]?.evidence[0]).toMatch(
      /^Event NodeNotReady on pod `shop\/checkout-7d9f8-m2t9k`/,
    );
  });

  // The blind set 2's evidence kinds, each with the real message from its source page (cases/holdout-k8s-2.json).
  describe.each([
    {
      rule: 'scheduling-volume-zone',
      clue: {
        source: 'event',
        text: 'FailedScheduling: 0/4 nodes are available: 3 node(s) had volume node affinity conflict.',
      },
      title: /PersistentVolume.*zone|volume node affinity/i,
    },
    {
      rule: 'volume-multi-attach',
      clue: {
        source: 'event',
        text: 'FailedAttachVolume: Multi-Attach error for volume "pvc-3f6c0a52" Volume is already exclusively attached to one node and can\'t be attached to another',
      },
      title: /still attached to another node/i,
    },
    {
      rule: 'image-platform',
      clue: {
        source: 'event',
        text: 'Failed: Failed to pull image "docker.io/acmeweb/web-frontend:bd21295": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/acmeweb/web-frontend:bd21295": no match for platform in manifest: not found',
      },
      title: /platform|architecture/i,
    },
    {
      rule: 'rbac-forbidden',
      clue: {
        source: 'log-previous',
        text: 'F1114 10:31:02.131946       1 main.go:88] initial sync failed: pods is forbidden: User "system:serviceaccount:platform:default" cannot list resource "pods" in API group "" in the namespace "platform"',
      },
      title: /service account `platform:default`.*list `pods`/i,
    },
    {
      rule: 'rbac-forbidden',
      clue: {
        source: 'log',
        text: '2026-11-24T08:14:02.521Z [DEBUG] auth.kubernetes.auth_kubernetes_bcb1dd98: login unauthorized: err="{\\"kind\\":\\"Status\\",\\"message\\":\\"tokenreviews.authentication.k8s.io is forbidden: User \\\\\\"system:serviceaccount:vault:vault\\\\\\" cannot create resource \\\\\\"tokenreviews\\\\\\" in API group \\\\\\"authentication.k8s.io\\\\\\" at the cluster scope\\"}"',
      },
      title: /service account `vault:vault`.*create `tokenreviews`/i,
    },
    {
      rule: 'rbac-forbidden',
      clue: {
        source: 'log',
        text: '[DEBUG] login unauthorized: err="{\\"message\\":\\"tokenreviews.authentication.k8s.io is forbidden: User \\\\\\"system:serviceaccount:vault:vault\\\\\\" cannot c',
      },
      title: /service account `vault:vault`.*`tokenreviews\.authentication\.k8s\.io`/i,
    },
    {
      rule: 'tls-name-mismatch',
      clue: {
        source: 'log-previous',
        text: 'time=2026-11-30T15:04:41.236Z level=ERROR msg="upstream health check failed" err="Get \\"https://payments-api.payments.svc:8443/v1/health\\": tls: failed to verify certificate: x509: certificate is valid for payments-api.internal.example.com, payments-api.example.com, not payments-api.payments.svc"',
      },
      title: /does not cover.*`payments-api\.payments\.svc`/i,
    },
    {
      rule: 'kafka-cluster-id',
      clue: {
        source: 'log-previous',
        text: "kafka.common.InconsistentClusterIdException: The Cluster ID Hk3vQ2YxR9mUo7bL1sPz4w doesn't match stored clusterId Some(7TfG0aXcS3eJk5nVw8rQyA) in meta.properties. The broker is trying to join the wrong cluster. Configured zookeeper.connect may be wrong.",
      },
      title: /Kafka broker.*cluster id/i,
    },
    {
      rule: 'dependency-brokers',
      clue: {
        source: 'log-previous',
        text: '2026-11-16 04:18:10.015  WARN 1 --- [| adminclient-1] org.apache.kafka.clients.NetworkClient   : [AdminClient clientId=adminclient-1] Connection to node -1 (kafka-bootstrap.streaming.svc.cluster.local/10.96.142.7:9092) could not be established. Broker may not be available.',
      },
      title: /Kafka broker is not available/i,
    },
    {
      rule: 'unknown-flag',
      clue: { source: 'log-previous', text: 'flag provided but not defined: -zap-level' },
      title: /flag.*`-zap-level`/i,
    },
    {
      rule: 'listens-on-loopback',
      clue: {
        source: 'log',
        text: 'INFO:     Uvicorn running on http://127.0.0.1:5000 (Press CTRL+C to quit)',
      },
      title: /127\.0\.0\.1/,
    },
    {
      rule: 'job-deadline',
      clue: { source: 'event', text: 'DeadlineExceeded: Job was active longer than specified deadline' },
      title: /activeDeadlineSeconds/,
    },
    {
      rule: 'completed-restarted',
      clue: { source: 'termination', text: 'Completed exit code 0' },
      title: /exits 0.*Job/i,
    },
    {
      rule: 'cluster-dns-timeout',
      clue: {
        source: 'log-previous',
        text: '{"level":"fatal","ts":"2026-12-01T19:42:12.140Z","msg":"startup failed","error":"dial tcp: lookup orders-db.payments.svc.cluster.local on 10.96.0.10:53: read udp 10.244.3.17:50319->10.96.0.10:53: i/o timeout"}',
      },
      title: /cluster DNS.*`10\.96\.0\.10:53`/i,
    },
  ] as const)('the evidence table reads $rule', ({ rule, clue, title }) => {
    it('from the real message, and names the cause', () => {
      const full = { ...clue, quote: clue.text, at: null };
      const matched = RULES.find((candidate) => ruleMatches(candidate, full));
      expect(matched?.id).toBe(rule);
      expect(matched?.title(ruleMatches(matched, full) ?? {})).toMatch(title);
    });
  });

  describe('no clue, no invented cause: evidence that names nothing leads with an honest "not determined"', () => {
    const jobAlert = testAlert(
      {
        labels: {
          alertname: 'KubeJobFailed',
          namespace: 'shop',
          job_name: 'export-29413080',
          severity: 'warning',
        },
        annotations: { description: 'Job shop/export-29413080 failed to complete.' },
      },
      { at: T0 },
    );

    it('a Job whose pod exits 1 after normal progress lines', () => {
      const analysis = analyze(
        [jobAlert],
        pod({
          name: 'export-29413080-r8kzc',
          status: 'Failed',
          containers: [container({ name: 'export', state: 'terminated', reason: 'Error', restarts: 0 })],
          events: [
            {
              type: 'Warning',
              reason: 'BackoffLimitExceeded',
              message: 'Job has reached the specified backoff limit',
              count: 1,
              at: T0,
            },
          ],
          logs: [
            {
              container: 'export',
              previous: false,
              truncated: false,
              lines: ['2026-12-06T04:20:01Z export: starting partner export run 29413080'],
            },
          ],
        }),
      );
      expect(analysis.rootCauses[0]).toMatchObject({ category: 'unknown' });
      expect(analysis.rootCauses[0]?.title).toMatch(/^Not determined: .*exits with code 1/);
      expect(analysis.rootCauses[0]?.evidence[0]).toMatch(/^Last termination of `export`/);
    });

    it('a readiness endpoint answering 500 with nothing in the logs', () => {
      const analysis = analyze(
        [replicasAlert],
        pod({
          containers: [
            container({ state: 'running', reason: undefined, restarts: 0, lastTermination: null }),
          ],
          events: [
            {
              type: 'Warning',
              reason: 'Unhealthy',
              message: 'Readiness probe failed: HTTP probe failed with statuscode: 500',
              count: 88,
              at: T0,
            },
          ],
        }),
      );
      expect(analysis.rootCauses[0]).toMatchObject({ category: 'unknown' });
      expect(analysis.rootCauses[0]?.title).toMatch(/readiness endpoint answers HTTP 500/);
    });

    it('but an error line the table cannot read may say why: then the ranking stays as it was', () => {
      const lines = [
        'APPLICATION FAILED TO START',
        "Failed to configure a DataSource: 'url' attribute is not specified and no embedded datasource could be configured.",
      ];
      const analysis = analyze(
        [crashAlert],
        pod({ logs: [{ container: 'checkout', previous: true, truncated: false, lines }] }),
      );
      expect(analysis.rootCauses[0]?.category).not.toBe('unknown');
      expect(analysis.rootCauses.map((cause) => cause.title).join(' | ')).not.toMatch(/Not determined/);
    });

    it('a container waiting in ContainerCreating without a Warning event', () => {
      const analysis = analyze(
        [crashAlert],
        pod({
          status: 'Pending',
          containers: [container({ reason: 'ContainerCreating', restarts: 0, lastTermination: null })],
          events: [],
        }),
      );
      expect(analysis.rootCauses[0]).toMatchObject({ category: 'unknown' });
      expect(analysis.rootCauses[0]?.title).toMatch(/ContainerCreating/);
    });

    it('a Pending pod that no event explains (no FailedScheduling: the scheduler never said why)', () => {
      const analysis = analyze(
        [notReadyAlert],
        pod({
          status: 'Pending',
          containers: [container({ reason: undefined, restarts: 0, lastTermination: null })],
          events: [],
        }),
      );
      expect(analysis.rootCauses[0]).toMatchObject({ category: 'unknown' });
      expect(analysis.rootCauses[0]?.title).toMatch(/^Not determined: .*Pending/);
    });

    it('not for pods whose containers all run and are ready: healthy pods are no evidence against the catalogue', () => {
      const ready = container({
        state: 'running',
        ready: true,
        reason: undefined,
        restarts: 0,
        lastTermination: null,
      });
      const analysis = analyze(
        [replicasAlert],
        pod({
          status: 'Running',
          containers: [ready],
          events: [],
          logs: [
            {
              container: 'checkout',
              previous: false,
              truncated: false,
              lines: ['{"level":"info","msg":"GET /health 200","duration_ms":1}'],
            },
          ],
        }),
      );
      expect(analysis.rootCauses[0]?.category).not.toBe('unknown');
      expect(analysis.rootCauses.some((cause) => /^Not determined/.test(cause.title))).toBe(false);
    });
  });

  describe('a liveness probe that times out', () => {
    const timeout = {
      type: 'Warning',
      reason: 'Unhealthy',
      message:
        'Liveness probe failed: Get "http://10.244.5.23:8080/actuator/health/liveness": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
      count: 27,
      at: T0,
    };
    const throttling = testAlert(
      {
        labels: {
          alertname: 'CPUThrottlingHigh',
          namespace: 'shop',
          pod: 'checkout-7d9f8-abcde',
          container: 'checkout',
          severity: 'info',
        },
        annotations: {
          description:
            '86% throttling of CPU in namespace shop for container checkout in pod checkout-7d9f8-abcde.',
        },
      },
      { at: T0 },
    );
    const context = pod({
      containers: [container({ lastTermination: { reason: 'Error', exitCode: 143, at: T0 } })],
      events: [timeout],
    });

    it('corroborates a CPU-starvation cause the incident already has (CPUThrottlingHigh firing)', () => {
      const analysis = analyze([crashAlert, throttling], context);
      expect(analysis.rootCauses[0]?.title).toMatch(/CPU/);
      expect(analysis.rootCauses[0]?.evidence[0]).toMatch(/Event Unhealthy ×27/);
    });

    it('is the liveness probe killing the container when nothing says CPU', () => {
      const analysis = analyze([crashAlert], context);
      expect(analysis.rootCauses[0]?.title).toMatch(/liveness/i);
    });
  });
});
