/**
 * AWS CloudWatch alarms in the offline catalogue: each family reached from a PagerDuty incident title (the CloudWatch
 * `ALARM: "name" in Region` shape, or the bare alarm name) and from a CloudWatch-exporter rule (YACE metric names in
 * the expression, `dimension_*` labels), with the cause the AWS documentation names first; and the alerts of other
 * technologies staying where they were.
 */
import { describe, expect, it } from 'vitest';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import { analyzeOffline, matchSignature } from '../../src/analysis/offline/index.ts';
import type { Analysis } from '../../src/analysis/schema.ts';
import { testAlert, testIncident, testInput } from '../support/incidents.ts';

const T0 = '2024-06-03T08:40:00.000Z';
const PD = { service: 'Orders Platform', severity: 'critical', incident_key: 'abc123' };

/** A PagerDuty incident: the title is the alert name and the summary; no description. */
const pagerduty = (title: string) =>
  testAlert({ labels: { alertname: title, ...PD }, annotations: { summary: title } }, { at: T0 });
const exporter = (alertname: string, expr: string, labels: Record<string, string> = {}) =>
  testAlert({ labels: { alertname, severity: 'warning', ...labels }, expr }, { at: T0 });

type Alert = ReturnType<typeof pagerduty>;
const idOf = (alert: Alert) => matchSignature(viewOf(alert))?.id;
function analyze(alert: Alert): Analysis {
  return analyzeOffline({ ...testInput([alert], T0), incident: testIncident([alert], T0, 1) });
}

const cases: [Alert, string, RegExp][] = [
  // EC2 / EBS
  [
    pagerduty('ALARM: "web-1-StatusCheckFailed_System" in US East (N. Virginia)'),
    'aws-ec2-status-check',
    /AWS host/,
  ],
  [pagerduty('ec2-api-instance-status-check-failed'), 'aws-ec2-status-check', /out of memory or hung/],
  [
    exporter('EC2StatusCheck', 'aws_ec2_status_check_failed_system_maximum > 0', {
      dimension_InstanceId: 'i-0abc',
    }),
    'aws-ec2-status-check',
    /AWS host/,
  ],
  [
    pagerduty('ALARM: "bastion-cpu-credit-balance-low" in EU (Ireland)'),
    'aws-burstable-cpu-credits',
    /baseline/,
  ],
  [pagerduty('ebs-data-volume-burst-balance'), 'aws-ebs-volume', /gp2/],
  [
    pagerduty('ALARM: "vol-0abc-VolumeQueueLength" in US West (Oregon)'),
    'aws-ebs-volume',
    /IOPS\/throughput/,
  ],
  // RDS / Aurora
  [
    pagerduty('ALARM: "prod-orders-rds-high-cpu" in US East (N. Virginia)'),
    'aws-rds-cpu',
    /Expensive queries/,
  ],
  [pagerduty('awsrds-prod-db-High-CPU-Utilization'), 'aws-rds-cpu', /Expensive queries/],
  [
    exporter('RDSHighCPU', 'aws_rds_cpuutilization_average > 90', {
      dimension_DBInstanceIdentifier: 'orders-db',
    }),
    'aws-rds-cpu',
    /Expensive queries/,
  ],
  [
    pagerduty('ALARM: "orders-db-FreeableMemory" in US East (Ohio)'),
    'aws-rds-memory',
    /Too many connections/,
  ],
  [pagerduty('rds-orders-free-storage-space-low'), 'aws-rds-storage', /autoscaling/],
  [
    exporter('DatabaseDiskLow', 'aws_rds_free_storage_space_average < 10e9', {
      dbinstance_identifier: 'orders-db',
    }),
    'aws-rds-storage',
    /autoscaling/,
  ],
  [
    pagerduty('ALARM: "aurora-orders-replica-lag" in EU (Frankfurt)'),
    'aws-rds-replica-lag',
    /High write workload/,
  ],
  [pagerduty('rds-orders-high-connections'), 'aws-rds-connections', /pooling/],
  [pagerduty('aurora-orders-deadlocks'), 'aws-rds-deadlocks', /different orders/],
  [pagerduty('rds-orders-write-latency-high'), 'aws-rds-latency', /IOPS\/throughput/],
  // Load balancers
  [
    pagerduty('ALARM: "orders-api-alb-5xx" in US East (N. Virginia)'),
    'aws-elb-target-5xx',
    /Application errors/,
  ],
  [
    exporter('ALB5xxErrors', 'increase(aws_applicationelb_httpcode_target_5_xx_count_sum[5m]) > 5', {
      dimension_LoadBalancer: 'app/orders-alb/50dc6c495c0c9188',
    }),
    'aws-elb-target-5xx',
    /Application errors/,
  ],
  [pagerduty('orders-alb-elb-5xx'), 'aws-elb-5xx', /keep-alive/],
  [pagerduty('ALARM: "orders-alb-503" in US East (N. Virginia)'), 'aws-elb-5xx', /No healthy targets/],
  [pagerduty('orders-alb-504-gateway-timeout'), 'aws-elb-5xx', /idle timeout/],
  [
    exporter('ELBGenerated5xx', 'sum(rate(aws_applicationelb_httpcode_elb_5_xx_count_sum[5m])) > 1'),
    'aws-elb-5xx',
    /keep-alive/,
  ],
  [
    pagerduty('ALARM: "orders-tg-UnHealthyHostCount" in US East (N. Virginia)'),
    'aws-elb-unhealthy-hosts',
    /down, crashing/,
  ],
  [pagerduty('nlb-orders-unhealthy-hosts'), 'aws-elb-unhealthy-hosts', /down, crashing/],
  [pagerduty('orders-alb-target-response-time'), 'aws-elb-latency', /slow dependency/],
  [pagerduty('orders-alb-rejected-connections'), 'aws-elb-connections', /surge queue/],
  // Lambda
  [
    pagerduty('ALARM: "lambda-checkout-errors" in US East (N. Virginia)'),
    'aws-lambda-errors',
    /Unhandled exceptions/,
  ],
  [
    exporter('LambdaErrors', 'sum(aws_lambda_errors_sum) > 0', { dimension_FunctionName: 'checkout' }),
    'aws-lambda-errors',
    /Unhandled exceptions/,
  ],
  [pagerduty('lambda-checkout-throttles'), 'aws-lambda-throttles', /reserved concurrency/],
  [
    pagerduty('ALARM: "checkout-lambda-duration-near-timeout" in EU (Ireland)'),
    'aws-lambda-duration',
    /downstream dependency/,
  ],
  [pagerduty('lambda-ingest-iterator-age'), 'aws-lambda-iterator-age', /failing batch/],
  [pagerduty('lambda-checkout-dead-letter-errors'), 'aws-lambda-dead-letter-errors', /permission/],
  [pagerduty('ConcurrentExecutions'), 'aws-lambda-throttles', /reserved concurrency/],
  // SQS / SNS
  [pagerduty('ALARM: "sqs-orders-dlq-not-empty" in US East (N. Virginia)'), 'aws-sqs-dlq', /poison messages/],
  [pagerduty('orders-dlq-not-empty'), 'aws-sqs-dlq', /poison messages/],
  [pagerduty('sqs-orders-age-of-oldest-message'), 'aws-sqs-backlog', /Consumers are down/],
  [
    exporter(
      'SQSMessageAge',
      'aws_sqs_approximate_age_of_oldest_message_maximum{queue_name="orders"} > 300',
      {
        queue_name: 'orders',
      },
    ),
    'aws-sqs-backlog',
    /Consumers are down/,
  ],
  [pagerduty('sqs-orders-visible-messages-high'), 'aws-sqs-backlog', /Consumers are down/],
  [
    pagerduty('ALARM: "sns-alerts-NumberOfNotificationsFailed" in US East (N. Virginia)'),
    'aws-sns-delivery-failed',
    /endpoint is down/,
  ],
  // DynamoDB
  [pagerduty('dynamodb-orders-throttled-requests'), 'aws-dynamodb-throttles', /Provisioned capacity too low/],
  [
    exporter('DynamoWriteThrottles', 'sum(aws_dynamodb_write_throttle_events_sum) > 0', {
      dimension_TableName: 'orders',
    }),
    'aws-dynamodb-throttles',
    /Provisioned capacity too low/,
  ],
  [pagerduty('ddb-orders-system-errors'), 'aws-dynamodb-errors', /Transient internal errors/],
  // ECS / EKS
  [
    pagerduty('ALARM: "ecs-orders-service-cpu-high" in US East (N. Virginia)'),
    'aws-ecs-service-resources',
    /More load/,
  ],
  [pagerduty('ecs-orders-memory-utilization'), 'aws-ecs-service-resources', /Memory grows/],
  [pagerduty('ecs-orders-running-task-count-low'), 'aws-ecs-running-tasks', /exit or fail health checks/],
  // ElastiCache
  [
    pagerduty('ALARM: "elasticache-sessions-evictions" in US East (N. Virginia)'),
    'aws-elasticache-memory',
    /maxmemory/,
  ],
  [pagerduty('elasticache-sessions-high-cpu'), 'aws-elasticache-cpu', /Expensive commands/],
  [pagerduty('elasticache-sessions-swap-usage'), 'aws-elasticache-memory', /reserved/],
  [
    exporter('CacheEngineCPU', 'aws_elasticache_engine_cpuutilization_average > 90', {
      dimension_CacheClusterId: 'sessions-001',
    }),
    'aws-elasticache-cpu',
    /Expensive commands/,
  ],
  // API Gateway / CloudFront
  [
    pagerduty('ALARM: "orders-apigw-5XXError" in US East (N. Virginia)'),
    'aws-apigateway-errors',
    /integration fails/,
  ],
  [pagerduty('api-gateway-orders-4xx-errors'), 'aws-apigateway-errors', /throttled/],
  [
    pagerduty('orders-apigateway-integration-latency'),
    'aws-apigateway-latency',
    /backend integration is slow/,
  ],
  [
    pagerduty('ALARM: "cloudfront-www-5xx-error-rate" in US East (N. Virginia)'),
    'aws-cloudfront-errors',
    /origin returns 5xx/,
  ],
  // Kinesis
  [pagerduty('kinesis-clicks-iterator-age'), 'aws-kinesis-stream', /Consumers too slow/],
  [
    pagerduty('ALARM: "clicks-kinesis-write-throughput-exceeded" in US East (N. Virginia)'),
    'aws-kinesis-stream',
    /write limit/,
  ],
  // OpenSearch Service
  [
    pagerduty('ALARM: "aws-opensearch-logs-cluster-red" in US East (N. Virginia)'),
    'aws-opensearch-cluster-health',
    /Data nodes failed/,
  ],
  [pagerduty('logs-opensearch-cluster-yellow'), 'aws-opensearch-cluster-health', /Not enough data nodes/],
  [pagerduty('ClusterIndexWritesBlocked'), 'aws-opensearch-cluster-health', /Free storage/],
  [pagerduty('logs-opensearch-jvm-memory-pressure'), 'aws-opensearch-resources', /Too many shards/],
  [
    exporter('LogsDomainLowStorage', 'min(aws_es_free_storage_space_minimum) < 20480', {
      dimension_DomainName: 'logs',
    }),
    'aws-opensearch-resources',
    /retention/,
  ],
];

describe('AWS CloudWatch alarms', () => {
  it.each(cases.map(([alert, id, top]) => [alert.alertname, id, top, alert] as const))(
    '%s → %s',
    (_name, id, top, alert) => {
      expect(idOf(alert)).toBe(id);
      const analysis = analyze(alert);
      expect(analysis.rootCauses[0]?.title).toMatch(top);
      expect(analysis.nextSteps.length).toBeGreaterThan(0);
      expect(analysis.summary).not.toMatch(/undefined/);
    },
  );

  it('reads the alarm name and the region from a CloudWatch title', () => {
    const analysis = analyze(pagerduty('ALARM: "prod-orders-rds-high-cpu" in US East (N. Virginia)'));
    const steps = analysis.nextSteps.join('\n');
    expect(steps).toContain(
      'aws cloudwatch describe-alarms --alarm-names prod-orders-rds-high-cpu --region us-east-1',
    );
    expect(analysis.summary).toContain('`prod-orders-rds-high-cpu`');
  });

  it('names the resource from exporter dimensions', () => {
    const analysis = analyze(
      exporter('RDSHighCPU', 'aws_rds_cpuutilization_average > 90', {
        dimension_DBInstanceIdentifier: 'orders-db',
        region: 'eu-west-1',
      }),
    );
    expect(analysis.summary).toContain('`orders-db`');
    expect(analysis.nextSteps.join('\n')).toContain(
      'aws rds describe-db-instances --db-instance-identifier orders-db',
    );
    // An exporter rule has no CloudWatch alarm to describe.
    expect(analysis.nextSteps.join('\n')).not.toContain('describe-alarms');
  });

  it('keeps hostile dimension values quoted', () => {
    // Quotes inside values are the generic shell-safety test's job; here: every dimension goes through sh().
    const hostile = 'x`pwned`$(pwned);pwned';
    const labels = Object.fromEntries(
      [
        'dimension_DBInstanceIdentifier',
        'dimension_FunctionName',
        'dimension_QueueName',
        'dimension_TableName',
        'dimension_LoadBalancer',
        'dimension_TargetGroup',
        'dimension_InstanceId',
        'dimension_VolumeId',
        'dimension_ClusterName',
        'dimension_ServiceName',
        'dimension_CacheClusterId',
        'dimension_StreamName',
        'dimension_DomainName',
        'dimension_TopicName',
        'dimension_ApiName',
        'dimension_DistributionId',
        'region',
      ].map((key) => [key, hostile]),
    );
    for (const [alert] of cases) {
      const analysis = analyze(testAlert({ labels: { ...alert.labels, ...labels } }, { at: T0 }));
      for (const step of analysis.nextSteps) {
        // Outside single quotes, no command substitution may survive.
        const exposed = step.replace(/'[^']*'/g, '');
        expect(exposed, step).not.toContain('`pwned`');
        expect(exposed, step).not.toContain('$(pwned)');
      }
    }
  });

  it.each([
    [{ alertname: 'HighCpuUsage', instance: 'web-1:9100', job: 'node' }, 'home-grown-cpu'],
    [{ alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-7d9f8b6c5d-x2kq9' }, 'crash-loop'],
    [{ alertname: 'RedisDown', instance: 'redis-1:9121' }, undefined],
    [{ alertname: 'MysqlSlaveReplicationLag', instance: 'db-1:9104' }, undefined],
    [{ alertname: 'prod-cards-high-cpu' }, undefined],
    [{ alertname: 'RabbitmqDlqNotEmpty', instance: 'rmq-1:15692' }, undefined],
    [{ alertname: 'KafkaConsumerLag', topic: 'orders' }, undefined],
    [{ alertname: '[Triggered] HAProxy backend 5xx on lb-01' }, undefined],
    [{ alertname: 'nginx-ingress-lb-errors', instance: 'lb-2:10254' }, undefined],
    [{ alertname: 'lb-01 queue time above 500ms' }, undefined],
  ])('leaves %o to the others', (labels, expected) => {
    const id = idOf(testAlert({ labels }, { at: T0 }));
    if (expected) expect(id).toBe(expected);
    else expect(id ?? 'none').not.toMatch(/^aws-/);
  });
});
