/**
 * Property tests of the executors' allowlists: whatever text an alert (or a prompt injection) puts in an
 * action's target fields, only names the configuration allows get through `refuse`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { AnsibleExecutor } from '../../src/remediation/executors/ansible.ts';
import { HttpJobExecutor } from '../../src/remediation/executors/http.ts';
import { KubernetesExecutor } from '../../src/remediation/executors/kubernetes.ts';

const dir = mkdtempSync(join(tmpdir(), 'aiops-allow-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:1", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`,
);
mkdirSync(join(dir, 'playbooks'));
writeFileSync(join(dir, 'playbooks', 'restart-app.yml'), '- hosts: all\n  tasks: []\n');
writeFileSync(join(dir, 'inventory.ini'), 'web-1\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clock = new ManualClock();
// Text an alert can carry: anything, plus the tricky characters on their own.
const hostile = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    'kube-system',
    'shop ',
    ' shop',
    'shop\n',
    'SHOP',
    'shop/../kube-system',
    '*',
    'shop,kube-system',
    'web-1,db-1',
    'all',
    '@/etc/hosts',
    'web-1:!x',
    '~web.*',
    '../restart-app.yml',
    '/etc/passwd',
    '-e@x.yml',
    'restart-app.yml\u0000',
    '__proto__',
    'constructor',
  ),
);

describe('executor allowlists hold for any text', () => {
  it('Kubernetes: only a namespace in the allowlist and RFC 1123 names get through', () => {
    const ex = new KubernetesExecutor({ kubeconfig, namespaces: ['shop', 'team-*'] }, { clock, env: {} });
    fc.assert(
      fc.property(hostile, hostile, (namespace, name) => {
        const refusal = ex.refuse({ kind: 'restart', namespace, name, workload: 'deployment' });
        if (refusal === null) {
          expect(namespace === 'shop' || /^team-[a-z0-9-]*[a-z0-9]$/.test(namespace)).toBe(true);
          expect(name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('Ansible: only the playbooks in the directory and host names matching the patterns get through', () => {
    const ex = new AnsibleExecutor(
      { playbookDir: join(dir, 'playbooks'), inventory: join(dir, 'inventory.ini'), hosts: ['web-*'] },
      { clock, env: {} },
    );
    fc.assert(
      fc.property(hostile, hostile, (playbook, limit) => {
        if (ex.refuse({ kind: 'run-playbook', playbook, limit }) === null) {
          expect(['restart-app', 'restart-app.yml']).toContain(playbook);
          for (const host of limit.split(',')) expect(host.trim()).toMatch(/^web-[A-Za-z0-9_.-]*$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('HTTP jobs: only configured job names and declared parameters get through', () => {
    const ex = new HttpJobExecutor(
      { jobs: { 'restart-web': { url: 'https://awx.example.com/launch/', auth: 'none', params: ['host'] } } },
      { clock, env: {} },
    );
    fc.assert(
      fc.property(hostile, hostile, hostile, (job, key, value) => {
        if (ex.refuse({ kind: 'http-job', job, params: { [key]: value } }) === null) {
          expect(job).toBe('restart-web');
          expect(key).toBe('host');
          expect(value).not.toContain('\u0000');
        }
      }),
      { numRuns: 500 },
    );
  });
});
