/**
 * Host-level fixes → a new Ansible playbook in the mapped folder: conntrack table full → a larger
 * `net.netfilter.nf_conntrack_max`; file descriptors exhausted → a larger `fs.file-max`; a filling root or log
 * filesystem → journal vacuum and removal of old rotated logs. Only `ansible.builtin` modules (ansible-core alone
 * runs them), limited to the alert's hosts; host names from labels are checked before they are written.
 */
import { stringify } from 'yaml';
import type { ProposedFix } from '../../analysis/schema.ts';
import { raiseCount } from '../quantity.ts';
import type { FixRequest, GeneratedFix } from '../types.ts';
import {
  type FactQuery,
  factNumber,
  factString,
  type Generator,
  labelValues,
  type ProposalContext,
  promString,
} from './common.ts';

const HOST = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

/** The alert's hosts (instance without its port, nodename, host, node); `none` if any is not a plain host name. */
export function alertHosts(labels: Record<string, string>[]): { hosts: string[] } | { none: string } {
  const raw = labelValues(labels, 'instance', 'nodename', 'hostname', 'host', 'node');
  const byAlert = labels
    .map(
      (l) =>
        l.nodename ||
        l.hostname ||
        l.host ||
        l.node ||
        (l.instance ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, ''),
    )
    .filter((h) => h !== '');
  const hosts = [...new Set(byAlert)];
  if (hosts.length === 0)
    return {
      none: `the alerts name no host (instance, nodename, host or node label)${raw.length ? '' : ''}`,
    };
  const bad = hosts.find((h) => !HOST.test(h));
  if (bad !== undefined)
    return {
      none: `the host ${JSON.stringify(bad.slice(0, 80))} is not a plain host name: no playbook is written for it`,
    };
  return { hosts };
}

/** The mapped Ansible folder: `request.ansibleDir`, else the folder every mapped Ansible file shares. */
function ansibleDir(request: FixRequest): string | undefined {
  if (request.ansibleDir) return request.ansibleDir.replace(/\/+$/, '');
  const dirs = (request.files.ansible ?? []).map((f) => f.path.split('/').slice(0, -1));
  if (dirs.length === 0) return undefined;
  const first = dirs[0] as string[];
  let n = first.length;
  for (const d of dirs) {
    let i = 0;
    while (i < n && d[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join('/');
}

interface Plan {
  what: string;
  title: string;
  rationale: string;
  tasks: Record<string, unknown>[];
  handlers?: Record<string, unknown>[];
  rollback: string;
}

function sysctlPlan(
  key: string,
  file: string,
  current: number,
  next: number,
): Pick<Plan, 'tasks' | 'handlers'> {
  return {
    tasks: [
      {
        name: `Persist ${key} = ${next}`,
        'ansible.builtin.copy': {
          dest: `/etc/sysctl.d/${file}`,
          content: `# Written by aiops-bot (was ${current}).\n${key} = ${next}\n`,
          owner: 'root',
          group: 'root',
          mode: '0644',
        },
        notify: 'Reload sysctl',
      },
    ],
    handlers: [{ name: 'Reload sysctl', 'ansible.builtin.command': 'sysctl --system', changed_when: true }],
  };
}

function conntrack(request: FixRequest): Plan | { none: string } {
  const current = factNumber(request.facts, 'conntrackMax', 'nf_conntrack_max');
  if (!current)
    return {
      none: 'the facts give no current nf_conntrack_max (node_nf_conntrack_entries_limit): nothing to size from',
    };
  const next = 2 ** Math.ceil(Math.log2(raiseCount(current)));
  const used = factNumber(request.facts, 'conntrackEntries');
  return {
    what: 'conntrack',
    title: `Raise nf_conntrack_max to ${next}`,
    rationale: `nf_conntrack_max ${current}${used ? ` (${used} entries in use)` : ''} +50 %, rounded up to a power of two → ${next}. Each entry costs about 300 bytes of kernel memory (${Math.round((next * 300) / 2 ** 20)} MiB at the new limit).`,
    ...sysctlPlan('net.netfilter.nf_conntrack_max', '90-aiops-conntrack.conf', current, next),
    rollback:
      'Delete /etc/sysctl.d/90-aiops-conntrack.conf on the hosts and run `sysctl --system` (or revert this PR and re-run).',
  };
}

function fileDescriptors(request: FixRequest): Plan | { none: string } {
  const current = factNumber(request.facts, 'fileMax', 'filefdMaximum');
  if (!current)
    return { none: 'the facts give no current fs.file-max (node_filefd_maximum): nothing to size from' };
  const next = 2 ** Math.ceil(Math.log2(current * 2));
  return {
    what: 'file-descriptors',
    title: `Raise fs.file-max to ${next}`,
    rationale: `fs.file-max ${current} doubled, rounded up to a power of two → ${next}. A process's own limit (LimitNOFILE, ulimit -n) may also need raising: check which process holds the descriptors first (a leak is not fixed by a bigger table).`,
    ...sysctlPlan('fs.file-max', '90-aiops-file-max.conf', current, next),
    rollback: 'Delete /etc/sysctl.d/90-aiops-file-max.conf on the hosts and run `sysctl --system`.',
  };
}

const LOG_MOUNTS = ['/', '/var', '/var/log'];

function logCleanup(request: FixRequest): Plan | { none: string } {
  const mount = factString(request.facts, 'mountpoint') ?? labelValues(request.alertLabels, 'mountpoint')[0];
  if (!mount || !LOG_MOUNTS.includes(mount))
    return {
      none: `the filling filesystem ${mount ? `(${mount}) ` : ''}is not /, /var or /var/log: log cleanup would not help`,
    };
  const keepDays = 7;
  return {
    what: 'log-cleanup',
    title: `Clean up old logs on ${mount}`,
    rationale: `${mount} is filling: the systemd journal is vacuumed to 500M and rotated logs (*.gz, *.1 … *.9) older than ${keepDays} days under /var/log are removed; live logs are not touched.`,
    tasks: [
      {
        name: 'Vacuum the systemd journal to 500M',
        'ansible.builtin.command': 'journalctl --vacuum-size=500M',
        register: 'vacuum',
        changed_when: "'Freed 0B' not in vacuum.stderr",
      },
      {
        name: `Find rotated logs older than ${keepDays} days`,
        'ansible.builtin.find': {
          paths: '/var/log',
          patterns: ['*.gz', '*.[0-9]'],
          age: `${keepDays}d`,
          recurse: true,
        },
        register: 'old_logs',
      },
      {
        name: 'Remove them',
        'ansible.builtin.file': { path: '{{ item.path }}', state: 'absent' },
        loop: '{{ old_logs.files }}',
        loop_control: { label: '{{ item.path }}' },
      },
    ],
    rollback: 'Nothing to roll back: removed logs are gone (they were rotated archives older than a week).',
  };
}

const PLAYBOOK_NOTE =
  'a new playbook (ansible.builtin modules only) in the mapped Ansible folder, limited to the alert’s hosts';

/** What each plan proposes, from the alert's labels (undefined when the labels say it would not help). */
const PROPOSALS: Record<string, (c: ProposalContext, hosts: string) => ProposedFix | undefined> = {
  'node-conntrack-full': (_c, hosts) => ({
    kind: 'ansible',
    title: `Raise nf_conntrack_max on ${hosts}`,
    description: `Persist a larger net.netfilter.nf_conntrack_max in /etc/sysctl.d: the current limit +50 %, rounded up to a power of two (about 300 bytes of kernel memory per entry). As ${PLAYBOOK_NOTE}.`,
  }),
  'node-file-descriptors': (_c, hosts) => ({
    kind: 'ansible',
    title: `Raise fs.file-max on ${hosts}`,
    description: `Persist fs.file-max doubled (to a power of two) in /etc/sysctl.d, as ${PLAYBOOK_NOTE}. Check first which process holds the descriptors: a leak is not fixed by a bigger table.`,
  }),
  'node-filesystem': (c, hosts) => logProposal(c, hosts),
  'home-grown-disk': (c, hosts) => logProposal(c, hosts),
};

function logProposal(context: ProposalContext, hosts: string): ProposedFix | undefined {
  const mount = labelValues(context.alertLabels, 'mountpoint')[0];
  if (!mount || !LOG_MOUNTS.includes(mount)) return undefined;
  return {
    kind: 'ansible',
    title: `Clean up old logs on ${mount} of ${hosts}`,
    description: `Vacuum the systemd journal to 500M and remove rotated logs older than 7 days under /var/log (live logs are not touched), as ${PLAYBOOK_NOTE}.`,
  };
}

/** The node-exporter series of the alert's instances: `max(m{instance="a"} or m{instance="b"})`. */
function hostQuery(labels: Record<string, string>[], metric: string): string | undefined {
  const instances = labelValues(labels, 'instance').slice(0, 5);
  if (instances.length === 0) return undefined;
  return `max(${instances.map((i) => `${metric}{instance=${promString(i)}}`).join(' or ')})`;
}

const FACT_QUERIES: Record<string, [fact: string, metric: string][]> = {
  'node-conntrack-full': [
    ['conntrackMax', 'node_nf_conntrack_entries_limit'],
    ['conntrackEntries', 'node_nf_conntrack_entries'],
  ],
  'node-file-descriptors': [['fileMax', 'node_filefd_maximum']],
};

const PLANS: Record<string, (r: FixRequest) => Plan | { none: string }> = {
  'node-conntrack-full': conntrack,
  'node-file-descriptors': fileDescriptors,
  'node-filesystem': logCleanup,
  'home-grown-disk': logCleanup,
};

export const hostPlaybook: Generator = {
  name: 'ansible-host-playbook',
  signatures: Object.keys(PLANS),
  propose(context) {
    const hosts = alertHosts(context.alertLabels);
    if ('none' in hosts) return undefined;
    const shownHosts =
      hosts.hosts.length > 3
        ? `${hosts.hosts.slice(0, 3).join(', ')} and ${hosts.hosts.length - 3} more`
        : hosts.hosts.join(', ');
    return PROPOSALS[context.signature]?.(context, shownHosts);
  },
  factQueries(context): FactQuery[] {
    return (FACT_QUERIES[context.signature] ?? []).flatMap(([fact, metric]) => {
      const query = hostQuery(context.alertLabels, metric);
      return query ? [{ fact, query }] : [];
    });
  },
  generate(request): GeneratedFix | { none: string } {
    const plan = PLANS[request.signature ?? '']?.(request);
    if (!plan) return { none: `no host playbook for ${request.signature}` };
    if ('none' in plan) return plan;
    const hosts = alertHosts(request.alertLabels);
    if ('none' in hosts) return hosts;
    const dir = ansibleDir(request);
    if (dir === undefined)
      return { none: 'no Ansible folder is mapped for this service (services[].fixes.paths.ansible)' };
    const taken = new Set((request.files.ansible ?? []).map((f) => f.path));
    let path = `${dir ? `${dir}/` : ''}aiops-${plan.what}-incident-${request.incidentId}.yml`;
    for (let i = 2; taken.has(path); i++) path = path.replace(/(-\d+)?\.yml$/, `-${i}.yml`);
    const play: Record<string, unknown> = {
      name: plan.title,
      hosts: hosts.hosts.join(':'),
      become: true,
      gather_facts: false,
      tasks: plan.tasks,
    };
    if (plan.handlers) play.handlers = plan.handlers;
    const header = `---\n# Written by aiops-bot for incident ${request.incidentId} (${request.signature}).\n${wrap(
      plan.rationale,
      100,
    )
      .map((l) => `# ${l}\n`)
      .join('')}`;
    const after = `${header}${stringify([play], { lineWidth: 0 })}`;
    return {
      kind: 'ansible',
      title: `${plan.title} (${hosts.hosts.join(', ')})`,
      rationale: plan.rationale,
      edits: [{ path, before: '', after, created: true }],
      rollback: plan.rollback,
      generator: this.name,
    };
  },
};

/** Words wrapped into lines of at most `width` characters (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
