/**
 * Monitoring and probes: scrape targets, the Watchdog heartbeat, blackbox probes, TLS certificate expiry, alert
 * notifications that fail to go out.
 */
import { alertEvidence, cause, kubectl, listOf, runbookStep, sel, sh, steps } from '../facts.ts';
import type { AlertView, Signature, SignatureContext } from '../types.ts';

const URL_TARGET = /^(?:[a-z]+:\/\/)?([^/:?#]+)(?::(\d+))?/i;
const CERT_MANAGER = /certmanager|cert_manager|cert-manager/;
const ICMP = /icmp/i;

const more = (ctx: SignatureContext, what: string): string =>
  ctx.alerts.length > 1 ? ` ${ctx.alerts.length} alerts in all, ${what}.` : '';

/** Host and port of a probe target such as `https://shop.example.com/health` or `db:5432`. */
function targetOf(view: AlertView): { host: string; port: string | undefined } | null {
  const target = view.labels.instance ?? view.labels.target ?? view.labels.url ?? view.labels.host;
  if (!target) return null;
  const match = URL_TARGET.exec(target);
  return match?.[1] ? { host: match[1], port: match[2] } : null;
}

export const targetDown: Signature = {
  id: 'target-down',
  title: 'Scrape target down',
  weight: 38,
  role: 'symptom',
  names: [
    'TargetDown',
    'PrometheusTargetMissing',
    'InstanceDown',
    'PrometheusTargetDown',
    'PrometheusTargetMissingWithWarmupTime',
  ],
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const service = v.labels.service;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `Prometheus cannot scrape ${v.labels.job ? `job \`${v.labels.job}\`` : 'a target'}${service ? ` (service \`${service}\`)` : ''}${v.namespace ? ` in \`${v.namespace}\`` : ''}${v.instance ? ` at \`${v.instance}\`` : ''}: the target is down or unreachable.${more(ctx, `jobs ${listOf(ctx.alerts, (a) => a.labels.job)}`)}`,
      causes: [
        cause('The target process is down or restarting', 0.4, 'application', evidence),
        cause(
          'Network policy or firewall blocks the scrape, or the port/path changed',
          0.3,
          'network',
          evidence.slice(0, 1),
        ),
        cause(
          'Service discovery still lists targets that no longer exist',
          0.2,
          'configuration',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        `PromQL: up${sel({ job: v.labels.job, namespace: v.namespace, service })} == 0  # which targets exactly`,
        service && `${k} get endpoints ${sh(service)} -o wide`,
        v.namespace && `${k} get pods -o wide | grep -v Running`,
        v.instance && `curl -s --max-time 5 ${sh(`http://${v.instance}/metrics`)} | head -5`,
        "Prometheus UI → Status → Targets shows each target's last scrape error",
        runbookStep(v),
      ),
    };
  },
};

export const watchdog: Signature = {
  id: 'watchdog',
  title: 'Watchdog heartbeat',
  weight: 1,
  names: ['Watchdog', 'DeadMansSwitch', 'InfoInhibitor', 'PrometheusAlertmanagerE2eDeadManSwitch'],
  analyze(ctx) {
    const v = ctx.primary;
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `\`${v.name}\` always fires by design: it is a heartbeat proving the alerting pipeline works, not a failure.`,
      causes: [
        cause(
          `Alertmanager routing sends the always-firing \`${v.name}\` to an incident receiver`,
          0.7,
          'configuration',
          evidence,
        ),
      ],
      nextSteps: steps(
        `Route alertname="${v.name}" to a dead man's switch (heartbeat service) or the null receiver in alertmanager.yml`,
        `amtool config routes test --config.file=alertmanager.yml alertname=${sh(v.name)}`,
        runbookStep(v),
      ),
    };
  },
};

export const blackboxProbe: Signature = {
  id: 'blackbox-probe-failed',
  role: 'symptom',
  title: 'Blackbox probe failing',
  weight: 50,
  names: [
    'BlackboxProbeFailed',
    'ProbeFailed',
    'EndpointDown',
    'BlackboxProbeHttpFailure',
    'BlackboxProbeDnsFailure',
    'BlackboxProbeHttpStatusCode',
    'BlackboxUnexpectedHttpStatus',
    'SslCertificateProbeFailed',
  ],
  textPattern: /probe_success|does not reply to icmp|probe failed/,
  analyze(ctx) {
    const v = ctx.primary;
    const target = targetOf(v);
    const icmp = ICMP.test(v.labels.job ?? '') || ICMP.test(v.labels.module ?? '');
    const httpStatus = v.key.includes('http') || v.text.includes('probe_http_status_code');
    const dns = !httpStatus && (v.key.includes('dns') || /dns/.test(v.labels.module ?? ''));
    // ssl_exporter's `ssl_probe_success`, not the blackbox exporter.
    const ssl = v.key.startsWith('ssl');
    const evidence = alertEvidence(ctx.alerts);
    return {
      summary: `The ${ssl ? 'ssl_exporter' : 'blackbox'} probe of \`${v.instance ?? target?.host ?? '?'}\` fails: from the prober's point of view the endpoint is down.${more(ctx, `targets ${listOf(ctx.alerts, (a) => a.instance)}`)}`,
      causes: [
        // What the probe checks decides the first suspect: an HTTP status, a DNS answer, or reachability.
        ...(httpStatus
          ? [
              cause(
                `The endpoint answers with an unexpected HTTP status${(v.labels.status_code ?? v.labels.code) ? ` (${v.labels.status_code ?? v.labels.code})` : ''}: the application behind it fails (5xx) or the route/auth changed (4xx)`,
                0.5,
                'application',
                evidence,
              ),
            ]
          : []),
        ...(dns
          ? [
              cause(
                'The DNS server does not answer the probed name as expected (record missing or changed, resolver down)',
                0.5,
                'dependency',
                evidence,
              ),
            ]
          : []),
        cause(
          'The endpoint is down or not answering',
          httpStatus || dns ? 0.3 : 0.45,
          'infrastructure',
          evidence,
        ),
        cause(
          'The network path from the prober is broken (DNS, firewall, routing)',
          0.3,
          'network',
          evidence.slice(0, 1),
        ),
        cause(
          'The probe expects what the endpoint no longer returns (status, TLS, body)',
          0.15,
          'configuration',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        target && icmp && `ping -c 3 ${sh(target.host)}`,
        target &&
          ssl &&
          `echo | openssl s_client -connect ${sh(`${target.host}:${target.port ?? '443'}`)} -servername ${sh(target.host)} 2>&1 | grep -E 'Verify return code|errno|error'`,
        target && !icmp && !ssl && v.instance && `curl -sv --max-time 10 ${sh(v.instance)} -o /dev/null`,
        ssl
          ? `PromQL: ssl_probe_success${sel({ instance: v.instance })}`
          : `PromQL: probe_success${sel({ instance: v.instance })}, probe_http_status_code${sel({ instance: v.instance })}, probe_dns_lookup_time_seconds${sel({ instance: v.instance })}`,
        !ssl &&
          v.instance &&
          `Blackbox debug output: curl '<blackbox-exporter>:9115/probe?target=${encodeURIComponent(v.instance)}&module=${encodeURIComponent(v.labels.module ?? '<module>')}&debug=true'`,
        runbookStep(v),
      ),
    };
  },
};

export const certExpiry: Signature = {
  id: 'tls-cert-expiry',
  role: 'cause',
  title: 'TLS certificate expiring',
  weight: 83,
  names: [
    'X509CertificateExpiry',
    'SSLCertExpiringSoon',
    'SslCertificateWillExpireSoon',
    'BlackboxSslCertificateWillExpireSoon',
    'BlackboxSslCertificateExpired',
    'SSLCertificateExpiry',
    'CertificateExpiringSoon',
    'CertManagerCertExpirySoon',
    'CertManagerCertNotReady',
    'CertManagerCertificateNotReady',
  ],
  namePattern: /(?:ssl|tls|x509|cert)\w*expir|expir\w*(?:ssl|tls|x509|cert)/,
  textPattern:
    /x509|probe_ssl_earliest_cert_expiry|certificate (?:has )?expired|cert(?:ificate)?s? (?:will )?expir/,
  analyze(ctx) {
    const v = ctx.primary;
    const target = targetOf(v);
    const certManager =
      CERT_MANAGER.test(v.key) || CERT_MANAGER.test(v.expr) || Boolean(v.labels.issuer_name);
    const certificate = certManager ? (v.labels.name ?? v.labels.certificate) : undefined;
    const evidence = alertEvidence(ctx.alerts);
    const notReady = v.key.includes('notready');
    return {
      summary: notReady
        ? `cert-manager Certificate${certificate ? ` \`${certificate}\`` : ''}${v.namespace ? ` in \`${v.namespace}\`` : ''} is not Ready (\`${v.name}\`): it could not be issued or renewed, so its Secret is missing or stale.`
        : `The TLS certificate of \`${certificate ?? v.instance ?? target?.host ?? '?'}\` expires soon or has expired: clients will refuse the connection (x509: certificate has expired).${more(ctx, `targets ${listOf(ctx.alerts, (a) => a.instance ?? a.labels.name)}`)}`,
      causes: certManager
        ? [
            cause(
              'cert-manager cannot renew it (ACME challenge failing, issuer misconfigured)',
              0.55,
              'certificate',
              evidence,
            ),
            cause(
              'Renewed certificate not picked up by the server',
              0.2,
              'configuration',
              evidence.slice(0, 1),
            ),
          ]
        : [
            cause(
              'Certificate not renewed in time: it expires or has expired (manual certificate, or renewal automation failing)',
              0.55,
              'certificate',
              evidence,
            ),
            cause(
              'Renewed certificate not picked up (server not reloaded, old Secret mounted)',
              0.3,
              'configuration',
              evidence.slice(0, 1),
            ),
          ],
      nextSteps: steps(
        target &&
          `echo | openssl s_client -connect ${sh(`${target.host}:${target.port ?? '443'}`)} -servername ${sh(target.host)} 2>/dev/null | openssl x509 -noout -dates -issuer -subject`,
        v.instance &&
          `PromQL: (probe_ssl_earliest_cert_expiry${sel({ instance: v.instance })} - time()) / 86400  # days left`,
        certManager && certificate
          ? `${kubectl(v.namespace)} describe certificate ${sh(certificate)}  # then: cmctl status certificate ${sh(certificate)}`
          : 'kubectl get certificates,challenges -A 2>/dev/null  # if cert-manager manages it',
        runbookStep(v),
      ),
    };
  },
};

export const certRevocation: Signature = {
  id: 'tls-cert-revoked',
  role: 'cause',
  title: 'TLS certificate revoked or its OCSP status unknown',
  weight: 80,
  names: ['SslCertificateRevoked', 'SslCertificateOcspStatusUnknown'],
  analyze(ctx) {
    const v = ctx.primary;
    const target = targetOf(v);
    const evidence = alertEvidence(ctx.alerts);
    const revoked = v.key.includes('revoked');
    return {
      summary: revoked
        ? `The certificate served by \`${v.instance ?? target?.host ?? '?'}\` is revoked per its CA's OCSP responder (\`${v.name}\`): clients that check revocation refuse it.`
        : `The OCSP status of the certificate served by \`${v.instance ?? target?.host ?? '?'}\` cannot be determined (\`${v.name}\`).`,
      causes: revoked
        ? [
            cause(
              'The CA revoked the certificate (key compromise report, re-issue, domain validation problem) and the server still serves it',
              0.6,
              'certificate',
              evidence,
            ),
            cause(
              'The replacement certificate is not deployed or not picked up (old Secret mounted, server not reloaded)',
              0.3,
              'configuration',
              evidence.slice(0, 1),
            ),
          ]
        : [
            cause(
              "The CA's OCSP responder is unreachable or slow from the exporter",
              0.5,
              'dependency',
              evidence,
            ),
            cause(
              'The certificate chain lacks the issuer needed to check OCSP (incomplete chain)',
              0.3,
              'configuration',
              evidence.slice(0, 1),
            ),
          ],
      nextSteps: steps(
        target &&
          `echo | openssl s_client -connect ${sh(`${target.host}:${target.port ?? '443'}`)} -servername ${sh(target.host)} -status 2>/dev/null | grep -A3 'OCSP Response Status'`,
        `PromQL: ssl_ocsp_response_status${sel({ instance: v.instance })}, ssl_verified_cert_not_after${sel({ instance: v.instance })}`,
        runbookStep(v),
      ),
    };
  },
};

/** Where an Alertmanager integration sends to, for a reachability test from the Alertmanager pod. */
const INTEGRATION_HOST: Record<string, string> = {
  slack: 'https://hooks.slack.com',
  pagerduty: 'https://events.pagerduty.com',
  opsgenie: 'https://api.opsgenie.com',
  victorops: 'https://alert.victorops.com',
  msteams: 'https://outlook.office.com',
  telegram: 'https://api.telegram.org',
  discord: 'https://discord.com',
};

const PROMETHEUS_TO_ALERTMANAGER =
  /^(?:prometheus|cortex|mimir)(?:errorsendingalerts|notconnectedtoalertmanager|notification(?:arebeingdropped|error))/;

export const notificationsFailing: Signature = {
  id: 'alert-notifications-failing',
  title: 'Alert notifications failing',
  weight: 45,
  names: [
    'AlertmanagerFailedToSendAlerts',
    'AlertmanagerClusterFailedToSendAlerts',
    'PrometheusAlertmanagerNotificationFailing',
    'PrometheusErrorSendingAlertsToSomeAlertmanagers',
    'PrometheusErrorSendingAlertsToAnyAlertmanager',
    'PrometheusNotConnectedToAlertmanagers',
    'PrometheusNotConnectedToAlertmanager',
    'CortexNotConnectedToAlertmanager',
    'CortexNotificationAreBeingDropped',
    'CortexNotificationError',
  ],
  textPattern: /alertmanager_notifications_failed_total|prometheus_notifications_errors_total/,
  analyze(ctx) {
    const v = ctx.primary;
    const k = kubectl(v.namespace);
    const evidence = alertEvidence(ctx.alerts);
    if (PROMETHEUS_TO_ALERTMANAGER.test(v.key)) {
      const ruler = v.key.startsWith('cortex') ? 'Cortex' : v.key.startsWith('mimir') ? 'Mimir' : undefined;
      return {
        summary: `${ruler ? `The ${ruler} ruler` : 'Prometheus'}${v.pod ? ` \`${v.pod}\`` : ''} cannot deliver alerts to Alertmanager (\`${v.name}\`): alerts fire but nobody is notified.`,
        causes: [
          cause(
            `Alertmanager is down or unreachable from ${ruler ? 'the ruler' : 'Prometheus'} (pods, Service, NetworkPolicy, DNS)`,
            0.5,
            'dependency',
            evidence,
          ),
          cause(
            ruler
              ? 'The ruler points at the wrong Alertmanager (-ruler.alertmanager-url, service discovery, TLS or auth)'
              : "Prometheus' alerting config points at the wrong Alertmanager (address, path, TLS or auth)",
            0.35,
            'configuration',
            evidence.slice(0, 1),
          ),
        ],
        nextSteps: steps(
          `${k} get pods${v.namespace ? '' : ' -A'} -l app.kubernetes.io/name=alertmanager -o wide`,
          v.pod &&
            `${k} logs ${sh(v.pod)}${ruler ? '' : ' -c prometheus'} --since=1h | grep -iE 'error sending alert|notif'`,
          ruler
            ? 'PromQL: sum by (job, instance) (rate(cortex_prometheus_notifications_errors_total[5m])), sum by (job, instance) (rate(cortex_prometheus_notifications_dropped_total[5m])), cortex_prometheus_notifications_alertmanagers_discovered'
            : 'PromQL: rate(prometheus_notifications_errors_total[5m]) and prometheus_notifications_alertmanagers_discovered',
          !ruler && 'Prometheus UI → Status → Runtime & Build Information lists the Alertmanagers it found',
          runbookStep(v),
        ),
      };
    }
    const integration = v.labels.integration;
    const name = integration ? `\`${integration}\`` : 'the receiver';
    const endpoint = integration ? INTEGRATION_HOST[integration.toLowerCase()] : undefined;
    const matchers = { namespace: v.namespace, job: v.labels.job, integration };
    return {
      summary: `Alertmanager${v.pod ? ` \`${v.namespace ? `${v.namespace}/` : ''}${v.pod}\`` : ''} fails to send notifications to ${name} (\`${v.name}\`): alerts routed there are not delivered.${more(ctx, `integrations ${listOf(ctx.alerts, (a) => a.labels.integration)}`)}`,
      causes: [
        cause(
          `${integration ? `The ${integration} receiver` : 'The receiver'} rejects the requests: webhook URL, API key or token invalid, revoked or rotated`,
          0.4,
          'configuration',
          evidence,
        ),
        cause(
          `Alertmanager cannot reach ${integration ?? 'the receiver'}: egress network, proxy, DNS or firewall`,
          0.35,
          'network',
          evidence.slice(0, 1),
        ),
        cause(
          `${integration ? `The ${integration} service` : 'The receiving service'} rate-limits or is having an outage`,
          0.2,
          'dependency',
          evidence.slice(0, 1),
        ),
      ],
      nextSteps: steps(
        v.pod
          ? `${k} logs ${sh(v.pod)} -c alertmanager --since=1h | grep -iE 'notify|error'  # the receiver's own error message`
          : `${k} logs -l app.kubernetes.io/name=alertmanager -c alertmanager --since=1h | grep -iE 'notify|error'`,
        `PromQL: sum by (integration, reason) (rate(alertmanager_notifications_failed_total${sel(matchers)}[5m]))  # reason: clientError = rejected (auth, payload), serverError = their side`,
        v.pod &&
          endpoint &&
          `${k} exec ${sh(v.pod)} -c alertmanager -- wget -q -S -O /dev/null -T 5 ${endpoint}  # reachable from the pod?`,
        'amtool check-config alertmanager.yml, and compare the receiver URL/credentials with the current secret',
        runbookStep(v),
      ),
    };
  },
};

export const probeSignatures: Signature[] = [
  targetDown,
  watchdog,
  blackboxProbe,
  certExpiry,
  certRevocation,
  notificationsFailing,
];
