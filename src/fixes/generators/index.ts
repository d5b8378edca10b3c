import type { Generator } from './common.ts';
import { cpuLimit, memoryLimit } from './resources.ts';

export type { Generator } from './common.ts';

/** Every deterministic generator, in the order they are tried for a signature. */
export const generators: readonly Generator[] = [memoryLimit, cpuLimit];
