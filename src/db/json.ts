/**
 * JSON for a `$n::jsonb` parameter. jsonb cannot hold the NUL character, which is valid in JSON text;
 * it becomes U+FFFD so one odd label never makes a whole delivery fail.
 */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value).replaceAll('\\u0000', '\\ufffd');
}
