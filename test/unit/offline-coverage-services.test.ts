/**
 * Offline catalogue coverage for proxies, web/app servers and their runtimes, background jobs, DNS, CI and
 * generic SLO alerts: one realistic alert per family, rendered as its rule renders it (awesome-prometheus-alerts,
 * the Celery and NodeLocal DNS mixins, Pyrra, GitLab's metrics catalogue), with the runbook's first cause on top;
 * plus the name patterns that must not take other technologies' alerts.
 */
import { describe, expect, it } from 'vitest';
import type { AlertSpec } from '../support/incidents.ts';
import { awesomeDescription, offlineHarness } from '../support/offline.ts';

const T0 = '2024-06-03T08:40:00.000Z';

const { alert, analyze, signatureOf } = offlineHarness(T0, {
  prometheus: 'http://prometheus:9090',
  incidentId: 11,
  service: 'unknown',
});
const idOf = (alertname: string, labels: Record<string, string> = {}): string | undefined =>
  signatureOf({ labels: { alertname, ...labels } });
const awesome = awesomeDescription;

// [name, alert, signature id, top cause, a step that quotes a real label]
const FAMILIES: [string, AlertSpec, string, RegExp, string][] = [
  [
    'Php-fpmMax-childrenReached',
    {
      labels: { alertname: 'Php-fpmMax-childrenReached', instance: 'web-3:9253', severity: 'warning' },
      annotations: {
        summary: 'PHP-FPM max-children reached (instance web-3:9253)',
        description: awesome(
          'PHP-FPM reached max children on web-3:9253 (7 times in the last 5m)',
          'instance:web-3:9253',
        ),
      },
      expr: 'sum(increase(phpfpm_max_children_reached_total[5m])) by (instance) > 3',
    },
    'web-server-workers-saturated',
    /slow dependency/,
    'instance="web-3:9253"',
  ],
  [
    'ApacheRestart',
    {
      labels: { alertname: 'ApacheRestart', instance: 'www-1:9117', severity: 'warning' },
      annotations: {
        summary: 'Apache restart (instance www-1:9117)',
        description: awesome('Apache has just been restarted.', 'instance:www-1:9117'),
      },
    },
    'web-server-restarted',
    /deploy, configuration reload/,
    'ssh www-1',
  ],
  [
    'CaddyReverseProxyDown',
    {
      labels: { alertname: 'CaddyReverseProxyDown', upstream: 'app:8080', severity: 'critical' },
      annotations: {
        summary: 'Caddy reverse proxy down (instance )',
        description: 'All Caddy reverse proxies are down\n LABELS = map[upstream:app:8080]',
      },
    },
    'proxy-backend-down',
    /backend pods\/servers are down/,
    'caddy_reverse_proxy_upstreams_healthy{upstream="app:8080"}',
  ],
  [
    'HaproxyFrontendSecurityBlockedRequests',
    {
      labels: {
        alertname: 'HaproxyFrontendSecurityBlockedRequests',
        proxy: 'fe_https',
        instance: 'lb-1:8405',
      },
      annotations: {
        summary: 'HAProxy frontend security blocked requests (instance lb-1:8405)',
        description: awesome('HAProxy is blocking requests for security reason', 'proxy:fe_https'),
      },
    },
    'http-4xx',
    /scanner, bot or abusive client/,
    'show table fe_https',
  ],
  [
    'ErrorBudgetBurn (Pyrra)',
    {
      labels: {
        alertname: 'ErrorBudgetBurn',
        slo: 'checkout-availability',
        long: '1h',
        short: '5m',
        severity: 'critical',
        namespace: 'shop',
        deployment: 'checkout',
      },
    },
    'slo-error-budget-burn',
    /recent deploy or config change of `checkout` introduced errors/,
    'kubectl -n shop rollout history deployment/checkout',
  ],
  [
    'WebServiceWorkhorseApdexSLOViolation (GitLab)',
    {
      labels: {
        alertname: 'WebServiceWorkhorseApdexSLOViolation',
        type: 'web',
        component: 'workhorse',
        env: 'gprd',
        severity: 's2',
      },
      annotations: {
        title: 'The workhorse SLI of the web service has an apdex violating SLO',
        description: 'Aggregation of all web requests through workhorse.',
      },
    },
    'slo-error-budget-burn',
    /Overload: a traffic spike/,
    'gitlab_component_apdex:ratio_1h{type="web", component="workhorse"}',
  ],
  [
    'GitalyServiceGoserverTrafficCessationSingleNode (GitLab)',
    {
      labels: {
        alertname: 'GitalyServiceGoserverTrafficCessationSingleNode',
        type: 'gitaly',
        component: 'goserver',
        fqdn: 'file-07',
        severity: 's2',
      },
      annotations: {
        title: 'The goserver SLI of the gitaly service on node file-07 has not received any traffic',
      },
    },
    'traffic-drop',
    /down or unreachable/,
    'gitlab_component_ops:rate_5m{type="gitaly", component="goserver"}',
  ],
  [
    'component_saturation_slo_out_of_bounds:kube_persistent_volume_claim_disk_space (GitLab)',
    {
      labels: {
        alertname: 'component_saturation_slo_out_of_bounds:kube_persistent_volume_claim_disk_space',
        type: 'kube',
        component: 'kube_persistent_volume_claim_disk_space',
        severity: 's3',
      },
    },
    'saturation-slo',
    /Data growth/,
    'component="kube_persistent_volume_claim_disk_space"',
  ],
  [
    'SidekiqSchedulingLatencyTooHigh',
    {
      labels: {
        alertname: 'SidekiqSchedulingLatencyTooHigh',
        name: 'mailers',
        instance: 'sidekiq-exporter:9292',
      },
      annotations: {
        summary: 'Sidekiq scheduling latency too high (instance sidekiq-exporter:9292)',
        description: awesome(
          'Sidekiq jobs are taking more than 1min to be picked up. Users may be seeing delays in background processing.',
          'name:mailers',
        ),
      },
    },
    'job-queue-backlog',
    /Too few workers/,
    'sidekiq_queue_latency{name="mailers"}',
  ],
  [
    'CeleryTaskHighFailRate',
    {
      labels: {
        alertname: 'CeleryTaskHighFailRate',
        job: 'celery',
        namespace: 'billing',
        name: 'invoices.send',
      },
      annotations: {
        summary: 'Celery high task fail rate.',
        description: 'More than 5% tasks failed for the task billing/invoices.send the past 10m.',
      },
    },
    'job-failures',
    /recent release broke the task/,
    'celery_task_failed_total{name="invoices.send"}',
  ],
  [
    'CeleryWorkerDown',
    {
      labels: {
        alertname: 'CeleryWorkerDown',
        job: 'celery',
        hostname: 'celery@worker-5',
        namespace: 'billing',
      },
      annotations: {
        summary: 'A Celery worker is offline.',
        description: 'The Celery worker celery@worker-5 is offline.',
      },
    },
    'workers-down',
    /crash or are OOM-killed/,
    'kubectl -n billing get pods',
  ],
  [
    'GoHeapIn-useGrowing',
    {
      labels: { alertname: 'GoHeapIn-useGrowing', instance: 'api-2:8080', job: 'api' },
      annotations: {
        summary: 'Go heap in-use growing (instance api-2:8080)',
        description: awesome(
          'Go heap in-use memory is growing steadily, potential memory leak or under-sized heap',
          'instance:api-2:8080 job:api',
        ),
      },
    },
    'app-runtime-memory',
    /memory leak/,
    'go_memstats_heap_inuse_bytes{instance="api-2:8080"}',
  ],
  [
    'GoGoroutineCountHigh',
    {
      labels: { alertname: 'GoGoroutineCountHigh', instance: 'api-2:8080', job: 'api' },
      annotations: {
        summary: 'Go goroutine count high (instance api-2:8080)',
        description: awesome(
          'Go application has too many goroutines (> 1000), potential goroutine leak',
          'job:api',
        ),
      },
    },
    'go-goroutines-threads',
    /goroutine leak/,
    'go_goroutines{instance="api-2:8080"}',
  ],
  [
    'JenkinsNodeOffline',
    {
      labels: { alertname: 'JenkinsNodeOffline', instance: 'jenkins.example.com', severity: 'critical' },
      annotations: {
        summary: 'Jenkins node offline (instance jenkins.example.com)',
        description: awesome(
          'At least one Jenkins node offline: `jenkins.example.com` in realm /prod ()',
          'instance:jenkins.example.com',
        ),
      },
    },
    'ci-agents-offline',
    /lost its connection to the controller/,
    'https://jenkins.example.com/computer/api/json',
  ],
  [
    'JenkinsLastBuildFailed',
    {
      labels: {
        alertname: 'JenkinsLastBuildFailed',
        instance: 'jenkins.example.com',
        jenkins_job: 'shop-api',
      },
      annotations: {
        summary: 'Jenkins last build failed (instance jenkins.example.com)',
        description: awesome('Last build failed: shop-api.', 'jenkins_job:shop-api'),
      },
    },
    'ci-build-failures',
    /code or pipeline change broke the build/,
    '/job/shop-api/lastFailedBuild/consoleText',
  ],
  [
    'JenkinsHealthcheck',
    {
      labels: { alertname: 'JenkinsHealthcheck', instance: 'jenkins.example.com' },
      annotations: {
        summary: 'Jenkins healthcheck (instance jenkins.example.com)',
        description: awesome(
          'Jenkins healthcheck score: 0.75. Healthcheck failure',
          'instance:jenkins.example.com',
        ),
      },
    },
    'jenkins-health',
    /low on disk or temporary space/,
    'https://jenkins.example.com/metrics/',
  ],
  [
    'GitlabCiRunnerAuthenticationFailures',
    {
      labels: { alertname: 'GitlabCiRunnerAuthenticationFailures', instance: 'gitlab.example.com:9168' },
      annotations: {
        summary: 'GitLab CI runner authentication failures (instance gitlab.example.com:9168)',
        description: awesome('GitLab CI runners are experiencing authentication failures (12 failures).', ''),
      },
    },
    'ci-auth-failures',
    /runner authentication token expired/,
    'gitlab-runner verify',
  ],
  [
    'GitlabGitalyResourceExhausted',
    {
      labels: { alertname: 'GitlabGitalyResourceExhausted', instance: 'gitaly-1:9236', job: 'gitaly' },
      annotations: {
        summary: 'GitLab Gitaly resource exhausted (instance gitaly-1:9236)',
        description: awesome(
          'Gitaly on gitaly-1:9236 is returning ResourceExhausted errors, indicating overload (3.2%).',
          '',
        ),
      },
    },
    'gitaly-overload',
    /Expensive Git traffic/,
    'instance="gitaly-1:9236"',
  ],
  [
    'GitlabVersionMismatch',
    {
      labels: { alertname: 'GitlabVersionMismatch' },
      annotations: {
        summary: 'GitLab version mismatch (instance )',
        description: awesome('Multiple GitLab versions are running across the fleet.', ''),
      },
    },
    'gitlab-version-mismatch',
    /rolling deployment or upgrade/,
    'gitlab_build_info',
  ],
  [
    'GitlabDatabaseConnectionPoolWaiting',
    {
      labels: {
        alertname: 'GitlabDatabaseConnectionPoolWaiting',
        instance: 'web-4:8083',
        class: 'ActiveRecord::Base',
      },
      annotations: {
        summary: 'GitLab database connection pool waiting (instance web-4:8083)',
        description: awesome('GitLab on web-4:8083 has 6 threads waiting for a database connection.', ''),
      },
    },
    'app-db-connection-pool',
    /Slow queries or lock waits/,
    'gitlab_database_connection_pool_waiting{instance="web-4:8083"}',
  ],
  [
    'NodeLocalDNSSetupErrorsHigh',
    {
      labels: {
        alertname: 'NodeLocalDNSSetupErrorsHigh',
        errortype: 'iptables_lock',
        node: 'worker-9',
        severity: 'critical',
      },
      annotations: { message: 'There are iptables_lock errors setting up Node Local DNS.' },
    },
    'nodelocaldns',
    /link-local interface or iptables rules/,
    'grep -i iptables_lock',
  ],
  [
    'SpinnakerPollingMonitorItemsOverThreshold',
    {
      labels: {
        alertname: 'SpinnakerPollingMonitorItemsOverThreshold',
        monitor: 'DockerMonitor',
        partition: 'dockerhub',
        instance: 'spin-igor:8088',
        namespace: 'spinnaker',
      },
      annotations: {
        summary: 'Spinnaker polling monitor items over threshold (instance spin-igor:8088)',
        description: awesome(
          'Igor polling monitor DockerMonitor for dockerhub has exceeded its item threshold, preventing pipeline triggers.',
          'monitor:DockerMonitor partition:dockerhub',
        ),
      },
    },
    'spinnaker',
    /burst of new items/,
    'kubectl -n spinnaker logs deploy/spin-igor',
  ],
  [
    'KeycloakNoSuccessfulLogins',
    {
      labels: { alertname: 'KeycloakNoSuccessfulLogins', realm: 'customers', instance: 'keycloak-0:8080' },
      annotations: {
        summary: 'Keycloak no successful logins (instance keycloak-0:8080)',
        description: awesome(
          'No successful logins in realm customers for the last 15 minutes.',
          'realm:customers',
        ),
      },
    },
    'keycloak-auth-failures',
    /user store behind the realm/,
    'keycloak_failed_login_attempts(_total)?", realm="customers"}',
  ],
  [
    'a Sloth-generated page alert (named by its team)',
    {
      labels: {
        alertname: 'CheckoutRequestsAvailability',
        sloth_id: 'checkout-requests-availability',
        sloth_service: 'checkout',
        sloth_slo: 'requests-availability',
        sloth_severity: 'page',
        severity: 'critical',
      },
      annotations: {
        summary: 'High error rate on checkout requests responses',
        title: '(page) checkout requests-availability SLO error budget burn rate is too fast.',
      },
      expr: '(max(slo:sli_error:ratio_rate5m{sloth_id="checkout-requests-availability", sloth_service="checkout", sloth_slo="requests-availability"} > (14.4 * 0.001)) without (sloth_window) and max(slo:sli_error:ratio_rate1h{sloth_id="checkout-requests-availability"} > (14.4 * 0.001)) without (sloth_window))',
    },
    'slo-error-budget-burn',
    /recent deploy or config change of `checkout`/,
    'slo:current_burn_rate:ratio{sloth_id="checkout-requests-availability"}',
  ],
  [
    'TraefikConfigReloadFailuresIncreasing',
    {
      labels: {
        alertname: 'TraefikConfigReloadFailuresIncreasing',
        job: 'traefik',
        namespace: 'traefik',
        severity: 'critical',
      },
      annotations: {
        summary: 'Traefik is failing to reload its configuration.',
        description: 'Traefik is failing to reload its config in traefik.',
      },
    },
    'traefik-config-reload-failed',
    /invalid configuration/,
    'kubectl -n traefik logs',
  ],
];

describe('offline catalogue coverage: proxies, app servers, jobs, CI, SLOs', () => {
  it.each(FAMILIES)('%s', (_name, spec, id, topCause, step) => {
    expect(signatureOf(spec)).toBe(id);
    const analysis = analyze([alert(spec)]);
    expect(analysis.summary).not.toMatch(/No known signature/);
    expect(analysis.rootCauses[0]?.title).toMatch(topCause);
    expect(analysis.rootCauses.length).toBeGreaterThanOrEqual(2);
    const evidence = analysis.rootCauses[0]?.evidence.join('\n') ?? '';
    expect(evidence).toContain(`\`${spec.labels.alertname}\` firing`);
    expect(analysis.nextSteps.join('\n')).toContain(step);
  });
});

describe('offline catalogue coverage: names that must go to the right signature', () => {
  it("Envoy's downstream 5xx/timeouts are not a backend down", () => {
    expect(idOf('EnvoyHighDownstreamHttp5xxErrorRate')).toBe('http-5xx');
    expect(idOf('EnvoyHighDownstreamRequestTimeoutRate')).toBe('proxy-upstream-errors');
    expect(idOf('EnvoyDownstreamCxDestroyHigh')).not.toBe('proxy-backend-down');
    expect(idOf('TraefikBackendDown')).toBe('proxy-backend-down');
  });

  it('ingress-nginx chart and awesome-prometheus-alerts names all land', () => {
    expect(idOf('NGINXTooMany500s')).toBe('http-5xx');
    expect(idOf('NGINXTooMany400s')).toBe('http-4xx');
    expect(idOf('CaddyHighHttp5xxErrorRateService')).toBe('http-5xx');
    expect(idOf('HaproxyBackendMaxActiveSession>80%')).toBe('proxy-saturation');
  });

  it("Go, Python and Ruby GC alerts are the runtime's, not the JVM's", () => {
    expect(idOf('GoGcDurationHigh')).toBe('app-runtime-memory');
    expect(idOf('GoGcPauseTooLong')).toBe('app-runtime-memory');
    expect(idOf('RubyMajorGcRateHigh')).toBe('app-runtime-memory');
    expect(idOf('JvmGcPauseTooLong')).toBe('jvm-gc-time');
  });

  it('the worker-pool pattern is the Apache HTTP server, not Apache Kafka/Spark', () => {
    expect(idOf('GunicornWorkersBusy')).toBe('web-server-workers-saturated');
    expect(idOf('ApacheKafkaThreadPoolExhausted')).not.toBe('web-server-workers-saturated');
    expect(idOf('ApacheSparkWorkerQueueFull')).not.toBe('web-server-workers-saturated');
  });

  it('Sidekiq/Celery queues are job queues, not Kafka/RabbitMQ consumer lag', () => {
    expect(idOf('CeleryHighQueueLength')).toBe('job-queue-backlog');
    expect(idOf('SidekiqQueueSize')).toBe('job-queue-backlog');
    expect(idOf('KafkaConsumerLag')).toBe('queue-backlog');
  });

  it('generic SLO burn and traffic patterns leave specific signatures and monitoring stacks alone', () => {
    expect(idOf('KubeAPIErrorBudgetBurn')).not.toBe('slo-error-budget-burn');
    expect(idOf('ThanosQueryErrorBudgetBurn')).not.toBe('slo-error-budget-burn');
    expect(idOf('LokiNoTraffic')).not.toBe('traffic-drop');
    expect(idOf('PgbouncerConnectionPoolSaturation')).not.toBe('app-db-connection-pool');
    expect(idOf('CheckoutAvailabilitySLOBurnRateHigh')).toBe('slo-error-budget-burn');
  });

  it('a latency SLO burns from overload first, an availability SLO from a bad change first', () => {
    const latency = analyze([
      alert({ labels: { alertname: 'ErrorBudgetBurn', slo: 'api-latency', long: '6h', short: '30m' } }),
    ]);
    expect(latency.rootCauses[0]?.title).toMatch(/Overload/);
    const errors = analyze([
      alert({ labels: { alertname: 'ErrorBudgetBurn', slo: 'api-availability', long: '6h', short: '30m' } }),
    ]);
    expect(errors.rootCauses[0]?.category).toBe('deployment');
    expect(errors.rootCauses.map((c) => c.category)).toContain('dependency');
  });
});
