/** Remediation policy as pure functions: config, freeze windows, approvers, targets. */
import { describe, expect, it } from 'vitest';
import { configFrom, parseConfigFile } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { activeFreeze, cronMatches } from '../../src/remediation/freeze.ts';
import { approvalsNeededFor, refuseApprover, riskOf } from '../../src/remediation/policy.ts';
import { globMatches, hostsOf, refuseTarget, workloadsOf } from '../../src/remediation/targets.ts';

const parseError = (text: string) => {
  try {
    parseConfigFile(text, 'aiops.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('remediation config', () => {
  it('is off by default with the issue’s risk defaults and a 30-minute approval window', () => {
    const { remediation } = parseConfigFile('', 'aiops.yml');
    expect(remediation).toMatchObject({ enabled: false, approvalTtlMinutes: 30, maxPerServicePerHour: 3 });
    expect(remediation.risk).toEqual({
      restart: 'low',
      scale: 'medium',
      'raise-limits': 'medium',
      'rollback-deployment': 'high',
      'run-playbook': 'high',
      'http-job': 'high',
    });
  });

  it('reads the contract’s example block', () => {
    const config = configFrom(
      { AWX_TOKEN: 't' },
      `
services:
  - name: checkout
    approvers: [U0ONCALL, "@sre"]
remediation:
  enabled: true
  approvalTtlMinutes: 30
  maxPerServicePerHour: 3
  risk: { restart: low, scale: medium, raise-limits: medium, rollback-deployment: high, run-playbook: high, http-job: high }
  freeze: [{ cron: "0 17 * * 5", durationMinutes: 3840 }]
  kubernetes: { kubeconfig: ./kubeconfig, namespaces: [shop] }
  ansible: { playbookDir: ./playbooks, inventory: ./inventory.ini, hosts: ["web-*", localhost], timeoutSeconds: 300, rollbacks: { restart-app.yml: undo-restart-app.yml } }
  http: { jobs: { restart-web: { url: "https://awx.example.com/api/v2/job_templates/12/launch/", secretEnv: AWX_TOKEN } } }
  autoRun: [{ action: restart, match: { alertname: KubePodCrashLooping }, maxPerHour: 1 }]
`,
    );
    expect(config.file.remediation.enabled).toBe(true);
    expect(config.file.services[0]?.approvers).toEqual(['U0ONCALL', '@sre']);
    expect(config.executorEnv).toEqual({ AWX_TOKEN: 't' });
    expect(riskOf(config, 'rollback-deployment')).toBe('high');
  });

  it.each([
    [
      'remediation:\n  freeze: [{ cron: "0 25 * * *", durationMinutes: 10 }]\n',
      /^aiops\.yml: remediation\.freeze\.0\.cron: invalid cron expression/,
    ],
    [
      'remediation:\n  freeze: [{ cron: "0 17 * *", durationMinutes: 10 }]\n',
      /remediation\.freeze\.0\.cron: must be a 5-field cron/,
    ],
    [
      'remediation:\n  autoRun: [{ action: rollback-deployment, match: { a: b } }]\n',
      /remediation\.autoRun\.0\.action: rollback-deployment is high risk: self-healing runs low-risk actions only/,
    ],
    [
      'remediation:\n  risk: { scale: low }\n  autoRun: [{ action: scale, match: {} }]\n',
      /remediation\.autoRun\.0\.match: must name at least one label/,
    ],
    ['remediation:\n  enabeld: true\n', /remediation: Unrecognized key: "enabeld"/],
    ['remediation:\n  risk: { restart: none }\n', /remediation\.risk\.restart/],
  ])('names the key of an invalid remediation block (%#)', (text, message) => {
    expect(parseError(text)).toMatch(message);
  });
});

describe('freeze windows (UTC)', () => {
  it('matches cron fields with Vixie day semantics', () => {
    expect(cronMatches('0 17 * * 5', new Date('2026-03-06T17:00:00Z'))).toBe(true); // a Friday
    expect(cronMatches('0 17 * * 5', new Date('2026-03-05T17:00:00Z'))).toBe(false);
    expect(cronMatches('*/15 9-17 * * 1-5', new Date('2026-03-04T09:45:00Z'))).toBe(true);
    // Both day fields restricted: either matches.
    expect(cronMatches('0 0 1 * 1', new Date('2026-03-02T00:00:00Z'))).toBe(true); // Monday the 2nd
    expect(cronMatches('0 0 1 * 1', new Date('2026-04-01T00:00:00Z'))).toBe(true); // Wednesday the 1st
    expect(cronMatches('0 0 * * 7', new Date('2026-03-08T00:00:00Z'))).toBe(true); // 7 = Sunday
  });

  it('is in force from the start for durationMinutes, across midnight and weekends', () => {
    const weekend = [{ cron: '0 17 * * 5', durationMinutes: 3840 }]; // Friday 17:00 → Monday 09:00
    expect(activeFreeze(weekend, new Date('2026-03-06T16:59:59Z'))).toBeNull();
    expect(activeFreeze(weekend, new Date('2026-03-06T17:00:00Z'))?.endsAt.toISOString()).toBe(
      '2026-03-09T09:00:00.000Z',
    );
    expect(activeFreeze(weekend, new Date('2026-03-08T23:30:00Z'))).not.toBeNull();
    expect(activeFreeze(weekend, new Date('2026-03-09T08:59:00Z'))).not.toBeNull();
    expect(activeFreeze(weekend, new Date('2026-03-09T09:00:00Z'))).toBeNull();
  });
});

describe('approvers', () => {
  const none = new Map<string, string[]>();

  it('matches Slack ids, @groups (from the actor or Slack), and CLI names', () => {
    const approvers = ['U0ONCALL', '@SRE', 'alice'];
    expect(refuseApprover({ id: 'U0ONCALL', display: 'x' }, 'checkout', approvers, none)).toBeNull();
    expect(
      refuseApprover({ id: 'U1', display: 'x', groups: ['@sre'] }, 'checkout', approvers, none),
    ).toBeNull();
    expect(
      refuseApprover({ id: 'U2', display: 'x' }, 'checkout', approvers, new Map([['sre', ['U2']]])),
    ).toBeNull();
    expect(refuseApprover({ id: 'cli:alice', display: 'alice' }, 'checkout', approvers, none)).toBeNull();
    // A CLI user cannot claim a group; a Slack user named alice is not the CLI's alice.
    expect(refuseApprover({ id: 'cli:sre', display: 'sre' }, 'checkout', approvers, none)).toMatch(
      /not an approver/,
    );
    expect(refuseApprover({ id: 'alice', display: 'alice' }, 'checkout', ['cli:alice'], none)).toMatch(
      /not an approver/,
    );
    expect(refuseApprover({ id: 'U3', display: '<@U3>' }, 'checkout', [], none)).toBe(
      'service checkout has no approvers in aiops.yml: it can be analysed but not fixed',
    );
  });

  it('needs two approvers for high risk only', () => {
    expect([approvalsNeededFor('low'), approvalsNeededFor('medium'), approvalsNeededFor('high')]).toEqual([
      1, 1, 2,
    ]);
  });
});

describe('targets come from alert labels and allowlists', () => {
  const config = configFrom(
    {},
    'remediation:\n  enabled: true\n  kubernetes: { namespaces: [shop] }\n  ansible: { playbookDir: ./p, hosts: ["web-*"] }\n',
  ).file.remediation;

  it('names workloads from kube-state-metrics labels and pod names', () => {
    expect(workloadsOf({ pod: 'checkout-7d9f8b6c5-x2x9z' })).toContainEqual({
      kind: 'deployment',
      name: 'checkout',
    });
    expect(workloadsOf({ pod: 'postgres-0' })).toContainEqual({ kind: 'statefulset', name: 'postgres' });
    expect(workloadsOf({ replicaset: 'api-5c8f7b9d4' })).toEqual([{ kind: 'deployment', name: 'api' }]);
    expect(hostsOf({ instance: 'web-1:9100' })).toEqual(['web-1']);
    expect(hostsOf({ instance: '[::1]:9100', hostname: 'web-2' })).toEqual(['::1', 'web-2']);
    expect(globMatches('web-*', 'web-12')).toBe(true);
    expect(globMatches('web-*', 'db-1')).toBe(false);
    expect(globMatches('web.1', 'webx1')).toBe(false);
  });

  it('refuses what the labels or the allowlists do not name', () => {
    const alerts = [
      { labels: { namespace: 'shop', pod: 'checkout-7d9f8b6c5-x2x9z', instance: 'web-1:9100' } },
    ];
    const restart = { kind: 'restart', namespace: 'shop', name: 'checkout', workload: 'deployment' } as const;
    expect(refuseTarget(restart, alerts, config)).toBeNull();
    expect(refuseTarget({ ...restart, workload: 'statefulset' }, alerts, config)).toMatch(
      /not a workload named/,
    );
    expect(refuseTarget({ ...restart, namespace: 'prod' }, alerts, config)).toMatch(/not in remediation/);
    const otherNs = [{ labels: { namespace: 'web', deployment: 'checkout' } }];
    expect(refuseTarget(restart, otherNs, config)).toBe('no alert of this incident is in namespace shop');
    const playbook = { kind: 'run-playbook', playbook: 'restart-app.yml', limit: 'web-1' } as const;
    expect(refuseTarget(playbook, alerts, config)).toBeNull();
    expect(refuseTarget({ ...playbook, limit: undefined }, alerts, config)).toMatch(
      /limited to the alert host/,
    );
    expect(refuseTarget({ ...playbook, playbook: 'x/../../y.yml' }, alerts, config)).toMatch(/file name/);
    const dbAlert = [{ labels: { instance: 'db-1:9100' } }];
    expect(refuseTarget({ ...playbook, limit: 'db-1' }, dbAlert, config)).toBe(
      'host db-1 is not in remediation.ansible.hosts',
    );
    expect(refuseTarget({ kind: 'http-job', job: 'x' }, alerts, config)).toBe(
      'job x is not in remediation.http.jobs',
    );
  });
});
