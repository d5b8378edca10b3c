import type { Generator } from './common.ts';
import { appPoolSize, maxConnections } from './database.ts';
import { hostPlaybook } from './host.ts';
import { cpuLimit, crashLoopMemoryLimit, memoryLimit } from './resources.ts';
import { hpaMaxReplicas, imageRollback, probeTimeouts, pvcStorage } from './workloads.ts';

export type { Generator } from './common.ts';

/** Every deterministic generator; a signature served by several proposes in this order (unless one leads). */
export const generators: readonly Generator[] = [
  memoryLimit,
  cpuLimit,
  hpaMaxReplicas,
  probeTimeouts,
  imageRollback,
  crashLoopMemoryLimit,
  pvcStorage,
  maxConnections,
  appPoolSize,
  hostPlaybook,
];
