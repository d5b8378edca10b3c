/**
 * Well-known error messages and log lines, most specific first, each with its plain-language meaning, likely
 * causes and next steps. Read by `explainOffline`.
 */
import { clip, sh } from './facts.ts';

export type Facts = Record<string, string | undefined>;

export interface ErrorPattern {
  id: string;
  title: string;
  re: RegExp;
  /** Named groups read from the text to make the answer specific (a host, an address, a user). */
  facts?: RegExp;
  summary: (facts: Facts) => string;
  causes: string[];
  steps: (facts: Facts) => (string | false | null | undefined)[];
}

const IMAGE_TAG = /(?:@[^/]*|:[^/:@]*)$/;
const SVC_NAME = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\.?$/i;
const HOST_PORT = /^\[?(.*?)\]?:(\d+)$/;

const q = (value: string | undefined): string => (value ? `\`${clip(value, 120)}\`` : '');

/** Most specific first: the first pattern that matches leads the answer. */
export const PATTERNS: readonly ErrorPattern[] = [
  {
    id: 'image-pull',
    title: 'image pull failure',
    re: /back-off pulling image|imagepullbackoff|errimagepull|failed to pull image|pull access denied|manifest (?:for \S+ )?(?:unknown|not found)/i,
    facts: /(?:pulling image|pull image) "(?<image>[^"]+)"/i,
    summary: (f) =>
      `Kubernetes cannot download the container image${f.image ? ` ${q(f.image)}` : ''}, so the container cannot start; it retries with growing back-off.`,
    causes: [
      'The image name or tag does not exist (typo, or the build never pushed it)',
      'The registry needs credentials the pod does not have (imagePullSecrets missing or expired)',
      'The registry is unreachable from the node, or rate-limits pulls',
    ],
    steps: (f) => [
      'kubectl -n <namespace> describe pod <pod>  # Events give the exact pull error',
      f.image &&
        `Check the tag exists: crane ls ${sh(f.image.replace(IMAGE_TAG, ''))} (or look in the registry UI)`,
      'kubectl -n <namespace> get pod <pod> -o jsonpath={.spec.imagePullSecrets}',
    ],
  },
  {
    id: 'crash-loop',
    title: 'crash loop',
    re: /crashloopbackoff|back-off restarting failed container/i,
    summary: () =>
      'The container keeps exiting and Kubernetes keeps restarting it, waiting longer each time (up to 5 minutes).',
    causes: [
      'The application exits at start-up: bad configuration, missing environment variable or secret',
      'A dependency it needs at start-up (database, API) is unreachable',
      'It is OOMKilled, or a failing liveness probe kills it',
    ],
    steps: () => [
      'kubectl -n <namespace> logs <pod> --previous --tail=100  # the output of the crashed run',
      'kubectl -n <namespace> describe pod <pod>  # Last State: exit code and reason',
    ],
  },
  {
    id: 'create-container-config-error',
    title: 'container config error',
    re: /createcontainerconfigerror|(?:secret|configmap) "[^"]+" not found|couldn't find key/i,
    facts: /(?<kind>secret|configmap) "(?<name>[^"]+)" not found/i,
    summary: (f) =>
      `Kubernetes cannot build the container's configuration${f.name ? `: ${f.kind ?? 'object'} ${q(f.name)} does not exist in the pod's namespace` : ''}.`,
    causes: [
      'A Secret or ConfigMap referenced by the pod is missing, or lacks the referenced key',
      'It was created in another namespace, or under another name',
    ],
    steps: (f) => [
      f.name
        ? `kubectl -n <namespace> get ${f.kind?.toLowerCase() ?? 'secret'} ${sh(f.name)}`
        : 'kubectl -n <namespace> get secrets,configmaps',
      'kubectl -n <namespace> describe pod <pod>',
    ],
  },
  {
    id: 'missing-config',
    title: 'missing configuration',
    re: /(?:environment variable|env var)\s+"?[A-Za-z_][A-Za-z0-9_]*"?\s+(?:is\s+)?(?:not set|missing|required|undefined|empty)|(?:missing|required) (?:environment variable|env var|config(?:uration)? (?:key|value|file|setting))|config(?:uration)? file\s+\S*\s*(?:not found|does not exist|is missing)|no such file or directory[^\n]*\.(?:ya?ml|json|conf|toml|ini|properties)\b/i,
    facts:
      /(?:environment variable|env var|config(?:uration)? key|setting)\s+"?(?<name>[A-Za-z_][A-Za-z0-9_.]{2,})"?|(?<file>\/[\w./-]+\.(?:ya?ml|json|conf|toml|ini|properties))\b/i,
    summary: (f) =>
      `The application cannot find configuration it needs${f.name ? `: ${q(f.name)} is not set` : f.file ? `: ${q(f.file)} does not exist` : ''}, and stops.`,
    causes: [
      'An environment variable, Secret or ConfigMap key the application reads is not set for this deployment',
      'A config file is not mounted where the application looks (volume, subPath or path changed)',
    ],
    steps: (f) => [
      "kubectl -n <namespace> get deploy <name> -o jsonpath='{.spec.template.spec.containers[*].env}'",
      f.file && `kubectl -n <namespace> exec <pod> -- ls -l ${sh(f.file.replace(/[^/]+$/, ''))}`,
      'kubectl -n <namespace> get configmaps,secrets',
    ],
  },
  {
    id: 'oom-killed',
    title: 'OOMKilled',
    re: /oomkilled|oom[- ]?killer|out of memory: kill(?:ed)? process|memory cgroup out of memory|exit(?:ed)? (?:with )?(?:code|status):? 137\b/i,
    summary: () =>
      "The process used more memory than its limit (container memory limit or the machine's memory) and the kernel killed it (SIGKILL, exit code 137).",
    causes: [
      'The memory limit is too low for the workload',
      'A memory leak, or a load spike (big request, big batch)',
      "Too many processes share the node's memory",
    ],
    steps: () => [
      'kubectl -n <namespace> describe pod <pod> | grep -A6 "Last State"',
      'PromQL: max_over_time(container_memory_working_set_bytes{namespace="<ns>", pod="<pod>"}[1h]) vs its limit',
      'Raise the limit if usage is legitimate; otherwise look for the leak (heap dump, profiler)',
    ],
  },
  {
    id: 'java-oom',
    title: 'Java OutOfMemoryError',
    re: /java\.lang\.OutOfMemoryError/i,
    facts: /OutOfMemoryError:\s*(?<kind>[^\n\r]+)/i,
    summary: (f) =>
      `The JVM ran out of memory${f.kind ? ` (${q(f.kind.trim())})` : ''}: it could not allocate an object even after garbage collection.`,
    causes: [
      'Heap (-Xmx or MaxRAMPercentage) too small for the load',
      'A memory leak: objects kept reachable (caches, listeners, collections that only grow)',
      'For "Metaspace": class loader leak; for "unable to create native thread": thread or process limit',
    ],
    steps: () => [
      'Start with -XX:+HeapDumpOnOutOfMemoryError and inspect the dump (Eclipse MAT)',
      'jcmd <pid> GC.heap_info; compare heap after full GC over time',
    ],
  },
  {
    id: 'node-heap-oom',
    title: 'Node.js heap out of memory',
    re: /javascript heap out of memory|allocation failed - javascript heap/i,
    summary: () => "The Node.js process hit V8's heap limit and aborted.",
    causes: [
      'The heap limit (--max-old-space-size) is below what the process needs',
      'A memory leak in the application',
    ],
    steps: () => [
      'Set --max-old-space-size to fit the container limit, then profile with --heapsnapshot-near-heap-limit=2',
    ],
  },
  {
    id: 'x509-expired',
    title: 'certificate expired',
    re: /certificate has expired|cert_has_expired|certificate expired|certificate is not yet valid/i,
    facts: /current time (?<now>\S+) is after (?<notAfter>\S+)/i,
    summary: (f) =>
      `The TLS certificate presented by the server is outside its validity period${f.notAfter ? ` (it expired at ${f.notAfter}; now is ${f.now})` : ''}, so the client refuses the connection.`,
    causes: [
      'The certificate was not renewed (manual certificate, or renewal automation failing)',
      'It was renewed but the server still serves the old one (not reloaded)',
      "The client's clock is wrong",
    ],
    steps: () => [
      'echo | openssl s_client -connect <host>:443 -servername <host> 2>/dev/null | openssl x509 -noout -dates',
      'kubectl get certificates -A  # if cert-manager manages it',
    ],
  },
  {
    id: 'x509-unknown-authority',
    title: 'untrusted certificate',
    re: /signed by unknown authority|unable to get local issuer certificate|unable to verify the first certificate|self[- ]signed certificate|self_signed_cert_in_chain|unable_to_verify_leaf_signature|pkix path building failed/i,
    summary: () =>
      "The client does not trust the certificate the server presented: its issuer is not in the client's CA bundle.",
    causes: [
      'The server uses a private CA or a self-signed certificate the client does not know',
      'The server does not send the intermediate certificate(s)',
      'A TLS-intercepting proxy sits in between',
    ],
    steps: () => [
      'echo | openssl s_client -connect <host>:443 -servername <host> -showcerts  # is the chain complete?',
      "Add the CA to the client's trust store (or mount it), instead of disabling verification",
    ],
  },
  {
    id: 'x509-name-mismatch',
    title: 'certificate name mismatch',
    re: /certificate is valid for .+, not |certificate is not valid for|hostname mismatch|err_tls_cert_altname_invalid|doesn't match any of the subject alternative names/i,
    summary: () => 'The certificate is valid, but not for the host name the client connected to.',
    causes: [
      'The client uses a different name than the certificate covers (IP, internal name)',
      'The wrong certificate is served (SNI, default certificate of an ingress)',
    ],
    steps: () => [
      'echo | openssl s_client -connect <host>:443 -servername <host> 2>/dev/null | openssl x509 -noout -ext subjectAltName',
    ],
  },
  {
    id: 'tls-handshake-timeout',
    title: 'TLS handshake timeout',
    re: /tls handshake timeout/i,
    summary: () => 'A TCP connection opened, but the TLS handshake did not finish in time.',
    causes: [
      'The server or a proxy is overloaded',
      'Packet loss or an MTU problem on the path',
      'A proxy or firewall swallows the handshake',
    ],
    steps: () => ['curl -v --max-time 10 https://<host>/ to time each phase'],
  },
  {
    id: 'k8s-forbidden',
    title: 'Kubernetes RBAC forbidden',
    re: /is forbidden: user "[^"]+" cannot/i,
    facts: /user "(?<user>[^"]+)" cannot (?<verb>\w+) resource "(?<resource>[^"]+)"/i,
    summary: (f) =>
      `The Kubernetes API refused the request: ${f.user ? q(f.user) : 'the caller'} has no RBAC permission to ${f.verb && f.resource ? `${f.verb} ${q(f.resource)}` : 'do this'}.`,
    causes: [
      'A Role/ClusterRole or its binding is missing for this service account or user',
      'The request targets another namespace than the binding covers',
    ],
    steps: (f) => [
      f.user && f.verb && f.resource
        ? `kubectl auth can-i ${sh(f.verb)} ${sh(f.resource)} --as=${sh(f.user)}`
        : 'kubectl auth can-i --list --as=<user>',
      'kubectl get rolebindings,clusterrolebindings -A -o wide | grep <service account>',
    ],
  },
  {
    id: 'db-auth',
    title: 'database authentication failed',
    re: /password authentication failed for user|access denied for user|login failed for user/i,
    facts: /for user "?'?(?<user>[^"'\s]+)/i,
    summary: (f) =>
      `The database rejected the login${f.user ? ` of ${q(f.user)}` : ''}: wrong password or user, or not allowed from this host.`,
    causes: [
      'The password in the Secret is outdated (rotated on the database side)',
      'pg_hba.conf / MySQL grants do not allow this user from this host',
      'The user does not exist on this database',
    ],
    steps: () => [
      'Compare the credentials the app uses (its Secret) with the database',
      'Check the database log around the same time for the reason',
    ],
  },
  {
    id: 'too-many-connections',
    title: 'too many database connections',
    re: /too many connections|too many clients already|remaining connection slots are reserved|er_con_count_error/i,
    summary: () => 'The database refuses new connections: it is at its max_connections limit.',
    causes: [
      'Connection pools across all replicas add up to more than max_connections',
      'A connection leak, or sessions stuck idle in transaction',
      'A traffic spike or a scale-out multiplied the pools',
    ],
    steps: () => [
      'PostgreSQL: SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1, 2, 3 ORDER BY 4 DESC;',
      "MySQL: SHOW FULL PROCESSLIST; SHOW VARIABLES LIKE 'max_connections';",
      'Put a pooler (PgBouncer) in front, or lower the per-pod pool size',
    ],
  },
  {
    id: 'disk-full',
    title: 'disk full',
    re: /no space left on device|enospc|disk quota exceeded|edquot/i,
    summary: () => "A write failed because the filesystem (or the user's disk quota) is full.",
    causes: [
      'Logs, temporary files or container images filled the disk',
      'Data grew past the volume size',
      'Inodes exhausted by many small files (df -i)',
    ],
    steps: () => [
      'df -h; df -i  # space and inodes',
      'sudo du -xh --max-depth=2 / 2>/dev/null | sort -h | tail -20',
      'sudo lsof +L1  # deleted files still held open',
    ],
  },
  {
    id: 'read-only-fs',
    title: 'read-only file system',
    re: /read-only file system|erofs/i,
    summary: () => 'The process tried to write to a filesystem mounted read-only.',
    causes: [
      'The container runs with readOnlyRootFilesystem and writes outside a writable volume',
      'The kernel remounted the disk read-only after I/O errors',
    ],
    steps: () => [
      'Mount an emptyDir for the path it writes to',
      'On a host: dmesg | grep -i "remount\\|I/O error"',
    ],
  },
  {
    id: 'too-many-open-files',
    title: 'too many open files',
    re: /too many open files|emfile/i,
    summary: () => 'The process hit its limit of open file descriptors (files and sockets).',
    causes: [
      'The limit (ulimit -n) is too low for the load',
      'A file or socket leak (connections never closed)',
    ],
    steps: () => [
      'ls /proc/<pid>/fd | wc -l; cat /proc/<pid>/limits',
      "lsof -p <pid> | awk '{print $5}' | sort | uniq -c",
    ],
  },
  {
    id: 'enomem',
    title: 'cannot allocate memory',
    re: /cannot allocate memory|enomem/i,
    summary: () => 'The kernel refused a memory allocation (or a fork) for lack of memory.',
    causes: ['The machine or cgroup is out of memory', 'Overcommit settings forbid the allocation'],
    steps: () => ['free -m; dmesg | tail -50'],
  },
  {
    id: 'dns',
    title: 'DNS lookup failed',
    re: /no such host|\benotfound\b|getaddrinfo|nxdomain|name or service not known|temporary failure in name resolution|could not resolve host|unknownhostexception/i,
    facts:
      /(?:lookup (?<host1>[^\s:]+)(?: on (?<server>[^\s:]+:\d+))?: no such host|getaddrinfo (?:ENOTFOUND|EAI_AGAIN) (?<host2>\S+)|could not resolve host:? (?<host3>\S+)|UnknownHostException: (?<host4>\S+))/i,
    summary: (f) => {
      const host = f.host1 ?? f.host2 ?? f.host3 ?? f.host4;
      return `A DNS lookup failed${host ? `: the name ${q(host)} could not be resolved${f.server ? ` by ${q(f.server)}` : ''}` : ''}, so the connection was never attempted.`;
    },
    causes: [
      'The name is wrong or the target no longer exists (deleted Service, typo, wrong namespace)',
      'The cluster DNS (CoreDNS) or the upstream resolver is failing',
      'A short name resolved with the wrong search domain',
    ],
    steps: (f) => {
      const host = f.host1 ?? f.host2 ?? f.host3 ?? f.host4;
      const service = host ? SVC_NAME.exec(host) : null;
      return [
        host && `kubectl run dnscheck --rm -it --restart=Never --image=busybox:1.36 -- nslookup ${sh(host)}`,
        service && `kubectl -n ${sh(service[2] ?? '')} get svc ${sh(service[1] ?? '')}`,
        'kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50',
      ];
    },
  },
  {
    id: 'connection-refused',
    title: 'connection refused',
    re: /connection refused|econnrefused/i,
    facts:
      /(?:dial tcp |connect ECONNREFUSED |connect to |refused.{0,20}?)(?<address>\[?[\w.:-]+\]?:\d{1,5})/i,
    summary: (f) =>
      `The target host answered, but nothing accepts connections${f.address ? ` on ${q(f.address)}` : ' on that port'}: the service is down, restarting or listening elsewhere.`,
    causes: [
      'The service is not running, or still starting (or crashing and restarting)',
      'It listens on another port or only on localhost (127.0.0.1)',
      'A Service has no ready endpoints behind it',
    ],
    steps: (f) => {
      const address = f.address ? HOST_PORT.exec(f.address) : null;
      return [
        address && `nc -vz ${sh(address[1] ?? '')} ${address[2]}`,
        'kubectl -n <namespace> get endpoints <service>  # empty means no ready pods',
        'kubectl -n <namespace> get pods -o wide',
      ];
    },
  },
  {
    id: 'connection-reset',
    title: 'connection reset',
    re: /econnreset|connection reset by peer|broken pipe|epipe|socket hang up/i,
    summary: () =>
      'The other side (or something in between) closed the connection abruptly while it was in use.',
    causes: [
      'The peer restarted or crashed mid-request',
      'An idle timeout on a load balancer, proxy or NAT closed a pooled keep-alive connection',
      'The peer rejected the request (too large, protocol mismatch) and closed',
    ],
    steps: () => [
      'Check whether the peer restarted at that time (pod restarts, deploys)',
      "Compare the client's keep-alive/idle timeout with the load balancer's; the client's must be shorter",
    ],
  },
  {
    id: 'k8s-probe-failed',
    title: 'probe failed',
    re: /(?:readiness|liveness|startup) probe failed/i,
    summary: () =>
      "The kubelet's health check of the container failed: readiness takes it out of Services, liveness restarts it.",
    causes: [
      'The application is slow or unhealthy (overloaded, dependency down)',
      'The probe is too strict (timeoutSeconds, path, port) or starts before the app is ready',
    ],
    steps: () => [
      'kubectl -n <namespace> describe pod <pod>  # the probe error message',
      "Compare the probe timeout with the endpoint's real latency; add a startupProbe for slow starts",
    ],
  },
  {
    id: 'http-504',
    title: 'HTTP 504 Gateway Timeout',
    re: /gateway time-?out|upstream request timeout|(?:http|status|code|response)\D{0,12}\b504\b/i,
    summary: () =>
      'A proxy or load balancer waited for the upstream service and gave up: the backend was too slow to answer.',
    causes: [
      'The backend is overloaded or stuck on a slow dependency',
      'The proxy timeout is shorter than the request legitimately takes',
    ],
    steps: () => [
      "Compare the backend's latency (p99) with the proxy's timeout",
      "Look at the backend's slow queries / downstream calls at that time",
    ],
  },
  {
    id: 'http-502',
    title: 'HTTP 502 Bad Gateway',
    re: /bad gateway|(?:http|status|code|response)\D{0,12}\b502\b/i,
    summary: () =>
      'A proxy or load balancer got an invalid answer (or a closed connection) from the upstream service.',
    causes: [
      'The upstream crashed or restarted mid-request',
      'The upstream closes keep-alive connections the proxy still reuses',
      'The proxy points at the wrong port or protocol',
    ],
    steps: () => [
      'Check the upstream pods for restarts at that time',
      'Read the proxy/ingress log line for the upstream error',
    ],
  },
  {
    id: 'http-503',
    title: 'HTTP 503 Service Unavailable',
    re: /service unavailable|no healthy upstream|upstream connect error|(?:http|status|code|response)\D{0,12}\b503\b/i,
    summary: () =>
      'The service, or the proxy in front of it, has no healthy backend to send the request to, or is shedding load.',
    causes: [
      'No ready pods behind the Service (all failing readiness, or scaled to zero)',
      'The backend is overloaded and sheds load',
      'Maintenance mode or a circuit breaker is open',
    ],
    steps: () => [
      'kubectl -n <namespace> get endpoints <service>',
      'kubectl -n <namespace> get pods -o wide',
    ],
  },
  {
    id: 'http-429',
    title: 'HTTP 429 Too Many Requests',
    re: /too many requests|rate limit(?:ed| exceeded)|(?:http|status|code|response)\D{0,12}\b429\b/i,
    summary: () => 'The server is rate-limiting the client: it sent more requests than allowed.',
    causes: [
      'A traffic spike or a retry storm from the client',
      'The quota or rate limit is lower than normal usage needs',
    ],
    steps: () => [
      'Honour Retry-After and back off with jitter',
      'Check which client sends the most requests',
    ],
  },
  {
    id: 'timeout',
    title: 'timeout',
    re: /context deadline exceeded|deadline exceeded|i\/o timeout|etimedout|esockettimedout|timed out|timeout exceeded|client\.timeout/i,
    summary: () =>
      'An operation did not finish within its time limit; the caller gave up waiting (the other side may still be working on it).',
    causes: [
      'The target is overloaded or stuck on its own slow dependency',
      'Network problems: packets dropped by a firewall or network policy (a silent drop looks like a timeout)',
      'The timeout is shorter than the operation legitimately takes',
    ],
    steps: () => [
      "Check the target's latency and saturation at that time",
      'Test reachability from the caller: nc -vz -w 5 <host> <port>',
    ],
  },
  {
    id: 'k8s-failed-scheduling',
    title: 'pod cannot be scheduled',
    re: /failedscheduling|\d+\/\d+ nodes are available|insufficient (?:cpu|memory)|untolerated taint|didn't match pod's node affinity/i,
    summary: () => 'The scheduler found no node that fits the pod, so it stays Pending.',
    causes: [
      "No node has enough free CPU or memory for the pod's requests",
      'Taints, node selectors or affinity rules exclude every node',
      'A PersistentVolume is bound to a zone without capacity',
    ],
    steps: () => [
      'kubectl -n <namespace> describe pod <pod>  # the FailedScheduling event lists why per node',
      'kubectl describe nodes | grep -A8 "Allocated resources"',
    ],
  },
  {
    id: 'k8s-evicted',
    title: 'pod evicted',
    re: /\bevicted\b|the node was low on resource/i,
    summary: () =>
      'The kubelet evicted the pod to reclaim a resource the node was running out of (memory, disk, PIDs).',
    causes: [
      'The node was under memory or disk pressure',
      'The pod used more than it requested (usage above requests is evicted first)',
    ],
    steps: () => [
      'kubectl -n <namespace> get pods --field-selector=status.phase=Failed',
      'kubectl describe node <node>  # Conditions: MemoryPressure / DiskPressure',
    ],
  },
  {
    id: 'go-panic',
    title: 'Go panic',
    re: /panic: runtime error|nil pointer dereference|goroutine \d+ \[running\]|fatal error: concurrent map/i,
    facts: /panic: (?<message>[^\n]+)/i,
    summary: (f) =>
      `A Go program crashed on an unrecovered panic${f.message ? ` (${q(f.message)})` : ''}: the process exits, so the container restarts.`,
    causes: [
      'A bug: a nil pointer, an index out of range or concurrent map access on an input the code did not expect',
      'A recent release introduced it (it started with a deploy)',
    ],
    steps: () => [
      'kubectl -n <namespace> logs <pod> --previous | grep -A30 "^panic:"  # the stack trace names file and line',
      'Compare the time of the first panic with the last rollout: kubectl -n <namespace> rollout history deploy/<name>',
    ],
  },
  {
    id: 'tls-wrong-version',
    title: 'plain HTTP to a TLS port (or the reverse)',
    re: /wrong version number|http request to an https server|http response to https client|first record does not look like a tls handshake/i,
    summary: () =>
      'One side speaks TLS and the other plain HTTP: the bytes received are not the protocol expected.',
    causes: [
      'The client uses https:// against a plain-HTTP port, or http:// against a TLS port',
      'A proxy or load balancer terminates (or does not terminate) TLS where the client assumes otherwise',
    ],
    steps: () => [
      'curl -v http://<host>:<port>/ and curl -vk https://<host>:<port>/  # which one answers',
      'Check the port and scheme in the client configuration against the server (Service targetPort, Ingress backend-protocol)',
    ],
  },
  {
    id: 'kafka-no-brokers',
    title: 'Kafka brokers unreachable',
    re: /run out of available brokers|no ?brokers ?available|broker may not be available|leader_not_available|leader not available|not_leader_for_partition/i,
    summary: () => 'The Kafka client cannot reach a broker (or the partition leader) it needs.',
    causes: [
      'The brokers are down or restarting (rolling restart, crash, OOM)',
      'bootstrap.servers or the advertised listeners point to addresses the client cannot reach',
      'A network policy, firewall or TLS/SASL mismatch blocks the connection',
    ],
    steps: () => [
      'kafka-broker-api-versions.sh --bootstrap-server <broker:9092>  # can the client host reach the brokers?',
      "Compare the brokers' advertised.listeners with the address the client uses",
    ],
  },
  {
    id: 'volume-mount',
    title: 'volume mount failure',
    re: /mountvolume\.\w+ failed|failedmount|unable to attach or mount volumes|multi-attach error|failedattachvolume|attachvolume\.attach failed/i,
    facts: /volume "(?<volume>[^"]+)"/i,
    summary: (f) =>
      `Kubernetes cannot attach or mount the volume${f.volume ? ` ${q(f.volume)}` : ''}, so the pod stays in ContainerCreating.`,
    causes: [
      'A ReadWriteOnce volume is still attached to another node (Multi-Attach), e.g. after a node failure',
      'The storage driver (CSI) or the storage backend fails (NFS server, cloud disk API)',
      'The referenced PVC, Secret or ConfigMap does not exist, or the volume is in another zone than the node',
    ],
    steps: () => [
      'kubectl -n <namespace> describe pod <pod>  # the FailedMount/FailedAttachVolume event',
      'kubectl get volumeattachments | grep <pv>  # which node still holds it',
      'kubectl -n kube-system logs -l app=<csi-driver> --tail=50',
    ],
  },
  {
    id: 'http-413',
    title: 'request too large',
    re: /request entity too large|payload too large|(?:http|status|code|response)\D{0,12}\b413\b/i,
    summary: () =>
      'The server (or a proxy in front of it) refused the request because its body is too large.',
    causes: [
      'A body-size limit in a proxy (nginx client_max_body_size, ingress proxy-body-size) or the server',
      'The client sends larger batches than before (bigger uploads, remote_write batches)',
    ],
    steps: () => [
      'Find which hop answers 413: the proxy logs vs the application logs',
      'Raise the limit where it is (e.g. nginx.ingress.kubernetes.io/proxy-body-size) or send smaller batches',
    ],
  },
  {
    id: 'sigkill',
    title: 'killed (SIGKILL)',
    // Exit code 137 alone is read as an OOM kill (above): most often it is one.
    re: /signal: killed|\bsigkill\b/i,
    summary: () =>
      'The process was killed with SIGKILL: by the kernel OOM killer, or by whatever stopped it.',
    causes: [
      'It exceeded its memory limit and was OOM-killed',
      'A liveness probe failed, or a stop took longer than the grace period, so it was killed',
    ],
    steps: () => [
      'kubectl -n <namespace> describe pod <pod>  # Last State: Reason OOMKilled vs Error',
      'dmesg -T | grep -i "killed process"  # on the node',
    ],
  },
  {
    id: 'segfault',
    title: 'segmentation fault',
    re: /segmentation fault|sigsegv|core dumped|exit(?:ed)? (?:with )?(?:code|status):? 139\b/i,
    summary: () => 'The process crashed on an invalid memory access (SIGSEGV, exit code 139).',
    causes: [
      'A bug in native code or a native library',
      'A binary built for another CPU/libc than it runs on (e.g. musl vs glibc)',
    ],
    steps: () => ['Look at the last log lines before the crash; enable core dumps to get a backtrace'],
  },
  {
    id: 'deadlock',
    title: 'database deadlock',
    re: /deadlock detected|deadlock found when trying to get lock/i,
    summary: () => "Two transactions waited for each other's locks; the database aborted one of them.",
    causes: [
      'Transactions lock the same rows in different orders',
      'Long transactions hold locks while doing slow work',
    ],
    steps: () => [
      'Retry the aborted transaction; lock rows in a consistent order',
      'PostgreSQL logs both statements involved (log_lock_waits = on)',
    ],
  },
  {
    id: 'permission-denied',
    title: 'permission denied',
    re: /permission denied|eacces|operation not permitted|eperm|access denied/i,
    summary: () =>
      'The operating system (or the service) refused the operation: the process lacks the permission.',
    causes: [
      'The process runs as a user that cannot read or write the path (runAsUser, fsGroup, file mode)',
      'A read-only or root-owned volume mount',
      'Missing capabilities, or a security policy (seccomp, SELinux/AppArmor) blocks it',
    ],
    steps: () => [
      'ls -ln <path>; id  # owner and mode vs the process user',
      'Set securityContext.fsGroup (or runAsUser) to match the volume',
    ],
  },
  {
    id: 'unauthorized',
    title: 'unauthorized',
    re: /unauthorized|invalid (?:api )?token|token (?:is )?expired|(?:http|status|code|response)\D{0,12}\b401\b/i,
    summary: () => 'The server did not accept the credentials: missing, wrong or expired token or key.',
    causes: [
      'The token or key expired or was rotated',
      'The wrong credential is configured (environment, Secret)',
    ],
    steps: () => ['Check when the credential was last rotated and which Secret the app reads'],
  },
];
