/**
 * Cluster add-ons: GitOps (Argo CD, Flux), secrets (Vault), service discovery and mesh (Consul, Istio, Linkerd),
 * autoscalers (cluster-autoscaler, KEDA), external-dns, and the OpenShift platform operators (cluster operators,
 * ingress, telemetry, metrics-server, OVN-Kubernetes, etcd) — from awesome-prometheus-alerts, argo-cd-mixin, the
 * Flux docs, the Mimir runbooks and github.com/openshift/runbooks.
 */
import { kubectl, sel, sh } from '../facts.ts';
import type { AlertView, Signature } from '../types.ts';
import { type CauseSpec, family, q } from './family.ts';

/** The Argo CD / Flux object the alert is about. */
const app = (v: AlertView): string | undefined => v.labels.name ?? v.labels.application ?? v.labels.app;
const objNs = (v: AlertView): string | undefined => v.labels.exported_namespace ?? v.namespace;

export const argoCdSync: Signature = family({
  id: 'argocd-app-sync',
  title: 'Argo CD application out of sync or sync failing',
  weight: 46,
  names: [
    'ArgocdServiceNotSynced',
    'ArgoCdAppOutOfSync',
    'ArgoCdAppSyncFailed',
    'ArgoCDAppUnsynced',
    'ArgoAppNotSynced',
    'ArgoCdAppAutoSyncDisabled',
  ],
  summary: (v) =>
    `Argo CD application ${q(app(v))}${v.labels.project ? ` (project \`${v.labels.project}\`)` : ''} ${v.key.includes('failed') ? 'fails to sync' : v.key.includes('autosync') ? 'has auto-sync disabled' : `is ${v.labels.sync_status ? `\`${v.labels.sync_status}\`` : 'not synced'}`} (\`${v.name}\`): the cluster does not run what Git says.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('failed')
      ? [
          [
            'The API server rejects the manifests: invalid or immutable field, missing CRD/namespace, admission webhook denial',
            0.45,
            'configuration',
          ],
          [
            'Manifest generation fails: Helm/Kustomize render error or the repo/chart cannot be fetched (credentials)',
            0.3,
            'configuration',
          ],
          [
            'Argo CD lacks RBAC in the destination cluster/namespace (AppProject restrictions)',
            0.15,
            'configuration',
          ],
        ]
      : [
          [
            'Live resources changed outside Git (manual kubectl edit, a controller or webhook mutating fields)',
            0.4,
            'configuration',
          ],
          [
            'A new commit is not applied: auto-sync is disabled or every sync attempt fails',
            0.35,
            'deployment',
          ],
          [
            'The repo server cannot fetch or render the source (Git credentials, Helm/Kustomize error)',
            0.2,
            'dependency',
          ],
        ],
  steps: (v) => [
    app(v) && `argocd app get ${sh(app(v) as string)} --show-operation`,
    app(v) && `argocd app diff ${sh(app(v) as string)}`,
    `PromQL: argocd_app_info${sel({ name: app(v), sync_status: v.labels.sync_status })}, sum by (name, phase) (increase(argocd_app_sync_total${sel({ name: app(v) })}[1h]))`,
    'kubectl -n argocd logs deploy/argocd-repo-server --tail=100 | grep -iE "error|failed"',
  ],
});

export const argoCdHealth: Signature = family({
  id: 'argocd-app-health',
  title: 'Argo CD application unhealthy',
  weight: 44,
  role: 'symptom',
  names: ['ArgocdServiceUnhealthy', 'ArgoCdAppUnhealthy'],
  summary: (v) =>
    `Argo CD reports application ${q(app(v))} as ${v.labels.health_status ? `\`${v.labels.health_status}\`` : 'not Healthy'} (\`${v.name}\`): some of its resources are failing.`,
  causes: (v): CauseSpec[] =>
    v.labels.health_status === 'Missing'
      ? [
          [
            'Resources defined in Git do not exist in the cluster: never synced or deleted outside Argo CD',
            0.6,
            'deployment',
          ],
          ['A sync is failing before those resources are created', 0.3, 'configuration'],
        ]
      : [
          [
            'A workload of the app is degraded: pods crashing, failing probes or a rollout stuck after the latest sync',
            0.5,
            'application',
          ],
          [
            'A dependency of its resources is missing: Secret/ConfigMap, PVC pending, image not pullable',
            0.3,
            'configuration',
          ],
          [
            'Long-running progression: a resource stays Progressing (Ingress without address, Job still running)',
            0.1,
            'infrastructure',
          ],
        ],
  deploy: {
    title: () => 'The latest sync of the application rolled out a broken version',
    likelihood: 0.4,
    rollback: true,
  },
  steps: (v) => [
    app(v)
      ? `argocd app get ${sh(app(v) as string)}  # lists each resource's health and message`
      : 'argocd app list | grep -v Healthy',
    app(v) && `argocd app history ${sh(app(v) as string)}`,
    v.labels.dest_namespace &&
      `kubectl -n ${sh(v.labels.dest_namespace)} get pods | grep -vE 'Running|Completed'`,
  ],
});

export const fluxReconcile: Signature = family({
  id: 'flux-reconciliation',
  title: 'Flux resource not ready (reconciliation failing)',
  weight: 46,
  names: [
    'FluxKustomizationFailure',
    'FluxHelmreleaseFailure',
    'FluxSourceIssue',
    'FluxImageIssue',
    'ReconciliationFailure',
    'FluxReconciliationFailure',
  ],
  summary: (v) =>
    `Flux ${v.labels.customresource_kind ?? v.labels.kind ?? 'resource'} ${q(app(v))}${objNs(v) ? ` in \`${objNs(v)}\`` : ''} is not Ready (\`${v.name}\`): changes from its source are not being applied.`,
  causes: (v): CauseSpec[] => {
    const kind = `${v.labels.customresource_kind ?? v.labels.kind ?? ''} ${v.key}`.toLowerCase();
    if (/source|gitrepository|helmrepository|bucket|ocirepository/.test(kind))
      return [
        [
          'Flux cannot fetch the source: Git/registry credentials or SSH key invalid, host key or TLS error',
          0.5,
          'configuration',
        ],
        ['The repository, branch, tag or chart version referenced no longer exists', 0.25, 'configuration'],
        ['The source host is unreachable from the cluster (egress, DNS, outage)', 0.2, 'network'],
      ];
    if (/image/.test(kind))
      return [
        [
          'Flux cannot scan the image registry (credentials, rate limits) or the policy matches no tag',
          0.55,
          'configuration',
        ],
        [
          'Image update automation cannot push to Git (write access, branch protection)',
          0.3,
          'configuration',
        ],
      ];
    if (/helm/.test(kind))
      return [
        [
          'helm install/upgrade fails: invalid values, a rendering error or a resource rejected by the API server',
          0.45,
          'configuration',
        ],
        [
          'The release times out waiting for its workloads to become ready (failing pods, probes)',
          0.3,
          'application',
        ],
        ['The chart or its HelmRepository/OCI source is not available', 0.15, 'dependency'],
      ];
    return [
      [
        'The manifests fail to build or apply: Kustomize error, invalid field, missing CRD, webhook denial',
        0.5,
        'configuration',
      ],
      ['Health checks of the applied workloads fail (dependsOn/wait timeout)', 0.25, 'application'],
      ['Its source (GitRepository/OCIRepository) is not ready', 0.2, 'dependency'],
    ];
  },
  steps: (v) => [
    'flux get all -A --status-selector ready=false',
    app(v) &&
      `flux events --for ${(v.labels.customresource_kind ?? v.labels.kind ?? 'Kustomization').replace(/\W/g, '')}/${sh(app(v) as string)}${objNs(v) ? ` -n ${sh(objNs(v) as string)}` : ''}`,
    'kubectl -n flux-system logs deploy/kustomize-controller --tail=100 | grep -i error',
  ],
});

export const vault: Signature = family({
  id: 'vault',
  title: 'HashiCorp Vault sealed, unhealthy or leaking tokens',
  weight: 70,
  names: ['VaultSealed', 'VaultClusterHealth', 'VaultTooManyPendingTokens', 'VaultTooManyInfinityTokens'],
  summary: (v) =>
    v.key.includes('token')
      ? `Vault${v.instance ? ` \`${v.instance}\`` : ''} accumulates ${v.key.includes('infinity') ? 'tokens that never expire' : 'pending tokens'} (\`${v.name}\`).`
      : `Vault${v.instance ? ` \`${v.instance}\`` : ''} is ${v.key.includes('sealed') ? 'sealed' : 'unhealthy (too few active nodes)'} (\`${v.name}\`): secrets cannot be read, and apps that fetch them at start fail.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('infinity')
      ? [
          [
            'Tokens created with no TTL: root tokens or an auth method/role configured without token_ttl/max_ttl',
            0.6,
            'configuration',
          ],
          ['A client creates periodic/orphan tokens and never revokes them', 0.25, 'application'],
        ]
      : v.key.includes('pending')
        ? [
            [
              'Token creation outpaces storage: the storage backend is slow or failing to write',
              0.45,
              'dependency',
            ],
            ['A client creates tokens in a loop instead of reusing them (token churn)', 0.35, 'application'],
          ]
        : [
            [
              'A Vault pod restarted and is waiting to be unsealed (manual unseal, no auto-unseal)',
              0.45,
              'infrastructure',
            ],
            ['Auto-unseal cannot reach its KMS/HSM or lost permission to the key', 0.3, 'dependency'],
            ['The storage backend (Raft peers, Consul) lost quorum or is unavailable', 0.2, 'dependency'],
          ],
  steps: (v) => [
    'vault status  # Sealed, HA mode, active node',
    'vault operator raft list-peers  # with integrated storage',
    `${kubectl(v.namespace)} get pods -l app.kubernetes.io/name=vault -o wide`,
    v.key.includes('token') &&
      "vault list auth/token/accessors | wc -l  # and review the auth methods' token_ttl",
  ],
});

export const consul: Signature = family({
  id: 'consul',
  title: 'Consul service health check failing or cluster degraded',
  weight: 58,
  names: ['ConsulServiceHealthcheckFailed', 'ConsulMissingMasterNode', 'ConsulAgentUnhealthy'],
  summary: (v) =>
    v.key.includes('healthcheck')
      ? `Consul reports service ${q(v.labels.service_name)} (check \`${v.labels.service_id ?? v.labels.check ?? '?'}\`) as unhealthy (\`${v.name}\`): it is removed from discovery.`
      : `Consul ${v.key.includes('master') ? 'has fewer raft peers than needed for quorum' : `agent ${q(v.labels.node ?? v.instance)} is critical`} (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    v.key.includes('healthcheck')
      ? [
          ['The service instance itself is down or failing its health endpoint', 0.5, 'application'],
          ['The check is misconfigured (wrong port/path/interval) after a change', 0.25, 'configuration'],
          ['The agent cannot reach the service (network, firewall)', 0.15, 'network'],
        ]
      : v.key.includes('master')
        ? [
            ['A Consul server is down or was removed without a replacement', 0.55, 'infrastructure'],
            [
              'Servers cannot talk to each other (ports 8300/8301 blocked, network partition)',
              0.3,
              'network',
            ],
          ]
        : [
            ['The node or its Consul agent is down', 0.5, 'infrastructure'],
            ['Gossip between agents is blocked (port 8301 TCP/UDP, network partition)', 0.3, 'network'],
          ],
  steps: (v) => [
    'consul members  # which agents are failed/left',
    'consul operator raft list-peers',
    v.labels.service_name &&
      `curl -s ${sh(`http://127.0.0.1:8500/v1/health/checks/${encodeURIComponent(v.labels.service_name)}`)}`,
  ],
});

export const istioControlPlane: Signature = family({
  id: 'istio-control-plane',
  title: 'Istio control plane failing to push configuration',
  weight: 56,
  names: ['IstioPilotHighTotalRequestRate', 'IstioPilotDuplicateEntry', 'IstioMixerPrometheusDispatchesLow'],
  /** istiod/pilot xDS push errors and rejections, however a team names them. */
  namePattern: /^(?:istio|istiod|pilot)\w*(?:xds|push)\w*(?:error|reject|fail|nack)/,
  summary: (v) =>
    `Istio's control plane (istiod/pilot) ${v.key.includes('duplicate') || v.key.includes('conflict') ? 'sees conflicting configuration' : v.key.includes('mixer') ? '(Mixer) exports too few metrics' : 'fails to push configuration to the Envoy sidecars'} (\`${v.name}\`): proxies may run with outdated routes, clusters or certificates.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('duplicate') || v.key.includes('conflict')
      ? [
          [
            'Two resources define the same host/port (ServiceEntry vs Service, duplicate VirtualService hosts)',
            0.6,
            'configuration',
          ],
          [
            'Conflicting listeners: two services share a port with different protocols',
            0.25,
            'configuration',
          ],
        ]
      : v.key.includes('mixer')
        ? [
            ['The Mixer Prometheus adapter is misconfigured or Mixer is overloaded', 0.5, 'configuration'],
            ['Traffic through the mesh dropped', 0.25, 'dependency'],
          ]
        : [
            [
              'Invalid Istio config (VirtualService/DestinationRule/EnvoyFilter) that Envoy rejects (xDS NACK)',
              0.45,
              'configuration',
            ],
            ['Sidecars on an incompatible version with istiod after an upgrade', 0.25, 'deployment'],
            ['istiod overloaded (CPU/memory) for the number of proxies and config size', 0.2, 'capacity'],
          ],
  steps: (v) => [
    'istioctl proxy-status  # STALE or NACKed proxies',
    'istioctl analyze -A',
    'PromQL: sum by (type) (rate(pilot_xds_push_errors[5m])), sum(pilot_total_xds_rejects), sum(pilot_conflict_inbound_listener), sum(pilot_duplicate_envoy_clusters)',
    `kubectl -n ${sh(v.namespace ?? 'istio-system')} logs deploy/istiod --tail=200 | grep -iE 'error|rejected|nack|conflict'`,
  ],
});

export const istioGateway: Signature = family({
  id: 'istio-gateway-traffic',
  title: 'Istio ingress gateway replicas dropped or mesh traffic anomaly',
  weight: 48,
  names: ['IstioKubernetesGatewayAvailabilityDrop', 'IstioLowTotalRequestRate', 'IstioHighTotalRequestRate'],
  summary: (v) =>
    v.key.includes('gateway')
      ? `Available replicas of the Istio ingress gateway dropped (\`${v.name}\`): inbound traffic will likely be affected.`
      : `The global request rate in the mesh is unusually ${v.key.includes('low') ? 'low' : 'high'} (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    v.key.includes('gateway')
      ? [
          [
            'Gateway pods crash, are evicted or cannot be scheduled (node drained or lost)',
            0.5,
            'infrastructure',
          ],
          ['A gateway rollout (Istio upgrade, config change) is in progress or failing', 0.3, 'deployment'],
        ]
      : v.key.includes('low')
        ? [
            ['Traffic stops before the mesh: ingress gateway, load balancer or DNS problem', 0.45, 'network'],
            ['An upstream client or batch source stopped sending', 0.3, 'dependency'],
          ]
        : [
            ['A real traffic surge (campaign, crawler, abusive client)', 0.45, 'capacity'],
            [
              'A retry storm: clients or Envoy retry policies multiplying failing requests',
              0.35,
              'configuration',
            ],
          ],
  steps: (v) => [
    'kubectl -n istio-system get deploy istio-ingressgateway -o wide && kubectl -n istio-system get pods -l istio=ingressgateway -o wide',
    'PromQL: sum by (destination_service) (rate(istio_requests_total{reporter="destination"}[5m]))',
    v.key.includes('gateway') && 'kubectl -n istio-system get events --sort-by=.lastTimestamp | tail -20',
  ],
});

export const clusterAutoscaler: Signature = family({
  id: 'cluster-autoscaler',
  title: 'Cluster autoscaler unable to scale up',
  weight: 58,
  role: 'cause',
  names: [
    'ClusterAutoscalerUnschedulablePods',
    'ClusterAutoscalerNotSafeToScale',
    'ClusterAutoscalerUnableToScaleCPULimitReached',
    'ClusterAutoscalerUnableToScaleMemoryLimitReached',
  ],
  summary: (v) =>
    `The cluster autoscaler ${v.key.includes('notsafe') ? 'stopped scaling: too many nodes are unready' : v.key.includes('limitreached') ? 'reached its total CPU/memory limit' : 'cannot add nodes for pending pods'} (\`${v.name}\`): pods stay Pending.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('notsafe')
      ? [
          ['Too many nodes in NotReady state (kubelet, network or cloud problems)', 0.55, 'infrastructure'],
          [
            'Many new nodes take longer than 15 minutes to join the cluster (boot, ignition, CSR approval)',
            0.3,
            'infrastructure',
          ],
        ]
      : v.key.includes('limitreached')
        ? [
            [
              'The maximum cores/memory on the ClusterAutoscaler is set too low for the workload',
              0.5,
              'configuration',
            ],
            ['Too many nodes, or larger nodes than expected, already in the cluster', 0.35, 'capacity'],
          ]
        : [
            ['Node group/MachineAutoscaler replica maximum reached', 0.4, 'configuration'],
            ['ClusterAutoscaler max nodes, CPU or memory limit reached', 0.3, 'configuration'],
            [
              'The cloud provider is slow or failing to create nodes (quota, capacity, API errors)',
              0.2,
              'infrastructure',
            ],
          ],
  steps: () => [
    'kubectl get pods -A --field-selector=status.phase=Pending',
    'kubectl -n kube-system describe configmap cluster-autoscaler-status  # or: oc get clusterautoscaler,machineautoscaler -A',
    'kubectl -n kube-system logs deploy/cluster-autoscaler --tail=200 | grep -iE "scale.up|failed|max"',
    'PromQL: cluster_autoscaler_unschedulable_pods_count, cluster_autoscaler_nodes_count, cluster_autoscaler_failed_scale_ups_total',
  ],
});

export const keda: Signature = family({
  id: 'keda-scaler-errors',
  title: 'KEDA scaler failing (autoscaling blind)',
  weight: 50,
  names: [
    'KEDAScalerErrors',
    'KEDAScalerError',
    'KEDAScaledObjectErrors',
    'KEDAScaledObjectError',
    'KEDAMetricsAdapterDown',
    'MimirAutoscalerNotActive',
    'MimirAutoscalerKedaFailing',
  ],
  namePattern: /^keda\w*(?:error|fail|down)/,
  summary: (v) =>
    `KEDA${v.labels.scaledObject ? ` ScaledObject \`${v.labels.scaledObject}\`` : ''}${v.labels.scaler ? ` (scaler \`${v.labels.scaler}\`)` : ''} cannot compute the desired scale (\`${v.name}\`): the workload no longer autoscales.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('down')
      ? [
          ['The KEDA metrics API server pods are down or failing', 0.55, 'application'],
          [
            'The v1beta1.external.metrics.k8s.io APIService is unavailable (certificate, network policy)',
            0.3,
            'configuration',
          ],
        ]
      : [
          [
            'The scaler cannot query its source: Prometheus, queue or API down or unreachable',
            0.45,
            'dependency',
          ],
          ['Wrong credentials or TriggerAuthentication/secret for the scaler', 0.3, 'configuration'],
          [
            'The trigger query returns no data or an invalid value (renamed metric, bad query)',
            0.15,
            'configuration',
          ],
        ],
  steps: (v) => [
    v.labels.scaledObject && `${kubectl(v.namespace)} describe scaledobject ${sh(v.labels.scaledObject)}`,
    `${kubectl(v.namespace)} describe hpa${v.labels.scaledObject ? ` keda-hpa-${sh(v.labels.scaledObject)}` : ''}  # ScalingActive condition`,
    'kubectl -n keda logs deploy/keda-operator --tail=200 | grep -i error; kubectl -n keda logs deploy/keda-operator-metrics-apiserver --tail=100',
    'PromQL: sum by (scaledObject, scaler) (rate(keda_scaler_detail_errors_total[5m]) or rate(keda_scaler_errors_total[5m]))',
  ],
});

export const externalDns: Signature = family({
  id: 'external-dns',
  title: 'external-dns failing to sync DNS records',
  weight: 50,
  names: [
    'ExternalDNSRegistryErrors',
    'ExternalDNSSourceErrors',
    'ExternalDNSSyncFailed',
    'ExternalDNSSyncFailure',
    'ExternalDNSNotSyncing',
  ],
  namePattern: /^externaldns\w*(?:error|fail|sync)/,
  summary: (v) =>
    `external-dns${v.namespace ? ` in \`${v.namespace}\`` : ''} ${v.key.includes('source') ? 'cannot read its sources (Ingresses, Services)' : 'cannot update the DNS provider'} (\`${v.name}\`): new or changed hostnames do not resolve.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('source')
      ? [
          [
            'RBAC: external-dns cannot list/watch Ingresses, Services or CRDs it is configured for',
            0.5,
            'configuration',
          ],
          ['An invalid hostname/target annotation on a source object', 0.3, 'configuration'],
        ]
      : [
          [
            'The DNS provider API rejects the calls: credentials, IAM permissions or zone access',
            0.45,
            'configuration',
          ],
          ['Provider rate limiting or outage', 0.25, 'dependency'],
          [
            'TXT registry ownership conflict: records owned by another external-dns (txt-owner-id)',
            0.2,
            'configuration',
          ],
        ],
  steps: (v) => [
    `${kubectl(v.namespace)} logs deploy/external-dns --tail=200 | grep -iE 'level=(error|warn)|denied|throttl'`,
    'PromQL: rate(external_dns_registry_errors_total[5m]), rate(external_dns_source_errors_total[5m]), time() - external_dns_controller_last_sync_timestamp_seconds',
  ],
});

// --- OpenShift platform operators (github.com/openshift/runbooks) ---

export const openshiftIngress: Signature = family({
  id: 'openshift-ingress-controller',
  title: 'OpenShift IngressController degraded or router reload failing',
  weight: 68,
  names: ['IngressControllerDegraded', 'IngressControllerUnavailable', 'HAProxyReloadFail'],
  summary: (v) =>
    v.key.includes('reload')
      ? `The OpenShift router${v.pod ? ` \`${v.pod}\`` : ''} failed to reload HAProxy (\`${v.name}\`): new or changed routes are not picked up.`
      : `IngressController ${q(v.labels.name)} is ${v.key.includes('unavailable') ? 'unavailable' : 'degraded'} (\`${v.name}\`): access to applications through routes is affected.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('reload')
      ? [
          [
            'A recent HAProxy tuning in the IngressController CR (or a route annotation) produced an invalid config',
            0.55,
            'configuration',
          ],
          ['The router pod is short of resources while reloading with many routes', 0.2, 'capacity'],
        ]
      : [
          [
            'Router pods not running or not schedulable (node selector, replicas, node failures)',
            0.4,
            'infrastructure',
          ],
          [
            'The LoadBalancer service or its DNS record cannot be provisioned (cloud provider, DNS zone)',
            0.3,
            'dependency',
          ],
          ['A bad IngressController spec or default certificate secret', 0.2, 'configuration'],
        ],
  steps: (v) => [
    'oc -n openshift-ingress get pods -o wide',
    `oc -n openshift-ingress-operator get ingresscontroller ${sh(v.labels.name ?? 'default')} -o yaml  # status.conditions`,
    v.pod
      ? `oc -n openshift-ingress logs ${sh(v.pod)} --tail=200`
      : 'oc -n openshift-ingress-operator logs deploy/ingress-operator --tail=200',
  ],
});

/** The monitoring component (app.kubernetes.io/name) behind PrometheusPossibleNarrowSelectors, from its job. */
const narrowComponent = (v: AlertView): string => {
  const job = v.labels.job ?? '';
  if (job.includes('thanos-ruler')) return 'thanos-ruler';
  if (job.includes('thanos-querier')) return 'thanos-query';
  return 'prometheus';
};

export const openshiftMonitoringMisc: Signature = family({
  id: 'openshift-monitoring-components',
  title: 'OpenShift monitoring component failing (telemetry, metrics-server, selectors, config)',
  weight: 36,
  names: [
    'TelemeterClientFailures',
    'MetricsServerKubeletScrapeFailures',
    'PrometheusPossibleNarrowSelectors',
    'ClusterMonitoringOperatorDeprecatedConfig',
  ],
  summary: (v) =>
    v.key.includes('telemeter')
      ? `The Telemeter client fails to send telemetry to Red Hat (\`${v.name}\`).`
      : v.key.includes('metricsserver')
        ? `metrics-server${v.pod ? ` \`${v.pod}\`` : ''} fails more than 10% of its kubelet scrapes (\`${v.name}\`): \`oc top\`, HPA and VPA lose resource metrics.`
        : v.key.includes('narrow')
          ? `PromQL queries or relabelings on ${q(v.pod)} use selectors on \`le\`/\`quantile\` that may miss float values (\`${v.name}\`).`
          : `The cluster-monitoring-config uses a deprecated field (\`${v.name}\`).`,
  causes: (v): CauseSpec[] =>
    v.key.includes('telemeter')
      ? [
          ['An outage of the Red Hat Telemeter service (502/503 from its gateway)', 0.35, 'dependency'],
          ['401/403: the global cluster pull secret is outdated or invalid', 0.3, 'configuration'],
          [
            'No egress to the telemetry endpoint (disconnected cluster, firewall or HTTP proxy)',
            0.2,
            'network',
          ],
          ['The client cannot federate from Prometheus (prometheus-k8s pods unavailable)', 0.1, 'dependency'],
        ]
      : v.key.includes('metricsserver')
        ? [
            [
              'Nodes not ready or churning (upgrade, drain, autoscaling, spot interruption)',
              0.4,
              'infrastructure',
            ],
            [
              'The kubelet is unreachable on port 10250 (network policy, firewall, routing) or times out',
              0.3,
              'network',
            ],
            [
              'metrics-server client certificates or the kubelet serving CA bundle are missing or wrong',
              0.2,
              'certificate',
            ],
          ]
        : v.key.includes('narrow')
          ? [
              [
                'A query or metric_relabel_config matches `le`/`quantile` as integers ("1") while values are now floats ("1.0")',
                0.7,
                'configuration',
              ],
            ]
          : [
              [
                'The cluster-monitoring-config ConfigMap sets a field that is deprecated',
                0.7,
                'configuration',
              ],
            ],
  steps: (v) => [
    v.key.includes('telemeter') &&
      "oc -n openshift-monitoring logs deploy/telemeter-client -c telemeter-client --tail=200 | grep -E 'level=error'  # 5xx: Telemeter outage; 401/403: pull secret; federate errors: Prometheus",
    v.key.includes('metricsserver') &&
      'oc -n openshift-monitoring logs deploy/metrics-server --tail=200 | grep "Failed to scrape node"; oc top nodes',
    v.key.includes('narrow') &&
      `oc -n ${sh(v.namespace ?? 'openshift-monitoring')} logs -l app.kubernetes.io/name=${narrowComponent(v)} --tail=-1 | grep narrow_matcher_label | sort | uniq -c | sort -n  # after setting the component's log level to debug`,
    v.key.includes('deprecated') &&
      'oc -n openshift-monitoring get configmap cluster-monitoring-config -o yaml',
  ],
});

export const ovnKubernetes: Signature = family({
  id: 'ovn-kubernetes',
  title: 'OVN-Kubernetes control plane or node agent down',
  weight: 74,
  role: 'cause',
  names: [
    'NoRunningOvnControlPlane',
    'NoRunningOvnMaster',
    'NoOvnClusterManagerLeader',
    'NoOvnMasterLeader',
    'NodeWithoutOVNKubeNodePodRunning',
    'NorthboundStale',
    'NorthboundStaleAlert',
    'SouthboundStale',
    'SouthboundStaleAlert',
    'OVNKubernetesControllerDisconnectedSouthboundDatabase',
    'OVNKubernetesMasterSouthboundDatabaseMonitorLoss',
    'OVNKubernetesNorthdInactive',
    'V4SubnetAllocationThresholdExceeded',
  ],
  summary: (v) =>
    v.key.includes('subnet')
      ? `More than 80% of the node subnets of the cluster network are allocated (\`${v.name}\`): soon no more nodes can join.`
      : `OVN-Kubernetes ${v.key.includes('nodewithout') ? `has no running ovnkube-node pod on ${q(v.node)}` : 'control plane is degraded'} (\`${v.name}\`): network changes (new pods, policies, egress IPs) are not applied.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('subnet')
      ? [
          [
            'The cluster network CIDR/hostPrefix holds too few node subnets for the node count',
            0.7,
            'capacity',
          ],
        ]
      : v.key.includes('nodewithout')
        ? [
            [
              'The ovnkube-node pod on the node crashes or cannot start (check its containers)',
              0.5,
              'application',
            ],
            [
              'The node is unhealthy (NotReady, OVS down), so the DaemonSet pod cannot run',
              0.3,
              'infrastructure',
            ],
          ]
        : [
            [
              'Control plane nodes powered off or unable to reach each other over the network',
              0.35,
              'infrastructure',
            ],
            ['ovnkube control-plane/master pods not ready (crash, failing container)', 0.35, 'application'],
            [
              'The OVN NB/SB database raft has no leader (mismatching cluster IDs) or the master cannot connect to it',
              0.2,
              'data',
            ],
          ],
  steps: (v) => [
    'oc -n openshift-ovn-kubernetes get pods -o wide',
    'oc get co network && oc describe co network | grep -A5 Degraded',
    v.key.includes('nodewithout') && 'oc -n openshift-ovn-kubernetes get daemonset ovnkube-node',
    v.key.includes('subnet') &&
      "oc get networks.config.openshift.io/cluster -o jsonpath='{.spec.clusterNetwork}'; oc get nodes --no-headers | wc -l",
  ],
});

export const openshiftEtcd: Signature = family({
  id: 'openshift-etcd-extra',
  title: 'etcd slow gRPC requests, divergent revisions or signer CA expiry (OpenShift)',
  weight: 84,
  role: 'cause',
  names: [
    'etcdGRPCReadRequestsSlow',
    'etcdGRPCWriteRequestsSlow',
    'etcdDivergentRevisions',
    'etcdSignerCAExpirationCritical',
  ],
  summary: (v) =>
    v.key.includes('signer')
      ? `The etcd signer CA certificate approaches expiry (\`${v.name}\`): when it expires the cluster becomes unavailable and very hard to recover.`
      : v.key.includes('divergent')
        ? `etcd members report divergent revisions (\`${v.name}\`): a member is stuck or split-brained.`
        : `etcd is slow to serve gRPC ${v.key.includes('read') ? 'reads (Range)' : 'writes (Txn)'} (\`${v.name}\`): every API server request waits on it.`,
  causes: (v): CauseSpec[] =>
    v.key.includes('signer')
      ? [['The etcd signer CA is not rotated automatically and needs a manual rotation', 0.7, 'certificate']]
      : v.key.includes('divergent')
        ? [
            ['A member is stuck or lagging (disk, network) and needs to be replaced', 0.5, 'infrastructure'],
            ['A split-brained member after a faulty recovery or data corruption', 0.35, 'data'],
          ]
        : [
            ['Slow disk: high fsync/commit durations on the etcd data volume', 0.55, 'infrastructure'],
            ['Network latency or packet loss between etcd members', 0.2, 'network'],
            ['CPU starvation on control plane nodes or a very large keyspace/requests', 0.15, 'capacity'],
          ],
  steps: (v) => [
    'oc -n openshift-etcd get pods -l app=etcd -o wide',
    v.key.includes('signer')
      ? 'PromQL: openshift_etcd_operator_signer_expiration_days  # days left, by name (etcd-signer, etcd-metric-signer)'
      : 'PromQL: histogram_quantile(0.99, sum by (instance, le) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m]))), etcd_debugging_mvcc_current_revision',
    v.key.includes('signer') &&
      'oc -n openshift-etcd get secret etcd-signer etcd-metric-signer -o jsonpath=\'{range .items[*]}{.metadata.name}{"\\t"}{.metadata.annotations.auth\\.openshift\\.io/certificate-not-after}{"\\n"}{end}\'',
    'oc -n openshift-etcd rsh -c etcdctl $(oc -n openshift-etcd get pods -l app=etcd -o name | head -1) etcdctl endpoint status -w table',
  ],
});

export const clusterAddonSignatures: Signature[] = [
  argoCdSync,
  argoCdHealth,
  fluxReconcile,
  vault,
  consul,
  istioControlPlane,
  istioGateway,
  clusterAutoscaler,
  keda,
  externalDns,
  openshiftIngress,
  openshiftMonitoringMisc,
  ovnKubernetes,
  openshiftEtcd,
];
