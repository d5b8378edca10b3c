/**
 * The catalogue of well-known failure signatures, keyed on real alert names (kube-prometheus,
 * kubernetes-mixin, awesome-prometheus-alerts) and on reason labels and alert text. Order matters for the
 * pattern tiers: specific signatures come before broad ones.
 */
import type { Signature } from '../types.ts';
import { controllerSignatures } from './controllers.ts';
import { nodeSignatures } from './nodes.ts';
import { probeSignatures } from './probes.ts';
import { serviceSignatures } from './services.ts';
import { workloadSignatures } from './workloads.ts';

export const CATALOGUE: readonly Signature[] = [
  ...workloadSignatures,
  ...controllerSignatures,
  ...nodeSignatures,
  ...probeSignatures,
  ...serviceSignatures,
];
