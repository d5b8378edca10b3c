/**
 * Alerts teams write themselves (`HighCpuUsage`, `high_memory_load`, `DiskSpaceLow`, `HostDown` …) and cAdvisor's
 * container rules: answered like the well-known family they are a variant of — a host's alert like node-exporter's,
 * a container's against its limits — and never claimed when a technology or a specific signature owns the alert.
 */
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/schema.ts';
import type { AlertSpec } from '../support/incidents.ts';
import { offlineHarness } from '../support/offline.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const harness = offlineHarness(T0, { incidentId: 1 });
const specOf = (labels: Record<string, string>, description?: string): AlertSpec => ({
  labels,
  annotations: description ? { description } : {},
});
const signatureOf = (labels: Record<string, string>) => harness.signatureOf({ labels });
const analyze = (labels: Record<string, string>, description?: string): Analysis =>
  harness.analyze([harness.alert(specOf(labels, description))]);

const HOST = { instance: 'web-1:9100', job: 'node' };
const POD = { namespace: 'shop', pod: 'cart-7d9f8b6c5d-x2kq9', container: 'cart' };

describe('home-grown alert names', () => {
  it.each([
    ['high_cpu_load', HOST, 'home-grown-cpu', /uses all CPU/],
    ['HighCPU', HOST, 'home-grown-cpu', /uses all CPU/],
    ['CpuUsageHigh', POD, 'home-grown-cpu', /More load than the container was sized for/],
    ['high_memory_load', HOST, 'home-grown-memory', /uses more memory than expected/],
    ['HighMemoryUsage', POD, 'home-grown-memory', /leak, or an unbounded cache/],
    ['LowFreeMemory', HOST, 'home-grown-memory', /uses more memory than expected/],
    ['HighSwapUsage', HOST, 'home-grown-swap', /uses more memory than expected/],
    ['DiskSpaceLow', { ...HOST, mountpoint: '/var' }, 'home-grown-disk', /fill `\/var`/],
    ['disk_full', { ...HOST, mountpoint: '/' }, 'home-grown-disk', /fill `\/`/],
    ['DiskUsageHigh', { namespace: 'db', persistentvolumeclaim: 'data-pg-0' }, 'home-grown-disk', /./],
    ['HostDown', HOST, 'home-grown-host-down', /machine is down/],
    ['NodeDown', { node: 'worker-3' }, 'home-grown-host-down', /preempted/],
    [
      'ServiceDown',
      { job: 'payments', instance: 'payments-1:8080' },
      'home-grown-service-down',
      /process is down/,
    ],
    ['WebsiteDown', { instance: 'https://shop.example.com' }, 'home-grown-service-down', /endpoint is down/],
    ['PodRestarting', POD, 'home-grown-restarts', /application bug/],
    ['NTPOutOfSync', HOST, 'home-grown-clock', /NTP\/chrony not syncing/],
    [
      'CronJobFailed',
      { namespace: 'batch', job_name: 'nightly-1' },
      'home-grown-job-failed',
      /exits non-zero/,
    ],
  ])('%s goes to %s (second arg: labels) with a fitting top cause', (name, labels, id, top) => {
    expect(signatureOf({ alertname: name, ...labels })).toBe(id);
    const analysis = analyze({ alertname: name, ...labels });
    expect(analysis.rootCauses[0]?.title).toMatch(top);
    expect(analysis.nextSteps.length).toBeGreaterThan(0);
  });

  it.each([
    ['[Triggered] CPU usage is high on web-1', 'home-grown-cpu'],
    ['ALARM: memory utilization above 90% on api-2', 'home-grown-memory'],
    ['Low disk space on /var (db-2)', 'home-grown-disk'],
    ['Server db-2 is down', 'home-grown-host-down'],
  ])('reads a free-text title (PagerDuty, Datadog, CloudWatch): %s', (title, id) => {
    // PagerDuty incidents carry their title as the alert name and summary, and often no labels.
    expect(harness.signatureOf({ labels: { alertname: title }, annotations: { summary: title } })).toBe(id);
  });

  it('takes the machine from a `host` label when there is no instance (the shared Alertmanager fixture)', () => {
    const analysis = analyze({ alertname: 'High CPU Temperature', host: 'andromeda', severity: 'critical' });
    expect(analysis.summary).toContain('`andromeda` reports a hardware problem');
    expect(analysis.nextSteps.join('\n')).toContain('ssh andromeda');
  });

  it('reads `name` as a container only where cAdvisor put it', () => {
    const cadvisor = { name: 'nginx', image: 'nginx:1.27', instance: 'docker-1:8080' };
    expect(analyze({ alertname: 'HighMemoryUsage', ...cadvisor }).summary).toContain('`nginx`');
    // A `name` label of another kind (a Grafana folder, a systemd unit) leaves the alert a host's.
    expect(analyze({ alertname: 'HighMemoryUsage', name: 'grafana', ...HOST }).summary).toMatch(/^Memory on/);
  });

  it('tells a plain host from a Kubernetes node', () => {
    const host = analyze({ alertname: 'HostDown', instance: 'web-3:9100' });
    expect(host.summary).toContain('Host `web-3` does not answer');
    expect(host.summary).not.toContain('node.kubernetes.io');
    expect(host.nextSteps).toContain('ping -c 3 web-3');
  });

  it('leaves alerts of known technologies and specific signatures alone', () => {
    for (const [name, id] of [
      ['CPUThrottlingHigh', 'cpu-throttling'],
      ['InstanceDown', 'target-down'],
      ['HostOutOfMemory', 'node-memory'],
      ['NodeFilesystemSpaceFillingUp', 'node-filesystem'],
    ] as const) {
      expect(signatureOf({ alertname: name, ...HOST })).toBe(id);
    }
    for (const name of ['RedisHighMemoryUsage', 'ElasticsearchHighCpuUsage', 'MysqlHighMemoryUsage']) {
      expect(signatureOf({ alertname: name, ...HOST }) ?? 'none').not.toMatch(/^home-grown/);
    }
    // Names that only look alike: I/O is not space, throughput is not a failure, a bare word says nothing.
    for (const name of ['DiskIOHigh', 'HighNetworkTraffic', 'Disk', 'BackupFailed', 'CpuSteal']) {
      expect(signatureOf({ alertname: name, ...HOST }) ?? 'none').not.toMatch(/^home-grown/);
    }
  });

  it('writes a bare metric, never an empty `{}` selector, when no label is known', () => {
    const analysis = analyze({ alertname: 'ServiceRestarting' });
    const steps = analysis.nextSteps.join('\n');
    expect(steps).toContain('changes(process_start_time_seconds[1h])');
    expect(steps).not.toContain('{}');
  });
});

describe('cAdvisor container rules (awesome-prometheus-alerts)', () => {
  const cadvisor = (alertname: string, description: string) =>
    analyze({ alertname, name: 'nginx', instance: 'docker-1:8080', severity: 'warning' }, description);

  it('reads a container near its memory limit as a leak or a low limit', () => {
    const analysis = cadvisor('ContainerHighMemoryUsage', 'Container Memory usage is above 80%');
    expect(analysis.rootCauses.map((cause) => cause.title)).toEqual([
      'Memory grows without bound: a leak, or an unbounded cache or heap',
      'The memory limit is set too low for the real working set',
      'More load or bigger data than the container was sized for',
    ]);
    expect(analysis.nextSteps).toContain('docker stats --no-stream nginx');
  });

  it('reads a week of low utilisation as over-provisioning', () => {
    const analysis = cadvisor(
      'ContainerLowCpuUtilization',
      'Container CPU utilization is under 20% for 1 week.',
    );
    expect(analysis.rootCauses[0]?.title).toMatch(/far above real usage/);
  });

  it('reads a vanished container as killed or replaced', () => {
    const analysis = cadvisor('ContainerKilled', 'A container has disappeared');
    expect(analysis.summary).toContain('A container (`nginx`) disappeared on `docker-1:8080`');
    expect(analysis.rootCauses[0]?.title).toMatch(/OOM-killed or crashed/);
  });
});
