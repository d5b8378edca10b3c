/**
 * Secret redaction. Every "secret" here is fake and assembled at run time (prefixes split, bodies from
 * a seeded generator) so this file does not trip secret scanners.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSecretKeyName,
  type RedactionFinding,
  redact,
  redactAndCut,
  redactDeep,
  redactText,
} from '../../src/analysis/redact.ts';

/** Deterministic mixed-case alphanumerics (plus `extra` characters), so fake tokens look real. */
function fake(length: number, seed: number, extra = ''): string {
  const alphabet = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${extra}`;
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet[state % alphabet.length];
  }
  // Always mixed case and a digit, whatever the seed drew.
  return `aZ7${out}`.slice(0, length);
}

function hex(length: number, seed: number): string {
  return fake(length * 2, seed)
    .toLowerCase()
    .replace(/[^0-9a-f]/g, '')
    .padEnd(length, 'e')
    .slice(0, length);
}

const AWS_KEY_ID = `AK${'IA'}QX7Z2M4N6P8R3T5V`;
const AWS_TEMP_KEY_ID = `AS${'IA'}Y5TQ2W8E4R6T1U3I`;
const AWS_SECRET = `${fake(38, 1, '/+')}Qz`;
const GITHUB_PAT = `gh${'p_'}${fake(36, 2)}`;
const GITHUB_APP = `gh${'s_'}${fake(36, 3)}`;
const GITHUB_FINE = `github${'_pat_'}${fake(22, 4)}_${fake(59, 5)}`;
const SLACK_BOT = `xo${'xb-'}1234567890-2345678901234-${fake(24, 6)}`;
const SLACK_USER = `xo${'xp-'}1234567890-2345678901234-3456789012345-${hex(32, 7)}`;
const SLACK_APP = `xa${'pp-'}1-A0123456789-1234567890123-${hex(64, 8)}`;
const SLACK_WEBHOOK_PATH = `T0${'1ABCDEF'}/B0${'2GHIJKL'}/${fake(24, 9)}`;
const ANTHROPIC = `sk-${'ant-'}api03-${fake(93, 10, '_-')}AA`;
const OPENAI_PROJECT = `sk-${'proj-'}${fake(64, 11, '_-')}`;
const OPENAI_LEGACY = `sk-${fake(48, 12)}`;
const GOOGLE = `AI${'za'}${fake(35, 13, '_-')}`;
const STRIPE_LIVE = `sk${'_live_'}${fake(24, 14)}`;
const STRIPE_RESTRICTED = `rk${'_live_'}${fake(24, 15)}`;
const JWT = [
  `ey${'JhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9'}`,
  `ey${'JzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ'}`,
  fake(43, 16, '_-'),
].join('.');
const GITLAB = `gl${'pat-'}${fake(20, 17)}`;
const NPM = `np${'m_'}${fake(36, 18)}`;
const VAULT = `hv${'s.'}${fake(90, 19)}`;
const SENDGRID = `S${'G.'}${fake(22, 20)}.${fake(43, 21)}`;
const AZURE_ACCOUNT_KEY = `${fake(86, 22, '+/')}==`;
const OPAQUE_TOKEN = fake(40, 23);
const PASSWORD = `Tr0ub4dor-${fake(8, 24)}`;
const PEM_BODY = [fake(64, 25, '+/'), fake(64, 26, '+/'), fake(64, 27, '+/'), `${fake(20, 28)}==`];

function pem(label: string, newline = '\n'): string {
  const begin = `-----BEGIN ${label}PRIVATE ${'KEY-----'}`;
  const end = `-----END ${label}PRIVATE ${'KEY-----'}`;
  return [begin, ...PEM_BODY, end].join(newline);
}

/** Findings as a kind → count map, for readable assertions. */
function counts(findings: RedactionFinding[]): Record<string, number> {
  return Object.fromEntries(findings.map((f) => [f.kind, f.count]));
}

interface SecretCase {
  name: string;
  text: string;
  /** Every one of these must be gone from the output. */
  secrets: string[];
  kinds: Record<string, number>;
  /** The whole expected output, where the exact shape matters. */
  expected?: string;
}

const SECRET_CASES: SecretCase[] = [
  {
    name: 'AWS access key ids and the secret in an ini credentials file',
    text: `[default]\naws_access_key_id = ${AWS_KEY_ID}\naws_secret_access_key = ${AWS_SECRET}\nregion = eu-west-1`,
    secrets: [AWS_KEY_ID, AWS_SECRET],
    kinds: { 'aws-access-key': 1, 'aws-secret-key': 1 },
    expected:
      '[default]\naws_access_key_id = [REDACTED:aws-access-key]\n' +
      'aws_secret_access_key = [REDACTED:aws-secret-key]\nregion = eu-west-1',
  },
  {
    name: 'AWS STS credentials as JSON (temporary key id, secret, session token)',
    text: `{"Credentials": {"AccessKeyId": "${AWS_TEMP_KEY_ID}", "SecretAccessKey": "${AWS_SECRET}", "SessionToken": "${OPAQUE_TOKEN}", "Expiration": "2024-05-01T11:15:00Z"}}`,
    secrets: [AWS_TEMP_KEY_ID, AWS_SECRET, OPAQUE_TOKEN],
    kinds: { 'aws-access-key': 1, 'aws-secret-key': 1, 'key-value-secret': 1 },
  },
  {
    name: 'AWS env vars in an env dump',
    text: `HOSTNAME=worker-1\nAWS_ACCESS_KEY_ID=${AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\nPWD=/srv/app\nOLDPWD=/`,
    secrets: [AWS_KEY_ID, AWS_SECRET],
    kinds: { 'aws-access-key': 1, 'aws-secret-key': 1 },
    expected:
      'HOSTNAME=worker-1\nAWS_ACCESS_KEY_ID=[REDACTED:aws-access-key]\n' +
      'AWS_SECRET_ACCESS_KEY=[REDACTED:aws-secret-key]\nPWD=/srv/app\nOLDPWD=/',
  },
  {
    name: 'GitHub tokens in a curl command, a git remote and a log line',
    text:
      `curl -H "Authorization: token ${GITHUB_PAT}" https://api.github.com/repos/acme/checkout\n` +
      `git clone https://x-access-token:${GITHUB_APP}@github.com/acme/checkout.git\n` +
      `level=info msg="using fine-grained token" token=${GITHUB_FINE}`,
    secrets: [GITHUB_PAT, GITHUB_APP, GITHUB_FINE],
    kinds: { 'github-token': 3 },
  },
  {
    name: 'Slack tokens and a webhook URL',
    text:
      `SLACK_BOT_TOKEN=${SLACK_BOT}\nSLACK_USER_TOKEN=${SLACK_USER}\nSLACK_APP_TOKEN=${SLACK_APP}\n` +
      `posting to https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH} failed: 404`,
    secrets: [SLACK_BOT, SLACK_USER, SLACK_APP, SLACK_WEBHOOK_PATH],
    kinds: { 'slack-token': 3, 'slack-webhook': 1 },
  },
  {
    name: 'Slack webhook keeps the host so the text says what it was',
    text: `webhook_url: https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}`,
    secrets: [SLACK_WEBHOOK_PATH],
    kinds: { 'slack-webhook': 1 },
    expected: 'webhook_url: https://hooks.slack.com/services/[REDACTED:slack-webhook]',
  },
  {
    name: 'Anthropic and OpenAI keys in a stack trace and an env dump',
    text:
      `anthropic.AuthenticationError: 401 invalid x-api-key\n    at request (client.ts:88)\n  key=${ANTHROPIC}\n` +
      `OPENAI_API_KEY=${OPENAI_PROJECT}\nLEGACY_KEY ${OPENAI_LEGACY}`,
    secrets: [ANTHROPIC, OPENAI_PROJECT, OPENAI_LEGACY],
    kinds: { 'anthropic-key': 1, 'openai-key': 2 },
  },
  {
    name: 'Google API key in a URL query',
    text: `GET https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=${GOOGLE} 403`,
    secrets: [GOOGLE],
    kinds: { 'gcp-key': 1 },
    expected:
      'GET https://maps.googleapis.com/maps/api/geocode/json?address=Berlin&key=[REDACTED:gcp-key] 403',
  },
  {
    name: 'Stripe live and restricted keys',
    text: `stripe.api_key = "${STRIPE_LIVE}"\nreporting uses ${STRIPE_RESTRICTED}`,
    secrets: [STRIPE_LIVE, STRIPE_RESTRICTED],
    kinds: { 'stripe-key': 2 },
  },
  {
    name: 'JWT in an Authorization header and in a k8s service-account token log line',
    text: `Authorization: Bearer ${JWT}\nmounted token ${JWT} expires in 3600s`,
    secrets: [JWT],
    kinds: { jwt: 2 },
    expected: 'Authorization: Bearer [REDACTED:jwt]\nmounted token [REDACTED:jwt] expires in 3600s',
  },
  {
    name: 'Authorization headers: opaque bearer and basic',
    text: `Authorization: Bearer ${OPAQUE_TOKEN}\nProxy-Authorization: Basic ${fake(28, 30)}=`,
    secrets: [OPAQUE_TOKEN, fake(28, 30)],
    kinds: { bearer: 1, 'basic-auth': 1 },
    expected: 'Authorization: Bearer [REDACTED:bearer]\nProxy-Authorization: Basic [REDACTED:basic-auth]',
  },
  {
    name: 'curl with a bearer token and an API-key header',
    text: `curl -sS -H 'Authorization: Bearer ${OPAQUE_TOKEN}' -H 'X-Api-Key: ${PASSWORD}' https://api.example.com/v1/alerts`,
    secrets: [OPAQUE_TOKEN, PASSWORD],
    kinds: { bearer: 1, 'key-value-secret': 1 },
  },
  {
    name: 'A bearer token outside a header (HTTP client debug log)',
    text: `DEBUG http: sending request with Bearer ${OPAQUE_TOKEN} to https://api.example.com`,
    secrets: [OPAQUE_TOKEN],
    kinds: { bearer: 1 },
  },
  {
    name: 'passwords in connection strings',
    text:
      `DATABASE_URL=postgres://app:${PASSWORD}@db.internal:5432/checkout?sslmode=require\n` +
      `mongodb+srv://svc:${PASSWORD}@cluster0.mongodb.net/prod\n` +
      `redis://:${PASSWORD}@redis:6379/0\namqp://guest:${PASSWORD}@rabbitmq:5672/`,
    secrets: [PASSWORD],
    kinds: { 'url-password': 4 },
  },
  {
    name: 'URL password keeps the rest of the URL',
    text: `dial postgres://app:${PASSWORD}@db:5432/x: connection refused`,
    secrets: [PASSWORD],
    kinds: { 'url-password': 1 },
    expected: 'dial postgres://app:[REDACTED:url-password]@db:5432/x: connection refused',
  },
  {
    name: 'key=value pairs in logfmt, query strings and a Java toString',
    text:
      `level=error msg="login failed" user=app password=${PASSWORD} retry=3\n` +
      `GET /callback?code=abc&client_secret=${OPAQUE_TOKEN}&state=xyz\n` +
      `DataSourceConfig{url=jdbc:mysql://db:3306/app, username=app, password=${PASSWORD}}`,
    secrets: [PASSWORD, OPAQUE_TOKEN],
    kinds: { 'key-value-secret': 3 },
  },
  {
    name: 'key=value keeps the key',
    text: `password=${PASSWORD}`,
    secrets: [PASSWORD],
    kinds: { 'key-value-secret': 1 },
    expected: 'password=[REDACTED:key-value-secret]',
  },
  {
    name: 'JSON body (and the same JSON escaped inside a log message)',
    text:
      `{"username":"app","password":"${PASSWORD}","apiKey":"${OPAQUE_TOKEN}","retries":3}\n` +
      `{"level":"error","msg":"bad request","body":"{\\"access_token\\":\\"${OPAQUE_TOKEN}\\"}"}`,
    secrets: [PASSWORD, OPAQUE_TOKEN],
    kinds: { 'key-value-secret': 3 },
    expected:
      '{"username":"app","password":"[REDACTED:key-value-secret]","apiKey":"[REDACTED:key-value-secret]","retries":3}\n' +
      '{"level":"error","msg":"bad request","body":"{\\"access_token\\":\\"[REDACTED:key-value-secret]\\"}"}',
  },
  {
    name: 'YAML config: the value runs to the end of the line, names of Secrets stay',
    text:
      'database:\n  host: db.internal\n  user: app\n' +
      `  password: correct horse ${PASSWORD}\n  secretName: db-creds\n` +
      `smtp:\n  - client_secret: '${OPAQUE_TOKEN}'\n`,
    secrets: [PASSWORD, OPAQUE_TOKEN, 'correct horse'],
    kinds: { 'key-value-secret': 2 },
    expected:
      'database:\n  host: db.internal\n  user: app\n' +
      '  password: [REDACTED:key-value-secret]\n  secretName: db-creds\n' +
      "smtp:\n  - client_secret: '[REDACTED:key-value-secret]'\n",
  },
  {
    name: 'env forms: DB_PASSWORD, MYSQL_ROOT_PASSWORD, export with quotes, PGPASSWORD',
    text:
      `DB_PASSWORD=${PASSWORD}\nMYSQL_ROOT_PASSWORD=${PASSWORD}\n` +
      `export GITLAB_API_TOKEN="${OPAQUE_TOKEN}"\nPGPASSWORD=${PASSWORD} psql -h db -U app`,
    secrets: [PASSWORD, OPAQUE_TOKEN],
    kinds: { 'key-value-secret': 4 },
  },
  {
    name: 'Kubernetes env entries (YAML and JSON) and kubectl create secret',
    text:
      `env:\n  - name: DB_PASSWORD\n    value: "${PASSWORD}"\n  - name: LOG_LEVEL\n    value: info\n` +
      `{"name":"API_TOKEN","value":"${OPAQUE_TOKEN}"}\n` +
      `kubectl create secret generic db --from-literal=username=app --from-literal=password=${PASSWORD}`,
    secrets: [PASSWORD, OPAQUE_TOKEN],
    kinds: { 'key-value-secret': 3 },
  },
  {
    name: 'Go map and struct dumps, Python dict',
    text: `config: map[host:db password:${PASSWORD} port:5432]\n{Token:${OPAQUE_TOKEN} Retries:3}\n{'user': 'app', 'passwd': '${PASSWORD}'}`,
    secrets: [PASSWORD, OPAQUE_TOKEN],
    kinds: { 'key-value-secret': 3 },
  },
  {
    name: 'CLI flags with the value after a space or an equals sign',
    text: `mysql --user root --password '${PASSWORD}' -h db\nvault login --token=${OPAQUE_TOKEN}\nhelm upgrade app ./chart --set db.password=${PASSWORD}`,
    secrets: [PASSWORD, OPAQUE_TOKEN],
    kinds: { 'key-value-secret': 3 },
  },
  {
    name: 'HTTP request dump with a cookie',
    text: `POST /api/login HTTP/1.1\nHost: app.example.com\nCookie: session=${OPAQUE_TOKEN}; theme=dark\nContent-Type: application/json`,
    secrets: [OPAQUE_TOKEN],
    kinds: { 'key-value-secret': 1 },
    expected:
      'POST /api/login HTTP/1.1\nHost: app.example.com\nCookie: [REDACTED:key-value-secret]\nContent-Type: application/json',
  },
  {
    name: 'PEM private keys: RSA, EC, OPENSSH and PKCS#8',
    text: `${pem('RSA ')}\n---\nkey.pem: |\n${pem('EC ')}\n${pem('OPENSSH ')}\n${pem('')}\n`,
    secrets: PEM_BODY,
    kinds: { 'private-key': 4 },
  },
  {
    name: 'PEM block keeps the text around it',
    text: `tls.key:\n${pem('RSA ')}\nnext: line`,
    secrets: PEM_BODY,
    kinds: { 'private-key': 1 },
    expected: 'tls.key:\n[REDACTED:private-key]\nnext: line',
  },
  {
    name: 'a private key cut off before its END line',
    text: `loaded key: ${pem('RSA ').slice(0, 120)}`,
    secrets: [PEM_BODY[0]?.slice(0, 40) ?? 'unreachable'],
    kinds: { 'private-key': 1 },
  },
  {
    name: 'GCP service-account JSON',
    text: JSON.stringify({
      type: 'service_account',
      project_id: 'acme-prod',
      private_key_id: hex(40, 31),
      private_key: `${pem('')}\n`,
      client_email: 'alerts@acme-prod.iam.gserviceaccount.com',
      client_id: '112233445566778899001',
    }),
    secrets: PEM_BODY,
    kinds: { 'private-key': 1 },
  },
  {
    name: 'Azure storage connection string',
    text: `AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey=${AZURE_ACCOUNT_KEY};EndpointSuffix=core.windows.net`,
    secrets: [AZURE_ACCOUNT_KEY],
    kinds: { 'azure-key': 1 },
    expected:
      'AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acmelogs;' +
      'AccountKey=[REDACTED:azure-key];EndpointSuffix=core.windows.net',
  },
  {
    name: 'pre-signed S3 URL and Azure SAS URL',
    text:
      `https://bucket.s3.amazonaws.com/dump.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${hex(64, 32)}\n` +
      `https://acme.blob.core.windows.net/logs/a.txt?sv=2022-11-02&se=2024-05-02&sp=r&sig=${fake(43, 33)}%3D`,
    secrets: [hex(64, 32), fake(43, 33)],
    kinds: { 'url-signature': 2 },
  },
  {
    name: 'GitLab, npm, Vault and SendGrid tokens',
    text: `PRIVATE-TOKEN: ${GITLAB}\n//registry.npmjs.org/:_authToken=${NPM}\nX-Vault-Token: ${VAULT}\nsendgrid ${SENDGRID}`,
    secrets: [GITLAB, NPM, VAULT, SENDGRID],
    kinds: { 'gitlab-token': 1, 'npm-token': 1, 'vault-token': 1, 'sendgrid-key': 1 },
  },
  {
    name: 'a Kubernetes event and a stack trace carrying a JDBC password',
    text:
      'Warning  BackOff  pod/checkout-7d9f8b6c5d-x2k4q  Back-off restarting failed container\n' +
      'java.sql.SQLException: Access denied for user app\n' +
      '\tat com.mysql.cj.jdbc.ConnectionImpl.createNewIO(ConnectionImpl.java:836)\n' +
      `\tat com.acme.Db.connect(Db.java:42) url=jdbc:mysql://db:3306/app?user=app&password=${PASSWORD}&useSSL=true`,
    secrets: [PASSWORD],
    kinds: { 'key-value-secret': 1 },
  },
];

/** Texts an incident needs as they are: nothing here is a secret. */
const SURVIVORS: string[] = [
  'High error rate on checkout: 5xx ratio 12.3% over 5m (threshold 5%)',
  'sum(rate(http_requests_total{job="checkout",status=~"5.."}[5m])) / sum(rate(http_requests_total{job="checkout"}[5m])) > 0.05',
  'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{service="api"}[5m]))) > 1.5',
  'Pod default/checkout-7d9f8b6c5d-x2k4q is crash looping (restarts: 14)',
  'Back-off restarting failed container checkout in pod checkout-7d9f8b6c5d-x2k4q_default(3b1f0c2e-9a4d-4c1b-8e2f-6d7a5b9c0e11)',
  'containerID: containerd://4f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0',
  'image: ghcr.io/acme/checkout@sha256:9b2c1d0e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c',
  'deployed commit 3f2a9c1e7b5d4a6f8e0c2b4d6f8a0c2e4b6d8f0a to production',
  'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 request_id=9f8e7d6c-5b4a-3c2d-1e0f-a9b8c7d6e5f4',
  'fingerprint: 8a1d3f9e0c7b6a52',
  'FATAL:  password authentication failed for user "app"',
  'level=warn msg="Authorization header missing" path=/api/v1/alerts',
  'level=error msg="invalid token: token is expired" sub=system:serviceaccount:default:app',
  'Bearer token missing or malformed',
  'MountVolume.SetUp failed for volume "db-password" : secret "db-password" not found',
  "Error: couldn't find key password in Secret default/db-creds",
  "      DB_PASSWORD:  <set to the key 'password' in secret 'db-creds'>  Optional: false",
  'volumes:\n  - name: creds\n    secret:\n      secretName: db-creds\n      existingSecret: db-creds',
  'envFrom:\n  - secretRef:\n      name: api-token\nenv:\n  - name: LOG_LEVEL\n    value: debug',
  'token_bucket_size=5 max_tokens=1024 input_tokens=512 private_key_id=9f8e7d6c5b4a',
  `password: ""\ntoken: null\napi_key: \${API_KEY}\nsecret: "{{ .Values.secret }}"\nclient_secret: "***"\npassword=<redacted>`,
  'PWD=/home/app\nOLDPWD=/tmp\nHOME=/home/app\nSHELL=/bin/bash\nPATH=/usr/local/bin:/usr/bin',
  'https://grafana.example.com/d/abc123/checkout?orgId=1&from=now-1h&to=now&var-namespace=default',
  'http://prometheus:9090/graph?g0.expr=up%7Bjob%3D%22checkout%22%7D&g0.tab=1',
  'runbook_url: https://runbooks.example.com/alerts/token-expiry#mitigation',
  'https://github.com/acme/checkout/compare/1a2b3c4d...5e6f7a8b',
  'curl -H "Authorization: Bearer $TOKEN" https://api.example.com/v1/health',
  '`/api/*` requires `Authorization: Bearer $AIOPS_API_TOKEN` when that is set',
  'Secret default/db-creds updated (resourceVersion 123456)',
  'TLS certificate for api.example.com expires in 6 days (notAfter=2024-05-07T00:00:00Z)',
  'node ip-10-0-12-34.eu-west-1.compute.internal NotReady: KubeletNotReady',
  'disk-pressure on node worker-3: 91% used on /var/lib/containerd',
  'token := getToken(ctx)\nif err != nil { return fmt.Errorf("refresh token: %w", err) }',
  'alertname=KubePodCrashLooping namespace=payments pod=ledger-5c6d7e8f9-abcde severity=critical',
  'user alice@example.com acknowledged the incident',
  'Rotate credentials with vault write -f auth/approle/role/app/secret-id; --token is read from VAULT_TOKEN',
  'session_count=42 sessions_active=7 secret_rotation_days=90',
  // Vendor prefixes are matched without a word boundary before them: prose around them stays.
  'ASIAPACIFICDATACENTERS2024 is the region of the failing node group',
  'disk-pressure on task-runner-7f9c and desk-booking-api; skew-detector restarted',
  'the pallbearer and torchbearer jobs finished; xoxb-like tokens are read from SLACK_BOT_TOKEN',
  'sg.example.com resolves to 10.0.0.7; npm_config_cache=/tmp/npm; ghp_ prefix means a classic token',
  'unauthorized: the HTTP_AUTHORIZATION variable is empty',
];

describe('redact: secrets in realistic contexts', () => {
  it.each(SECRET_CASES)('$name', ({ text, secrets, kinds, expected }) => {
    const result = redact(text);
    for (const secret of secrets) expect(result.text).not.toContain(secret);
    expect(counts(result.findings)).toEqual(kinds);
    if (expected !== undefined) expect(result.text).toBe(expected);
  });

  it('reports nothing and returns the same text when there is nothing to hide', () => {
    expect(redact('')).toEqual({ text: '', findings: [] });
  });
});

describe('redact: texts that must survive byte for byte', () => {
  it('has a corpus of at least 25 texts', () => {
    expect(SURVIVORS.length).toBeGreaterThanOrEqual(25);
  });

  it.each(SURVIVORS)('%s', (text) => {
    expect(redact(text)).toEqual({ text, findings: [] });
  });
});

describe('redact: emails', () => {
  it('keeps emails by default and redacts them on request', () => {
    const text = 'incident acknowledged by alice.smith+oncall@example.co.uk via Slack';
    expect(redact(text).text).toBe(text);
    const result = redact(text, { emails: true });
    expect(result.text).toBe('incident acknowledged by [REDACTED:email] via Slack');
    expect(counts(result.findings)).toEqual({ email: 1 });
  });

  it('does not take an image reference or a redacted URL for an email', () => {
    const text = `ghcr.io/acme/app@sha256:${hex(64, 40)} postgres://app:${PASSWORD}@db.internal:5432/x`;
    const result = redact(text, { emails: true });
    expect(result.text).toBe(
      `ghcr.io/acme/app@sha256:${hex(64, 40)} postgres://app:[REDACTED:url-password]@db.internal:5432/x`,
    );
  });
});

describe('redact: idempotence', () => {
  const all = [...SECRET_CASES.map((c) => c.text), ...SURVIVORS];

  it.each(all.map((text, i) => [i, text] as const))('text %i', (_i, text) => {
    const once = redact(text, { emails: true });
    const twice = redact(once.text, { emails: true });
    expect(twice.text).toBe(once.text);
    expect(twice.findings).toEqual([]);
  });
});

describe('isSecretKeyName', () => {
  it.each([
    'password',
    'DB_PASSWORD',
    'PGPASSWORD',
    'dbPassword',
    'passwd',
    'Pwd',
    'client_secret',
    'clientSecret',
    'GITHUB_TOKEN',
    'access_token',
    'X-Auth-Token',
    'api_key',
    'apiKey',
    'X-Api-Key',
    'AWS_SECRET_ACCESS_KEY',
    'private_key',
    'Authorization',
    'Cookie',
    'session',
    'spring.datasource.password',
  ])('%s names a secret', (key) => {
    expect(isSecretKeyName(key)).toBe(true);
  });

  it.each([
    'secretName',
    'existingSecret',
    'secretKeyRef',
    'secretRef',
    'token_bucket_size',
    'max_tokens',
    'private_key_id',
    'password_file',
    'tokenUrl',
    'token_type',
    'key',
    'name',
    'sessions_active',
  ])('%s does not', (key) => {
    expect(isSecretKeyName(key)).toBe(false);
  });
});

describe('redactDeep', () => {
  const input = {
    incident: 'checkout 5xx',
    count: 3,
    resolved: false,
    startedAt: null,
    labels: { namespace: 'payments', secretName: 'db-creds', token_bucket_size: '5' },
    config: {
      password: 'hunter2-but-longer',
      api_key: 'k-12345',
      Authorization: `Bearer ${OPAQUE_TOKEN}`,
      client_secret: '',
      nested: [{ token: OPAQUE_TOKEN }, { note: `connect postgres://app:${PASSWORD}@db/x` }],
    },
    cookies: ['a=1', 'b=2'],
    env: [
      { name: 'DB_PASSWORD', value: PASSWORD },
      { name: 'LOG_LEVEL', value: 'debug' },
    ],
    logs: [`uploaded with ${GITHUB_PAT}`, 42, true, null],
    credentials: { username: 'app', password: PASSWORD },
  };

  it('redacts strings everywhere and whole values under secret-named keys', () => {
    const snapshot = structuredClone(input);
    const { value, findings } = redactDeep(input);
    expect(value).toEqual({
      incident: 'checkout 5xx',
      count: 3,
      resolved: false,
      startedAt: null,
      labels: { namespace: 'payments', secretName: 'db-creds', token_bucket_size: '5' },
      config: {
        password: '[REDACTED:key-value-secret]',
        api_key: '[REDACTED:key-value-secret]',
        Authorization: '[REDACTED:key-value-secret]',
        client_secret: '',
        nested: [
          { token: '[REDACTED:key-value-secret]' },
          { note: 'connect postgres://app:[REDACTED:url-password]@db/x' },
        ],
      },
      cookies: ['[REDACTED:key-value-secret]', '[REDACTED:key-value-secret]'],
      env: [
        { name: 'DB_PASSWORD', value: '[REDACTED:key-value-secret]' },
        { name: 'LOG_LEVEL', value: 'debug' },
      ],
      logs: ['uploaded with [REDACTED:github-token]', 42, true, null],
      // Everything below a secret-named key is hidden, the username too: the safe side.
      credentials: { username: '[REDACTED:key-value-secret]', password: '[REDACTED:key-value-secret]' },
    });
    expect(counts(findings)).toEqual({ 'key-value-secret': 9, 'url-password': 1, 'github-token': 1 });
    // A new value, the input untouched.
    expect(input).toEqual(snapshot);
    expect(value).not.toBe(input);
    expect(value.config).not.toBe(input.config);
    expect(value.config.nested).not.toBe(input.config.nested);
  });

  it('returns primitives, dates and class instances as they are', () => {
    const at = new Date('2024-05-01T10:15:00Z');
    expect(redactDeep(42).value).toBe(42);
    expect(redactDeep(null).value).toBeNull();
    expect(redactDeep(at).value).toBe(at);
    expect(redactDeep({ at }).value.at).toBe(at);
    expect(redactDeep(`password=${PASSWORD}`).value).toBe('password=[REDACTED:key-value-secret]');
  });

  it('keeps a JSON __proto__ key an own property and survives cycles', () => {
    const parsed = JSON.parse(`{"__proto__": {"token": "${OPAQUE_TOKEN}"}, "a": 1}`) as Record<
      string,
      unknown
    >;
    const { value } = redactDeep(parsed);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({
      token: '[REDACTED:key-value-secret]',
    });

    const cyclic: { name: string; password: string; self?: unknown } = { name: 'x', password: PASSWORD };
    cyclic.self = cyclic;
    const out = redactDeep(cyclic).value as { password: string; self: unknown };
    expect(out.password).toBe('[REDACTED:key-value-secret]');
    expect(out.self).toBe(out);
  });

  it('honours the emails option', () => {
    expect(redactDeep({ by: 'bob@example.com' }, { emails: true }).value).toEqual({ by: '[REDACTED:email]' });
    expect(redactDeep({ by: 'bob@example.com' }).value).toEqual({ by: 'bob@example.com' });
  });
});

// Throughput is measured by `npm run bench` (test/bench/analysis.ts). These inputs only guard against
// catastrophic backtracking: a regex that blows up exponentially never finishes within the test timeout.
describe('redact: adversarial inputs terminate', () => {
  it.each([
    ['key=value soup', 'a=b '.repeat(25_000)],
    ['colons', 'a:'.repeat(50_000)],
    ['unterminated quote after a secret key', `password="${'a'.repeat(100_000)}`],
    ['many BEGIN lines without END', `-----BEGIN RSA PRIVATE ${'KEY-----'}\n`.repeat(3_000)],
    ['one BEGIN then a long body', `-----BEGIN RSA PRIVATE ${'KEY-----'}\n${'QUJD'.repeat(25_000)}`],
    ['schemes without credentials', 'a://b:c'.repeat(15_000)],
    ['long word characters', 'x'.repeat(100_000)],
    ['email-ish', 'a.b-c_d+e%f'.repeat(9_000)],
    ['dashes', '-'.repeat(100_000)],
    ['bearer words', 'Bearer Bearer '.repeat(7_000)],
    ['chained secret keys', 'password:'.repeat(11_000)],
    ['chained quoted secret keys', '"token":"'.repeat(11_000)],
    ['secret keys with long values', `password=${'x'.repeat(2_000)} `.repeat(50)],
    // Tokens are found glued to text too: many starts in one run of token characters must stay linear.
    ['JWT headers without a payload', `ey${'J'}`.repeat(33_000)],
    ['glued JWT headers', `tokeney${'J'}a.`.repeat(12_000)],
    ['AWS key prefixes', `AK${'IA'}`.repeat(25_000)],
    ['Anthropic key prefixes', `sk-${'ant-'}`.repeat(14_000)],
    ['Slack token prefixes', `xo${'xb-'}`.repeat(20_000)],
    ['Stripe key prefixes', `sk${'_live_'}`.repeat(12_000)],
    ['URL credentials without an @', '://a:'.repeat(20_000)],
    ['authorization headers', 'authorization: bearer '.repeat(4_500)],
  ])(
    'no catastrophic backtracking: %s',
    (_name, text) => {
      const { text: out } = redact(text, { emails: true });
      expect(typeof out).toBe('string');
      expect(redact(out, { emails: true }).text).toBe(out);
    },
    5_000,
  );
});

describe('redact: glued tokens stay idempotent (property)', () => {
  // Pieces that start tokens or continue them, glued in any order: a second pass must find nothing new
  // (no rule may peel a secret off a longer run, one pass at a time).
  const pieces = [
    `AK${'IA'}`,
    `ey${'J'}`,
    `xo${'xb-'}`,
    `gh${'p_'}`,
    `sk-${'ant-'}`,
    'sk-',
    `sk${'_live_'}`,
    `AI${'za'}`,
    `np${'m_'}`,
    `hv${'s.'}`,
    `S${'G.'}`,
    '://',
    ':',
    '@',
    '.',
    '-',
    '_',
    ' ',
    '=',
    'Bearer ',
    'password=',
    'A1B2C3D4E5F6G7H8',
    'aZ7bQ9xY3kL1mN5p',
    '0123456789',
  ];

  it('redact(redact(x)) === redact(x)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 60 }), (parts) => {
        const once = redact(parts.join('')).text;
        expect(redact(once).text).toBe(once);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('redactAndCut', () => {
  const token = `gh${'p_'}${fake(36, 50)}`;

  it('redacts before it cuts, at every cut point', () => {
    const text = `push failed with ${token} after 3 retries`;
    for (let max = 1; max <= text.length + 2; max++) {
      const out = redactAndCut(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      for (let i = 0; i + 6 <= token.length; i++) expect(out).not.toContain(token.slice(i, i + 6));
    }
  });

  it('never cuts inside a placeholder or a surrogate pair, and marks the cut', () => {
    const text = `token ${token} 🔥🔥🔥`;
    const redacted = redactText(text);
    expect(redacted).toBe('token [REDACTED:github-token] 🔥🔥🔥');
    expect(redactAndCut(text, 15)).toBe('token …');
    expect(redactAndCut(text, 30)).toBe('token [REDACTED:github-token]…');
    // 🔥 is two UTF-16 code units: a cut between them would leave half a character.
    expect(redactAndCut(text, 32)).toBe('token [REDACTED:github-token] …');
    expect(redactAndCut(text, 33)).toBe('token [REDACTED:github-token] 🔥…');
    expect(redactAndCut(text, redacted.length)).toBe(redacted);
    expect(redactAndCut(text, 20, { ellipsis: '' })).toBe('token ');
  });

  it('is idempotent and keeps text without secrets as it is', () => {
    const text = 'Pod shop/checkout is crash looping (restarts: 14)';
    expect(redactAndCut(text, 200)).toBe(text);
    expect(redactAndCut(text, 20)).toBe(`${text.slice(0, 19)}…`);
    const once = redactAndCut(`a ${token} b`, 30);
    expect(redactAndCut(once, 30)).toBe(once);
  });
});
