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

// Which signature answers each home-grown name, and its first cause: the `examples` of catalogue/home-grown.yaml
// (run by catalogue-data.test.ts). Here: what examples cannot say.
describe('home-grown alert names', () => {
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
