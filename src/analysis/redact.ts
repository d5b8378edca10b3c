/**
 * Secret redaction for everything that leaves the process: prompts for the LLM, Slack messages,
 * stored excerpts. `redact` rewrites a text, `redactDeep` a JSON-like value; both count what they hid.
 *
 * A secret is replaced by `[REDACTED:<kind>]` and only the secret: the key, the quotes, the URL around
 * it stay, so the text stays readable (`postgres://app:[REDACTED:url-password]@db:5432/x`,
 * `password=[REDACTED:key-value-secret]`, `Authorization: Bearer [REDACTED:bearer]`).
 *
 * Choices, so the behaviour is predictable:
 * - Vendor tokens are found by their shape (ghp_…, xoxb-…, AKIA…, sk-ant-…, eyJ….eyJ….…); anything else
 *   only by context: a key that names a secret (`DB_PASSWORD=`, `"client_secret":`, `token: `), a URL
 *   with a password, an `Authorization` header, a PEM private key block.
 * - A key names a secret when its last words do (password, passwd, pwd, passphrase, secret, token,
 *   api key, access key, private key, client secret, authorization, cookie, session, credentials…).
 *   `secretName`, `existingSecret`, `secretKeyRef`, `token_bucket_size`, `max_tokens`, `private_key_id`
 *   do not: the NAME of a Kubernetes Secret, a size or an id is not a secret and must stay readable.
 * - A value that hides nothing is kept: empty, `null`, `true`/`false`, `***`, `<redacted>`, `${VAR}`,
 *   `$VAR`, `{{ .Values.x }}`, an earlier `[REDACTED:…]` (so redaction is idempotent), and a path
 *   after `PWD`/`OLDPWD` (the shell's working directory, in every env dump).
 * - `key: value` with an unquoted key counts only at the start of a line (YAML, HTTP headers,
 *   `kubectl describe`), right after a quote (`-H 'X-Api-Key: …'`) or with no space after the colon
 *   (`{Password:…}`): prose such as `invalid token: expired` is left alone.
 * - No generic "high entropy" rule: it cannot tell a secret from a git SHA, an image digest, a trace
 *   id or a base64 payload, all of which an incident needs.
 * - Emails are personal data, not secrets: redacted only with `{ emails: true }`.
 * - Known gap: a YAML block scalar (`password: |` and indented lines) is not redacted.
 * - Vendor tokens are found wherever they start, not only at a word boundary: `yyyyAKIA…`, `xxxxxoxb-…`,
 *   `…failedpostgres://app:pw@db` glued to the text before them are secrets all the same. Their
 *   prefixes are distinctive enough that prose does not match; only the AWS key id (20 characters of
 *   A–Z and 0–9) must not be inside a longer run of A–Z and 0–9.
 * - Text is redacted BEFORE it is cut, never after: a cut token (30 of a `ghp_` token's 40 characters,
 *   a JWT without its signature) no longer matches any rule. `redactAndCut` is the one way to shorten
 *   text that may hold a secret; the Slack renderers' `truncate`/`splitText` and the offline analyzer's
 *   `clip` redact first too.
 *
 * Every regex is precompiled, bounded, and free of nested quantifiers; a pass is linear in the text
 * (also for a token prefix repeated many times, which the adversarial tests check).
 */

export interface RedactionFinding {
  kind: string;
  count: number;
}

export interface RedactOptions {
  /** Also redact email addresses (default false). */
  emails?: boolean;
}

export interface RedactResult {
  text: string;
  findings: RedactionFinding[];
}

/** Every kind `redact` can report, in the order its rules run. */
export const REDACTION_KINDS = [
  'private-key',
  'slack-webhook',
  'jwt',
  'anthropic-key',
  'openai-key',
  'github-token',
  'gitlab-token',
  'slack-token',
  'stripe-key',
  'gcp-key',
  'aws-access-key',
  'npm-token',
  'sendgrid-key',
  'vault-token',
  'aws-secret-key',
  'azure-key',
  'url-signature',
  'url-password',
  'bearer',
  'basic-auth',
  'auth-header',
  'key-value-secret',
  'email',
] as const;

export type RedactionKind = (typeof REDACTION_KINDS)[number];

const KV_KIND: RedactionKind = 'key-value-secret';

export function placeholder(kind: string): string {
  return `[REDACTED:${kind}]`;
}

class Tally {
  private readonly counts = new Map<string, number>();

  add(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  list(): RedactionFinding[] {
    return [...this.counts].map(([kind, count]) => ({ kind, count }));
  }
}

// ---------------------------------------------------------------------------------------------------
// Key names and values

/** Joined lower-case words a secret key ends with (`DB_PASSWORD` → "dbpassword" ends with "password"). */
const SECRET_KEY_ENDINGS = [
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'accountkey',
  'signingkey',
  'encryptionkey',
  'masterkey',
  'authorization',
  'cookie',
  'cookies',
  'session',
  'sessionid',
  'sessionkey',
  'credential',
  'credentials',
];

/** Words that make a key point AT a secret rather than hold one (`existingSecret: db-creds`). */
const REFERENCE_WORDS = new Set(['existing']);

/** True when a key (env var, JSON/YAML key, header, CLI flag) names a secret. */
export function isSecretKeyName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  if (words.length === 0 || words.some((word) => REFERENCE_WORDS.has(word))) return false;
  const joined = words.join('');
  return SECRET_KEY_ENDINGS.some((ending) => joined.endsWith(ending));
}

const NON_SECRET_WORD =
  /^(?:null|nil|none|undefined|true|false|n\/a|redacted|filtered|hidden|masked|removed|omitted|\*+|x{3,}|\.{3}|…)$/i;

/** A value that hides nothing: empty, null-ish, a mask, a template or env reference, or already redacted. */
function isNonSecretValue(value: string, key = ''): boolean {
  const v = value.trim();
  if (v === '' || NON_SECRET_WORD.test(v)) return true;
  if (/\[(?:redacted|filtered|hidden|masked)/i.test(v)) return true;
  if (/^\$\{[^}]*\}$/.test(v) || /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v) || /^\{\{[\s\S]*\}\}$/.test(v))
    return true;
  if (/^<[^<>]*>/.test(v) || /^%[sv]$/.test(v)) return true;
  // The shell's PWD / OLDPWD (a directory) vs. an ODBC `Pwd=` (a password).
  if (/pwd$/i.test(key) && /^[/~]/.test(v)) return true;
  return false;
}

function isAlreadyRedacted(value: string): boolean {
  return value.includes('[REDACTED:');
}

// ---------------------------------------------------------------------------------------------------
// Shape and context rules

interface Rule {
  kind: RedactionKind;
  /** Flags `gd`: the secret is the first named group among `s`, `s2`, `s3` that took part. */
  re: RegExp;
  /** Cheap pre-test: the rule runs only when the text matches it. */
  hint?: RegExp;
  /** Extra check on a candidate; false leaves it alone. */
  accept?: (secret: string, m: RegExpExecArray) => boolean;
  /** The kind to report when it depends on the match (e.g. the Authorization scheme). */
  kindOf?: (m: RegExpExecArray) => RedactionKind;
}

const SECRET_GROUPS = ['s', 's2', 's3'] as const;

function looksRandom(s: string): boolean {
  return /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);
}

const TOKEN_SCHEMES: Record<string, RedactionKind> = {
  bearer: 'bearer',
  token: 'bearer',
  bot: 'bearer',
  apikey: 'bearer',
  basic: 'basic-auth',
};

// Any header or variable ending in `authorization`: `Proxy-Authorization`, `X-Authorization`, `HTTP_AUTHORIZATION`.
const AUTH_HEAD = String.raw`authorization\\?["']?[ \t]*[:=][ \t]*\\?["']?`;

const RULES: readonly Rule[] = [
  {
    // The body stops at the first `-----` (its END line, or the next BEGIN): never a scan to the end.
    kind: 'private-key',
    re: /(?<s>-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-(?!----)){0,16384}-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)/dg,
    hint: /PRIVATE KEY/,
  },
  {
    // A key cut off before its END line (truncated log, size-limited field): hide what is there.
    kind: 'private-key',
    re: /(?<s>-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\r\n]|\\[nr]){0,16384})/dg,
    hint: /PRIVATE KEY/,
  },
  {
    kind: 'slack-webhook',
    re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<s>[A-Za-z0-9_/-]{8,})/dg,
    hint: /hooks\.slack\.com/,
  },
  {
    kind: 'jwt',
    // Glued to text is fine (`tokeneyJ…`), but only the first `eyJ` of a run of token characters may
    // start one: a later start would fail for the same reason, and `eyJeyJeyJ…` would be quadratic.
    re: /(?<!eyJ[A-Za-z0-9_-]*?)(?<s>eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)/dg,
    hint: /eyJ/,
  },
  {
    kind: 'anthropic-key',
    re: /(?<s>sk-ant-[A-Za-z0-9_-]{20,})/dg,
    hint: /sk-ant-/,
  },
  {
    kind: 'openai-key',
    re: /(?<s>sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{32,}))/dg,
    hint: /sk-/,
    accept: looksRandom,
  },
  {
    kind: 'github-token',
    // No check of what follows: a start that failed on it would let a later, glued start succeed, and
    // the next pass would then match the first one (`ghp_…ghp_…`), so redaction would not be idempotent.
    re: /(?<s>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,247})/dg,
    hint: /gh[pousr]_|github_pat_/,
  },
  {
    kind: 'gitlab-token',
    re: /(?<s>glpat-[A-Za-z0-9_-]{20,})/dg,
    hint: /glpat-/,
  },
  {
    kind: 'slack-token',
    re: /(?<s>(?:xox[abposre](?:\.xox[a-z])?|xapp)-[A-Za-z0-9-]{10,})/dg,
    hint: /xox|xapp-/,
  },
  {
    kind: 'stripe-key',
    re: /(?<s>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|whsec_[A-Za-z0-9]{20,})/dg,
    hint: /_live_|_test_|whsec_/,
  },
  {
    kind: 'gcp-key',
    re: /(?<s>AIza[0-9A-Za-z_-]{35,})/dg,
    hint: /AIza/,
  },
  {
    kind: 'aws-access-key',
    // Exactly 20 of A–Z0–9: glued to lower-case text (`yyyyAKIA…`) it is found, inside a longer run of
    // A–Z0–9 it cannot be told apart (and matching there would peel 20 characters per pass).
    re: /(?<![A-Z0-9])(?<s>(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Z0-9])/dg,
    hint: /AKIA|ASIA|ABIA|ACCA/,
  },
  {
    kind: 'npm-token',
    re: /(?<s>npm_[A-Za-z0-9]{36,})/dg,
    hint: /npm_/,
  },
  {
    kind: 'sendgrid-key',
    re: /(?<s>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43,})/dg,
    hint: /SG\./,
  },
  {
    kind: 'vault-token',
    re: /(?<![.])(?<s>hv[sbr]\.[A-Za-z0-9_-]{24,})(?![A-Za-z0-9_-])/dg,
    hint: /hv[sbr]\./,
  },
  {
    kind: 'aws-secret-key',
    re: /(?<![A-Za-z0-9])(?:aws[_-]?)?secret[_-]?access[_-]?key\\?["']?[ \t]*[:=][ \t]*\\?["']?(?<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/dgi,
    hint: /secret.?access.?key/i,
  },
  {
    kind: 'azure-key',
    re: /(?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey)[ \t]*=[ \t]*(?<s>[A-Za-z0-9+/]{20,}={0,2})/dgi,
    hint: /AccountKey|SharedAccessKey/i,
  },
  {
    // Pre-signed URLs (Azure SAS, S3, GCS): the signature grants access until it expires.
    kind: 'url-signature',
    re: /[?&](?:sig|X-Amz-Signature|X-Goog-Signature)=(?<s>[A-Za-z0-9%+/=]{16,})/dgi,
    hint: /sig(?:nature)?=/i,
  },
  {
    kind: 'url-password',
    // No scheme needed: `://user:password@` is enough, wherever it starts (`…failedpostgres://…`).
    re: /:\/\/[^\s:/?#@"'<>[\]]{0,256}:(?<s>[^\s/?#@"'<>]{1,256})@/dg,
    hint: /:\/\//,
    accept: (secret) => !isNonSecretValue(secret),
  },
  {
    kind: 'bearer',
    re: new RegExp(
      String.raw`${AUTH_HEAD}(?<scheme>bearer|token|bot|apikey|basic)[ \t]+(?<s>[^\s"',;\\\x60]+)`,
      'dgi',
    ),
    hint: /authorization/i,
    accept: (secret) => !isNonSecretValue(secret),
    kindOf: (m) => TOKEN_SCHEMES[(m.groups?.scheme ?? '').toLowerCase()] ?? 'bearer',
  },
  {
    kind: 'auth-header',
    re: new RegExp(
      String.raw`${AUTH_HEAD}(?:digest|negotiate|ntlm|aws4-hmac-sha256|hmac|signature)[ \t]+(?<s>[^\r\n"'\\\x60]+)`,
      'dgi',
    ),
    hint: /authorization/i,
    accept: (secret) => !isNonSecretValue(secret),
  },
  {
    // A bearer token anywhere (`curl … Bearer …`, `Using Bearer …`): long and with a digit, so prose
    // like "Bearer token missing or malformed" stays.
    kind: 'bearer',
    // The `=` padding ends the token: were the lookahead to refuse text after it, a second pass would
    // match once that text is redacted (`Bearer …=password=x`), and redaction would not be idempotent.
    re: /[Bb]earer[ \t]+(?<s>[A-Za-z0-9._~+/-]{20,}=*)(?![A-Za-z0-9._~+/-])/dg,
    hint: /[Bb]earer/,
    accept: (secret) => /[0-9]/.test(secret),
  },
  {
    // Kubernetes env entries: `- name: DB_PASSWORD` then `value: …` on the next line.
    kind: KV_KIND,
    re: /(?<![A-Za-z0-9_-])name:[ \t]*(?<q>["']?)(?<name>[A-Za-z_][\w.-]{0,80})\k<q>[ \t]*\r?\n[ \t]*value:[ \t]*(?:"(?<s>[^"\r\n]*)"|'(?<s2>[^'\r\n]*)'|(?<s3>[^\s"'#](?:[^\r\n]*[^\s])?))/dg,
    hint: /value:/,
    accept: (secret, m) => isSecretKeyName(m.groups?.name ?? '') && !isNonSecretValue(secret),
  },
  {
    // The same in JSON: `{"name":"DB_PASSWORD","value":"…"}`.
    kind: KV_KIND,
    re: /"name"[ \t]*:[ \t]*"(?<name>[A-Za-z_][\w.-]{0,80})"[ \t]*,[ \t]*"value"[ \t]*:[ \t]*"(?<s>(?:[^"\\\r\n]|\\.)*)"/dg,
    hint: /"value"/,
    accept: (secret, m) => isSecretKeyName(m.groups?.name ?? '') && !isNonSecretValue(secret),
  },
  {
    // CLI flags with the value after a space: `--password 's3cr3t'`, `--token abc123`. Bare words must
    // look like a credential (some non-letter, 6+ chars) so "--token is required" stays.
    kind: KV_KIND,
    re: /(?<![A-Za-z0-9_-])(?<flag>--?[A-Za-z][\w-]{0,60})[ \t]+(?:"(?<s>[^"\r\n]*)"|'(?<s2>[^'\r\n]*)'|(?<s3>[^\s"'-][^\s"']*))/dg,
    hint: /-[A-Za-z]/,
    accept: (secret, m) =>
      isSecretKeyName(m.groups?.flag ?? '') &&
      !isNonSecretValue(secret) &&
      (m.groups?.s3 === undefined || (secret.length >= 6 && /[^A-Za-z]/.test(secret))),
  },
];

const EMAIL_RULE: Rule = {
  kind: 'email',
  re: /(?<![A-Za-z0-9._%+-])(?<s>[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)/dg,
  hint: /@/,
  accept: (secret) => /\.[A-Za-z]{2,}$/.test(secret),
};

function applyRule(text: string, rule: Rule, tally: Tally): string {
  if (rule.hint && !rule.hint.test(text)) return text;
  let out = '';
  let last = 0;
  for (const m of text.matchAll(rule.re)) {
    const spans = m.indices?.groups;
    const name = SECRET_GROUPS.find((group) => m.groups?.[group] !== undefined);
    const span = name === undefined ? undefined : spans?.[name];
    const secret = name === undefined ? undefined : m.groups?.[name];
    if (span === undefined || secret === undefined || secret === '' || isAlreadyRedacted(secret)) continue;
    if (rule.accept && !rule.accept(secret, m)) continue;
    const kind = rule.kindOf ? rule.kindOf(m) : rule.kind;
    out += text.slice(last, span[0]) + placeholder(kind);
    last = span[1];
    tally.add(kind);
  }
  return last === 0 ? text : out + text.slice(last);
}

// ---------------------------------------------------------------------------------------------------
// key=value, key: value, "key": "value"

/**
 * The value after a secret key. Bounded, so a text made of secret keys (`password:password:…`) stays
 * linear: the pass resumes inside a value it rejected.
 */
const KV_VALUE_RE = new RegExp(
  [
    String.raw`\\"(?:[^"\\\r\n]|\\(?!")){0,4096}\\"`,
    String.raw`"(?:[^"\\\r\n]|\\.){0,4096}"`,
    String.raw`'[^'\r\n]{0,4096}'`,
    String.raw`\$\{[^}\s]{0,256}\}`,
    String.raw`\{\{[^}\r\n]{0,256}\}\}`,
    String.raw`<[^<>\r\n]{0,256}>`,
    String.raw`\[[^[\]\r\n]{0,256}\]`,
    String.raw`[^\s&;,'"\x60<>()[\]{}\\=:][^\s&;,'"\x60<>()[\]{}\\]{0,1024}`,
  ].join('|'),
  'y',
);

/** A key and its separator; the value is read with KV_VALUE_RE only when the key names a secret. */
const KV_KEY_RE =
  /(?<![\w.-])(?<q>\\?["']|)(?<key>-{0,2}[A-Za-z_][\w.-]{0,80})\k<q>(?<sep>[ \t]*[:=][ \t]*)/g;

const AUTH_SCHEME_VALUE =
  /^(?:bearer|basic|token|bot|apikey|digest|negotiate|ntlm|aws4-hmac-sha256)(?:\s|$)/i;

/** Only indentation and YAML list dashes between the start of the line and `index`. */
function atLineStart(text: string, index: number): boolean {
  let j = index - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '\t' || text[j] === '-')) j--;
  return j < 0 || text[j] === '\n' || text[j] === '\r';
}

function quoteLength(value: string): number {
  if (value.startsWith('\\"')) return 2;
  if (value.startsWith('"') || value.startsWith("'")) return 1;
  return 0;
}

function isPlaceholderForm(value: string): boolean {
  return /^(?:\$\{|\{\{|<)/.test(value) || (value.startsWith('[') && isNonSecretValue(value));
}

interface KeyMatch {
  /** Where the key (with its opening quote) starts. */
  index: number;
  key: string;
  q: string;
  sep: string;
}

/** The span [start, end) of the secret after a secret key, or undefined to leave it alone. */
function kvSecretSpan(
  text: string,
  k: KeyMatch,
  val: string,
  valStart: number,
): [number, number] | undefined {
  const { index, key, q, sep } = k;
  if (isPlaceholderForm(val)) return undefined;
  const quote = quoteLength(val);
  let start = valStart;
  let end = valStart + val.length;
  if (sep.includes(':')) {
    if (q !== '') {
      // JSON / Python dicts: `"password": …`. A quoted name, a space, then a colon and a bare word is
      // prose (`volume "db-password" : secret "db-password" not found`).
      if (/^[ \t]/.test(sep) && quote === 0) return undefined;
    } else if (atLineStart(text, index)) {
      // YAML, HTTP headers, `kubectl describe`: the value runs to the end of the line.
      if (quote === 0) {
        const eol = text.indexOf('\n', start);
        end = eol === -1 ? text.length : eol;
        while (end > start && /\s/.test(text[end - 1] ?? '')) end--;
      }
    } else {
      const prev = text[index - 1] ?? '';
      const headerInQuotes = (prev === '"' || prev === "'") && /^[A-Z]|-/.test(key);
      const tight = sep === ':' && '{[(, \t'.includes(prev);
      if (!headerInQuotes && !tight) return undefined;
    }
  }
  start += quote;
  if (quote > 0) end -= quote;
  const secret = text.slice(start, end);
  if (isNonSecretValue(secret, key) || isAlreadyRedacted(secret)) return undefined;
  if (/authorization$/i.test(key) && AUTH_SCHEME_VALUE.test(secret)) return undefined;
  return [start, end];
}

function redactKeyValues(text: string, tally: Tally): string {
  if (!/[:=]/.test(text)) return text;
  const keys = KV_KEY_RE;
  const values = KV_VALUE_RE;
  keys.lastIndex = 0;
  let out = '';
  let last = 0;
  // After each key the search resumes at its value (`--from-literal=password=…` holds a pair), or past
  // the secret once it is replaced.
  for (let m = keys.exec(text); m !== null; m = keys.exec(text)) {
    const key = m.groups?.key ?? '';
    if (!isSecretKeyName(key)) continue;
    const valStart = m.index + m[0].length;
    values.lastIndex = valStart;
    const v = values.exec(text);
    if (v === null) continue;
    const span = kvSecretSpan(
      text,
      { index: m.index, key, q: m.groups?.q ?? '', sep: m.groups?.sep ?? '' },
      v[0],
      valStart,
    );
    if (span === undefined) continue;
    out += text.slice(last, span[0]) + placeholder(KV_KIND);
    last = span[1];
    keys.lastIndex = span[1];
    tally.add(KV_KIND);
  }
  return last === 0 ? text : out + text.slice(last);
}

// ---------------------------------------------------------------------------------------------------
// Public API

function redactInto(text: string, options: RedactOptions, tally: Tally): string {
  let out = text;
  for (const rule of RULES) out = applyRule(out, rule, tally);
  out = redactKeyValues(out, tally);
  if (options.emails === true) out = applyRule(out, EMAIL_RULE, tally);
  return out;
}

/** Replace every secret found in `text` by `[REDACTED:<kind>]`; idempotent. */
export function redact(text: string, options: RedactOptions = {}): RedactResult {
  const tally = new Tally();
  const out = redactInto(text, options, tally);
  return { text: out, findings: tally.list() };
}

/**
 * Recent results of `redactText` for short texts (renderers redact the same field as they flatten,
 * escape and cut it, and again at every update of a thread): input → output, and output → output since
 * redaction is idempotent. A pure function's memo, emptied when full.
 */
const MEMO_MAX_ENTRIES = 2048;
const MEMO_MAX_LENGTH = 1024;
const memo = new Map<string, string>();

/** The text with every secret replaced: `redact(text, options).text`. */
export function redactText(text: string, options: RedactOptions = {}): string {
  const memoize = options.emails !== true && text.length <= MEMO_MAX_LENGTH;
  if (memoize) {
    const known = memo.get(text);
    if (known !== undefined) return known;
  }
  const out = redactInto(text, options, new Tally());
  if (memoize) {
    if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
    memo.set(text, out);
    memo.set(out, out);
  }
  return out;
}

const PLACEHOLDER_START = '[REDACTED:';

/**
 * Where to cut `text` (already redacted) at most at `end`: never inside a surrogate pair, nor inside a
 * `[REDACTED:kind]` placeholder (which would read as a broken word).
 */
export function safeCutIndex(text: string, end: number): number {
  let cut = Math.max(0, Math.min(end, text.length));
  if (cut >= text.length) return text.length;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  const open = text.lastIndexOf(PLACEHOLDER_START, cut - 1);
  if (open !== -1) {
    const close = text.indexOf(']', open);
    if (close === -1 || close >= cut) cut = open;
  }
  return cut;
}

/**
 * The one way to shorten text that may hold a secret: redact it, then cut it to at most `max` characters
 * (ending with `ellipsis` when something was cut). Cutting first would leave a fragment no rule matches
 * any more (30 of a token's 40 characters, a JWT without its signature), and it would reach the reader.
 * `keep: 'ends'` keeps the head and the tail with the ellipsis in the middle, for messages whose decisive
 * part is at the end.
 */
export function redactAndCut(
  text: string,
  max: number,
  options: RedactOptions & { ellipsis?: string; keep?: 'head' | 'ends' } = {},
): string {
  const clean = redactText(text, options);
  if (clean.length <= max) return clean;
  const ellipsis = options.ellipsis ?? '…';
  const room = Math.max(0, max - ellipsis.length);
  if (options.keep === 'ends' && room >= 2) {
    // Head and tail, the ellipsis in the middle: a kubelet message names what failed first and why last
    // (`Failed to pull image "…": … 401 Unauthorized`).
    const head = clean.slice(0, safeCutIndex(clean, Math.ceil(room / 2)));
    const tail = clean.slice(safeStartIndex(clean, clean.length - (room - head.length)));
    return `${head}${ellipsis}${tail}`;
  }
  return `${clean.slice(0, safeCutIndex(clean, room))}${ellipsis}`;
}

/**
 * Where to start the kept tail of `text` (already redacted) at least at `start`: never inside a surrogate
 * pair, nor inside a `[REDACTED:kind]` placeholder (the tail then starts after it).
 */
export function safeStartIndex(text: string, start: number): number {
  let cut = Math.max(0, Math.min(start, text.length));
  if (cut === 0 || cut >= text.length) return cut;
  const code = text.charCodeAt(cut);
  if (code >= 0xdc00 && code <= 0xdfff) cut += 1;
  const open = text.lastIndexOf(PLACEHOLDER_START, cut - 1);
  if (open !== -1) {
    const close = text.indexOf(']', open);
    if (close !== -1 && close >= cut) cut = close + 1;
    else if (close === -1) cut = text.length;
  }
  return cut;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Redact every string in a plain JSON-like value (objects, arrays), returning a new value; the input is
 * never mutated. A string under a key that names a secret (`password`, `token`, `authorization`…, or
 * the `value` of a `{ name: 'DB_PASSWORD', value }` env entry) is replaced whole, as is every string
 * nested below such a key. Numbers, booleans, null and non-plain objects (Date, class instances) are
 * returned as they are.
 */
export function redactDeep<T>(
  value: T,
  options: RedactOptions = {},
): { value: T; findings: RedactionFinding[] } {
  const tally = new Tally();
  const copies = new WeakMap<object, unknown>();

  const walk = (v: unknown, secretKey: string | undefined): unknown => {
    if (typeof v === 'string') {
      if (secretKey !== undefined && !isNonSecretValue(v, secretKey)) {
        tally.add(KV_KIND);
        return placeholder(KV_KIND);
      }
      return redactInto(v, options, tally);
    }
    if (typeof v !== 'object' || v === null) return v;
    const known = copies.get(v);
    if (known !== undefined) return known;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      copies.set(v, out);
      for (const item of v) out.push(walk(item, secretKey));
      return out;
    }
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = Object.getPrototypeOf(v) === null ? Object.create(null) : {};
    copies.set(v, out);
    const envName = typeof v.name === 'string' && isSecretKeyName(v.name) ? v.name : undefined;
    for (const [key, item] of Object.entries(v)) {
      const itemKey = secretKey ?? (isSecretKeyName(key) ? key : key === 'value' ? envName : undefined);
      // defineProperty, not assignment: a JSON `__proto__` key must stay an own property.
      Object.defineProperty(out, key, {
        value: walk(item, itemKey),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };

  return { value: walk(value, undefined) as T, findings: tally.list() };
}
