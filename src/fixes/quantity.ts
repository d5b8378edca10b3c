/**
 * Kubernetes resource quantities (`512Mi`, `1.5Gi`, `500m`, `2`): parse to a number, and the sizing rules the
 * generators share, each explained in words for the PR body.
 */

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** The value of a quantity in base units (bytes, cores); undefined when it is not a quantity. */
export function parseQuantity(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1] + (m[2] ?? ''));
  if (!Number.isFinite(n)) return undefined;
  const suffix = m[3] ?? '';
  return n * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

const MI = 2 ** 20;
const GI = 2 ** 30;

/** Bytes as a person reads them: `1.9 GiB`, `384 MiB`. */
export function humanBytes(bytes: number): string {
  if (bytes >= GI) return `${trim(bytes / GI)} GiB`;
  if (bytes >= MI) return `${trim(bytes / MI)} MiB`;
  return `${Math.round(bytes)} B`;
}

function trim(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/**
 * Memory rounded UP to a sensible unit: below 1 GiB to a multiple of 64 MiB (`384Mi`), from 1 GiB to a half GiB
 * (`2.5Gi`, `3Gi`).
 */
export function roundMemoryUp(bytes: number): { bytes: number; text: string } {
  if (bytes <= GI) {
    const mi = Math.max(64, Math.ceil(bytes / MI / 64) * 64);
    return mi === 1024 ? { bytes: GI, text: '1Gi' } : { bytes: mi * MI, text: `${mi}Mi` };
  }
  const halves = Math.ceil(bytes / (GI / 2));
  return { bytes: (halves * GI) / 2, text: `${halves / 2}Gi` };
}

/** CPU rounded UP to 100 millicores (`300m`), whole cores from 1 core on (`1500m` stays millicores). */
export function roundCpuUp(cores: number): { cores: number; text: string } {
  const milli = Math.max(100, Math.ceil((cores * 1000) / 100) * 100);
  return milli % 1000 === 0
    ? { cores: milli / 1000, text: String(milli / 1000) }
    : { cores: milli / 1000, text: `${milli}m` };
}

/** Storage rounded UP to whole GiB (`15Gi`); below 1 GiB to 256 MiB. */
export function roundStorageUp(bytes: number): { bytes: number; text: string } {
  if (bytes <= GI) {
    const mi = Math.ceil(bytes / MI / 256) * 256;
    return mi === 1024 ? { bytes: GI, text: '1Gi' } : { bytes: mi * MI, text: `${mi}Mi` };
  }
  const gi = Math.ceil(bytes / GI - 1e-9);
  return { bytes: gi * GI, text: `${gi}Gi` };
}

/** +50 %, at least +1: the rule for counts (maxReplicas, failureThreshold, max_connections). */
export function raiseCount(n: number): number {
  return n + Math.max(1, Math.ceil(n / 2));
}
