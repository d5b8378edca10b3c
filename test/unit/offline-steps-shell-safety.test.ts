/**
 * Next steps are pasted into terminals at night, and label values come from alerts: untrusted text. For every
 * alert name in the catalogue, with every label set to a value that tries to break out of shell quoting, each
 * command step must keep that value inside single quotes (or a comment) — never where the shell would run it.
 */
import { describe, expect, it } from 'vitest';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import { analyzeOffline, CATALOGUE, matchSignature } from '../../src/analysis/offline/index.ts';
import { testAlert, testIncident, testInput } from '../support/incidents.ts';

const T0 = '2024-06-03T08:40:00.000Z';
// One value without quotes (raw interpolation), one that tries to close a single-quoted string first.
const HOSTILE = ['x`pwned`$(pwned);pwned', "x'`pwned`$(pwned);pwned"];
const EXPANSIONS = ['`pwned`', '$(pwned)'];

const LABEL_KEYS = [
  'namespace',
  'pod',
  'container',
  'node',
  'instance',
  'job',
  'service',
  'deployment',
  'statefulset',
  'daemonset',
  'replicaset',
  'persistentvolumeclaim',
  'job_name',
  'cronjob',
  'horizontalpodautoscaler',
  'poddisruptionbudget',
  'queue',
  'topic',
  'consumergroup',
  'vhost',
  'database',
  'datname',
  'db',
  'cluster',
  'name',
  'mountpoint',
  'device',
  'fstype',
  'exported_namespace',
  'exported_pod',
  'target',
  'host',
  'hostname',
  'ingress',
  'route',
  'application',
  'app',
  'jenkins_job',
  'tenant',
  'user',
  'slot_name',
  'index',
  'bucket',
  'osd',
  'ceph_daemon',
  'pool',
  'kubevirt_vmi_name',
  'resource',
  'certificate',
  'secret',
  'issuer',
  'upstream',
  'backend',
  'frontend',
  'server',
  'proxy',
  'url',
  'group',
  'controller',
  'webhook',
  'fs_name',
  'interface',
  'cert',
  'domain',
  'cnpg_cluster',
  'pg_cluster',
  'kubernetes_pod_name',
  // Cloud resources and CloudWatch dimensions (cloud-other, cloud-aws).
  'resource_name',
  'resource_id',
  'database_id',
  'zone',
  ...['InstanceId', 'VolumeId', 'DBInstanceIdentifier', 'LoadBalancer', 'TargetGroup', 'FunctionName']
    .concat(['QueueName', 'TopicName', 'TableName', 'ClusterName', 'ServiceName', 'CacheClusterId'])
    .concat(['ApiName', 'Stage', 'DistributionId', 'StreamName', 'DomainName'])
    .map((dimension) => `dimension_${dimension}`),
];

/** Signatures known by name pattern only: alert names that reach them. */
const PATTERN_ONLY: readonly (readonly [string, string])[] = [
  ['CNPGClusterOffline', 'cloudnativepg-cluster'],
  ['CNPGClusterInstancesOnSameNode', 'cloudnativepg-cluster'],
  ['CNPGClusterHighConnectionsWarning', 'cloudnativepg-cluster'],
  // Azure Monitor, Google Cloud and Datadog titles as PagerDuty sends them, and CloudWatch alarm names.
  ['Fired:Sev1 Azure Monitor Alert VM Availability on vm-web-02', 'azure-vm'],
  ['ServiceBus deadletter on sb-orders', 'azure-service-bus'],
  ['Fired:Sev2 Azure Monitor Alert postgres storage percent on pg-flex', 'azure-sql-database'],
  ['AKS nodes notready on prod-aks', 'azure-aks'],
  ['CloudSQL replica lag', 'gcp-cloud-sql'],
  ['GKE node notready on prod-gke', 'gcp-gke'],
  ['GKE container restart on prod-gke', 'gcp-gke'],
  ['CloudRun 5xx on checkout', 'gcp-cloud-run'],
  ['GCE instance down on web-1', 'gcp-compute-engine'],
  ['[Triggered] Postgres connections approaching limit on db-1', 'datadog-integration-monitor'],
  ['[Triggered] Host web-1 is not reporting', 'datadog-host-not-reporting'],
  ['ALARM: "web-1-StatusCheckFailed_System" in US East (N. Virginia)', 'aws-ec2-status-check'],
  ['rds-orders-free-storage-space', 'aws-rds-storage'],
  ['alb-orders-elb-502', 'aws-elb-5xx'],
  ['lambda-ingest-duration', 'aws-lambda-duration'],
  ['sqs-orders-age-of-oldest-message', 'aws-sqs-backlog'],
  ['sns-alerts-delivery-failed', 'aws-sns-delivery-failed'],
  ['dynamodb-orders-read-throttle', 'aws-dynamodb-throttles'],
  ['ecs-orders-running-tasks-low', 'aws-ecs-running-tasks'],
  ['eks-pod-memory-high', 'aws-ecs-service-resources'],
  ['prod-apigw-4xx-errors', 'aws-apigateway-errors'],
  ['cloudfront-5xx-error-rate', 'aws-cloudfront-errors'],
  ['kinesis-orders-write-throttled', 'aws-kinesis-stream'],
];

/** Signatures known by the `reason` label only (no alert name): a reason that reaches each. */
const REASON_ONLY: readonly (readonly [string, string])[] = [
  ['CreateContainerConfigError', 'container-config-error'],
  ['RunContainerError', 'container-config-error'],
];

/** Whether a step is one a shell would run (not prose, not PromQL); "On HOST: cmd" checks `cmd`. */
function commandOf(step: string): string | null {
  const onHost = /^On [^:]+: (.*)$/s.exec(step);
  const command = onHost ? (onHost[1] as string) : step;
  return /^(?:sudo )?[a-z][\w.-]*(?:\s|$)/.test(command) ? command : null;
}

interface Parsed {
  /** What the shell would expand: the text outside single quotes and comments. */
  exposed: string;
  /** The words after quote removal; the operators `;`, `|` and `&` are words of their own. */
  words: string[];
}

const OPERATORS = ';|&';

/** A small POSIX-shell reading of `command`: enough to see what is quoted and what each word is. */
function parse(command: string): Parsed {
  let exposed = '';
  const words: string[] = [];
  let word: string | null = null;
  let state: 'plain' | 'single' | 'double' = 'plain';
  const add = (text: string) => {
    word = (word ?? '') + text;
  };
  const end = () => {
    if (word !== null) words.push(word);
    word = null;
  };
  for (let i = 0; i < command.length; i += 1) {
    const c = command[i] as string;
    if (state === 'single') {
      if (c === "'") state = 'plain';
      else add(c);
    } else if (c === '\\') {
      i += 1; // an escaped character is literal
      add(command[i] ?? '');
    } else if (state === 'double') {
      if (c === '"') state = 'plain';
      else {
        exposed += c;
        add(c);
      }
    } else if (c === '#' && word === null) {
      break; // a comment
    } else if (c === "'" || c === '"') {
      state = c === "'" ? 'single' : 'double';
      add('');
    } else if (/\s/.test(c)) {
      end();
    } else if (OPERATORS.includes(c)) {
      end();
      words.push(c);
      exposed += c;
    } else {
      exposed += c;
      add(c);
    }
  }
  end();
  return { exposed, words };
}

/** The commands a step runs, nested ones too: the remote command of `ssh HOST …`, the script of `sh -c …`. */
function commandsIn(command: string, depth = 0): Parsed[] {
  const parsed = parse(command);
  const nested: Parsed[] = [];
  if (depth < 3) {
    parsed.words.forEach((word, index) => {
      if (word === 'ssh' && parsed.words[index + 1] !== undefined) {
        const rest = parsed.words.slice(index + 2);
        const stop = rest.findIndex((w) => OPERATORS.includes(w));
        const remoteCommand = (stop === -1 ? rest : rest.slice(0, stop)).join(' ');
        if (remoteCommand) nested.push(...commandsIn(remoteCommand, depth + 1));
      }
      const script = parsed.words[index + 2];
      if ((word === 'sh' || word === 'bash') && parsed.words[index + 1] === '-c' && script) {
        nested.push(...commandsIn(script, depth + 1));
      }
    });
  }
  return [parsed, ...nested];
}

const exposedIn = (command: string): string =>
  commandsIn(command)
    .map((parsed) => parsed.exposed)
    .join('\n');

describe('offline next steps with hostile label values', () => {
  const named = [
    ...CATALOGUE.flatMap((signature) => (signature.names ?? []).map((name) => [name, signature.id] as const)),
    ...PATTERN_ONLY,
  ];

  it('reads quoting as a shell does', () => {
    expect(exposedIn(`kubectl -n 'a$(b)' get pods # $(c)`)).not.toContain('$(');
    expect(exposedIn('curl http://a$(b)/metrics')).toContain('$(b)');
    expect(exposedIn('echo "a$(b)"')).toContain('$(b)');
    expect(exposedIn(String.raw`echo 'a'\''$(b)'`)).not.toContain('$(');
    // Quoted once is not enough for a command that runs on another host or through `sh -c`.
    expect(exposedIn(`ssh host 'ls /dev/a$(b)'`)).toContain('$(b)');
    expect(exposedIn(String.raw`ssh host 'ls /dev/'\''a$(b)'\'''`)).not.toContain('$(');
    expect(exposedIn(`oc debug node/n -- chroot /host sh -c 'journalctl -u a$(b)'`)).toContain('$(b)');
  });

  const expectQuoted = (alerts: ReturnType<typeof testAlert>[]) => {
    const analysis = analyzeOffline({ ...testInput(alerts, T0), incident: testIncident(alerts, T0, 1) });
    for (const step of analysis.nextSteps) {
      const command = commandOf(step);
      if (!command) continue;
      const exposed = exposedIn(command);
      for (const expansion of EXPANSIONS) expect(exposed, step).not.toContain(expansion);
    }
  };

  it('pattern-only names reach the signature they are listed for', () => {
    for (const [name, id] of PATTERN_ONLY)
      expect(matchSignature(viewOf(testAlert({ labels: { alertname: name } }, { at: T0 })))?.id, name).toBe(
        id,
      );
  });

  it.each(named)('%s (%s): label values never reach a shell unquoted', (name) => {
    for (const hostile of HOSTILE) {
      const labels = Object.fromEntries(LABEL_KEYS.map((key) => [key, hostile]));
      expectQuoted([testAlert({ labels: { ...labels, alertname: name } }, { at: T0 })]);
    }
  });

  it.each(REASON_ONLY)('reason %s (%s): label values never reach a shell unquoted', (reason, id) => {
    for (const hostile of HOSTILE) {
      const labels = Object.fromEntries(LABEL_KEYS.map((key) => [key, hostile]));
      const alert = testAlert({ labels: { ...labels, alertname: 'PodBroken', reason } }, { at: T0 });
      expect(matchSignature(viewOf(alert))?.id).toBe(id);
      expectQuoted([alert]);
    }
  });
});
