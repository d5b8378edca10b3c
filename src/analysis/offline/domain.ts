/**
 * Which technology an alert is about, from its name prefix, then its `job`/`service`/`container` labels:
 * signatures that could match several domains (a replication *queue* in MySQL vs a message queue, "too many
 * connections" in Redis vs PostgreSQL) decline alerts of another domain, so its causes are never given.
 */
import type { AlertView } from './types.ts';

export type Domain =
  | 'mysql'
  | 'postgres'
  | 'redis'
  | 'mongodb'
  | 'elasticsearch'
  | 'cassandra'
  | 'kafka'
  | 'rabbitmq'
  | 'nats'
  | 'prometheus'
  | 'alertmanager'
  | 'thanos'
  | 'loki'
  | 'etcd'
  | 'coredns'
  | 'nginx'
  | 'haproxy'
  | 'traefik'
  | 'envoy'
  | 'jvm';

const PREFIXES: readonly [RegExp, Domain][] = [
  [/^(?:mysql|mariadb|galera|innodb)/, 'mysql'],
  [/^(?:postgres|pg|patroni)/, 'postgres'],
  [/^redis/, 'redis'],
  [/^mongo/, 'mongodb'],
  [/^(?:elasticsearch|elastic|opensearch|es(?=cluster|heap|disk))/, 'elasticsearch'],
  [/^cassandra/, 'cassandra'],
  [/^(?:kafka|strimzi)/, 'kafka'],
  [/^rabbit/, 'rabbitmq'],
  [/^nats/, 'nats'],
  [/^(?:prometheus|promtail)/, 'prometheus'],
  [/^alertmanager/, 'alertmanager'],
  [/^thanos/, 'thanos'],
  [/^loki/, 'loki'],
  [/^etcd/, 'etcd'],
  [/^(?:coredns|kubedns)/, 'coredns'],
  [/^nginx/, 'nginx'],
  [/^haproxy/, 'haproxy'],
  [/^traefik/, 'traefik'],
  [/^(?:envoy|istio)/, 'envoy'],
  [/^(?:jvm|java)/, 'jvm'],
];

const LABEL_HINTS: readonly [RegExp, Domain][] = [
  [/mysql|mariadb|galera/, 'mysql'],
  [/postgres|pgbouncer|patroni|\bpg\b/, 'postgres'],
  [/redis/, 'redis'],
  [/mongo/, 'mongodb'],
  [/elasticsearch|opensearch/, 'elasticsearch'],
  [/cassandra/, 'cassandra'],
  [/kafka/, 'kafka'],
  [/rabbitmq/, 'rabbitmq'],
  [/\bnats/, 'nats'],
];

/** The domain the alert's name prefix, else its job/service/container/cluster labels, names; undefined when none. */
export function domainOf(view: AlertView): Domain | undefined {
  for (const [pattern, domain] of PREFIXES) if (pattern.test(view.key)) return domain;
  const l = view.labels;
  if (l.rabbitmq_cluster || l.rabbitmq_node) return 'rabbitmq';
  const hint = [l.job, l.service, l.container, l.app, l.cluster_type].filter(Boolean).join(' ').toLowerCase();
  if (hint) for (const [pattern, domain] of LABEL_HINTS) if (pattern.test(hint)) return domain;
  return undefined;
}

/** Accepts alerts of one of these domains, or of none known. */
export const domainIn =
  (...domains: Domain[]) =>
  (view: AlertView): boolean => {
    const domain = domainOf(view);
    return domain === undefined || domains.includes(domain);
  };
