/**
 * The catalogue of well-known failure signatures, keyed on real alert names (kube-prometheus,
 * kubernetes-mixin, awesome-prometheus-alerts) and on reason labels and alert text. Order matters for the
 * pattern tiers: specific signatures come before broad ones.
 */
import type { Signature } from '../types.ts';
import { awsSignatures } from './cloud-aws.ts';
import { otherCloudSignatures } from './cloud-other.ts';
import { clusterAddonSignatures } from './cluster-addons.ts';
import { controllerSignatures } from './controllers.ts';
import { datastoreSignatures } from './datastores.ts';
import { homeGrownSignatures } from './home-grown.ts';
import { hostSignatures } from './hosts.ts';
import { kubernetesSignatures } from './kubernetes.ts';
import { messagingSignatures } from './messaging.ts';
import { monitoringSignatures } from './monitoring.ts';
import { nodeSignatures } from './nodes.ts';
import { platformSignatures } from './platform.ts';
import { probeSignatures } from './probes.ts';
import { proxySignatures } from './proxies.ts';
import { serviceSignatures } from './services.ts';
import { storageSystemSignatures } from './storage-systems.ts';
import { workloadSignatures } from './workloads.ts';

export const CATALOGUE: readonly Signature[] = [
  ...platformSignatures,
  ...workloadSignatures,
  ...controllerSignatures,
  ...kubernetesSignatures,
  ...messagingSignatures,
  ...nodeSignatures,
  ...hostSignatures,
  ...monitoringSignatures,
  ...datastoreSignatures,
  ...storageSystemSignatures,
  ...clusterAddonSignatures,
  ...awsSignatures,
  ...otherCloudSignatures,
  ...proxySignatures,
  ...probeSignatures,
  ...serviceSignatures,
  ...homeGrownSignatures,
];
