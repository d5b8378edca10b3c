/**
 * A corpus of fake secrets, one per kind `redact` knows, each in a context that makes it a secret, and a
 * check that no fragment of one survives in an output. Every value is assembled at run time (prefixes
 * split, bodies from a seeded generator) so this file does not trip secret scanners.
 */

/** Deterministic mixed-case alphanumerics (plus `extra`), always with an upper, a lower and a digit. */
export function fakeChars(length: number, seed: number, extra = ''): string {
  const alphabet = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${extra}`;
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet[(state >>> 16) % alphabet.length];
  }
  return `Q7k${out}`.slice(0, length);
}

function upperDigits(length: number, seed: number): string {
  return fakeChars(length * 3, seed)
    .toUpperCase()
    .replace(/[^A-Z2-7]/g, '')
    .padEnd(length, 'Q')
    .slice(0, length)
    .replace(/^.{3}/, 'Z4M');
}

function lowerHex(length: number, seed: number): string {
  return fakeChars(length * 3, seed)
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .padEnd(length, 'e')
    .slice(0, length);
}

export interface SecretSample {
  /** What it is, for test names. */
  name: string;
  /** The text that carries it (the secret with the context that makes it one). */
  text: string;
  /** The part that must never be shown, not even in part. */
  secret: string;
}

const JWT = [
  `ey${'JhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'}`,
  `ey${'JzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6c2hvcDpjaGVja291dCIsImV4cCI6MTc3MjM2MDAwMH0'}`,
  fakeChars(43, 101, '_-'),
].join('.');

const PEM_BODY = [fakeChars(64, 102, '+/'), fakeChars(64, 103, '+/'), `${fakeChars(24, 104)}==`].join('\n');

const sample = (name: string, secret: string, text: (secret: string) => string): SecretSample => ({
  name,
  secret,
  text: text(secret),
});

/** One of each kind, in the contexts alert text carries them. */
export const SECRET_CORPUS: readonly SecretSample[] = [
  sample('GitHub classic token', `gh${'p_'}${fakeChars(36, 1)}`, (s) => `push failed with ${s}`),
  sample('GitHub app token', `gh${'s_'}${fakeChars(36, 2)}`, (s) => `GITHUB_TOKEN is ${s}`),
  sample(
    'GitHub fine-grained token',
    `github${'_pat_'}${fakeChars(22, 3)}_${fakeChars(59, 4)}`,
    (s) => `token ${s}`,
  ),
  sample('AWS access key id', `AK${'IA'}${upperDigits(16, 5)}`, (s) => `key id ${s} denied`),
  sample('AWS temporary key id', `AS${'IA'}${upperDigits(16, 6)}`, (s) => `assumed ${s}`),
  sample('AWS secret access key', `${fakeChars(38, 7, '/+')}Qz`, (s) => `aws_secret_access_key=${s}`),
  sample(
    'Slack bot token',
    `xo${'xb-'}1234567890-2345678901234-${fakeChars(24, 8)}`,
    (s) => `SLACK ${s} invalid_auth`,
  ),
  sample(
    'Slack user token',
    `xo${'xp-'}1234567890-2345678901234-3456789012345-${lowerHex(32, 9)}`,
    (s) => `user token ${s}`,
  ),
  sample(
    'Slack app token',
    `xa${'pp-'}1-A0123456789-1234567890123-${lowerHex(64, 10)}`,
    (s) => `socket ${s}`,
  ),
  sample(
    'Slack webhook URL',
    `T0${'1ABCDEF'}/B0${'2GHIJKL'}/${fakeChars(24, 11)}`,
    (s) => `posting to https://hooks.slack.com/services/${s} failed`,
  ),
  sample('JWT', JWT, (s) => `mounted token ${s} expired`),
  sample('Anthropic key', `sk-${'ant-'}api03-${fakeChars(93, 12, '_-')}AA`, (s) => `x-api-key ${s}`),
  sample('OpenAI project key', `sk-${'proj-'}${fakeChars(64, 13, '_-')}`, (s) => `using ${s}`),
  sample('OpenAI legacy key', `sk-${fakeChars(48, 14)}`, (s) => `using ${s}`),
  sample('Stripe live key', `sk${'_live_'}${fakeChars(24, 15)}`, (s) => `stripe ${s}`),
  sample('Google API key', `AI${'za'}${fakeChars(35, 16, '_-')}`, (s) => `maps api ${s} 403`),
  sample('GitLab token', `gl${'pat-'}${fakeChars(20, 17)}`, (s) => `gitlab ${s}`),
  sample('npm token', `np${'m_'}${fakeChars(36, 18)}`, (s) => `registry ${s}`),
  sample('Vault token', `hv${'s.'}${fakeChars(90, 19)}`, (s) => `vault ${s}`),
  sample('SendGrid key', `S${'G.'}${fakeChars(22, 20)}.${fakeChars(43, 21)}`, (s) => `sendgrid ${s}`),
  sample(
    'Azure account key',
    `${fakeChars(86, 22, '+/')}==`,
    (s) => `AccountName=logs;AccountKey=${s};Suffix=x`,
  ),
  sample('S3 pre-signed URL signature', lowerHex(64, 23), (s) => `dump.gz?X-Amz-Signature=${s} 403`),
  sample(
    'password in a DB URL',
    `Tr0ub4dor-${fakeChars(12, 24)}`,
    (s) => `dial postgres://app:${s}@db:5432/shop`,
  ),
  sample(
    'password in a DB URL glued after text',
    `C0rrect-${fakeChars(12, 25)}`,
    (s) => `${'connectionfailedfor'.repeat(3)}postgres://app:${s}@db:5432/shop`,
  ),
  sample('Authorization bearer header', fakeChars(40, 26), (s) => `Authorization: Bearer ${s}`),
  sample('Basic auth header', `${fakeChars(30, 27)}=`, (s) => `Authorization: Basic ${s}`),
  sample('bearer outside a header', fakeChars(40, 28), (s) => `sending request with Bearer ${s} upstream`),
  sample('password=value', `Hunter2-${fakeChars(12, 29)}`, (s) => `login failed password=${s} retry=3`),
  sample('JSON client_secret', fakeChars(32, 30), (s) => `{"client_secret":"${s}","retries":3}`),
  sample(
    'PEM private key',
    PEM_BODY,
    (s) => `-----BEGIN RSA PRIVATE ${'KEY-----'}\n${s}\n-----END RSA PRIVATE ${'KEY-----'}`,
  ),
  // Glued to the text before them: still found.
  sample('AWS key glued after letters', `AK${'IA'}${upperDigits(16, 31)}`, (s) => `yyyy${s}`),
  sample(
    'Slack token glued after letters',
    `xo${'xb-'}1234567890-2345678901234-${fakeChars(24, 32)}`,
    (s) => `xxxx${s}`,
  ),
  sample('GitHub token glued after letters', `gh${'p_'}${fakeChars(36, 33)}`, (s) => `tokenis${s}`),
  sample('JWT glued after letters', JWT, (s) => `sessionabc${s}`),
  sample(
    'Anthropic key glued after letters',
    `sk-${'ant-'}api03-${fakeChars(40, 34, '_-')}`,
    (s) => `key${s}`,
  ),
];

/** Parts of `secret` at least `min` characters long that appear in `output`. */
export function leakedFragments(output: string, secret: string, min = 8): string[] {
  const found: string[] = [];
  for (let start = 0; start + min <= secret.length; start++) {
    const piece = secret.slice(start, start + min);
    if (output.includes(piece)) found.push(piece);
  }
  return found;
}

/**
 * `text` placed so that a cut at `limit` characters falls at each position from two before the secret
 * to two after it: `pad(n) + text + tail`, for every n that does that, given what comes before (`head`).
 */
export function placements(
  sample: SecretSample,
  limit: number,
  headLength: number,
  tail = ' then more text',
): string[] {
  const at = sample.text.indexOf(sample.secret);
  const out: string[] = [];
  for (let cut = at - 2; cut <= at + sample.secret.length + 2; cut++) {
    // The cut (index `limit` of head + pad + text) falls at `cut` inside `text`.
    const pad = limit - headLength - cut;
    if (pad < 0) continue;
    out.push(`${padding(pad)}${sample.text}${tail}`);
  }
  return out;
}

/** `n` characters of harmless prose, ending with a space (so it is not glued to what follows). */
export function padding(n: number): string {
  if (n === 0) return '';
  return `${'the pod restarts often '.repeat(Math.ceil(n / 23) + 1).slice(0, n - 1)} `;
}
