/**
 * JSON for a `$n::jsonb` parameter. jsonb refuses two things JSON text may hold: the NUL character
 * (22P05/22021) and unpaired UTF-16 surrogates (22P02) — which JSON.stringify writes as `\u0000` and
 * `\udXXX` escapes, and which a title cut in the middle of an emoji produces. Both become U+FFFD, so one
 * odd character never makes a whole write fail. An escape is only rewritten when it is one (preceded by
 * an even run of backslashes): the text `\u0000` written out as `\\u0000` stays as it is.
 */
const BAD_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

export function jsonParam(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('\\u') ? text.replace(BAD_ESCAPE, '$1\\ufffd') : text;
}
