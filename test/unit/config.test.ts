/** Configuration: the environment and aiops.yml as pure functions of their input. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildConfig,
  configFrom,
  isRegexMatcher,
  loadConfig,
  parseConfigFile,
  readEnvOptions,
} from '../../src/config.ts';
import { ConfigError, ErrorCode } from '../../src/errors.ts';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe(ErrorCode.ConfigInvalid);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('readEnvOptions', () => {
  it('has the documented defaults for an empty environment', () => {
    expect(readEnvOptions({})).toEqual({
      PORT: 3000,
      LOG_LEVEL: 'info',
      AIOPS_DATA_DIR: './.aiops',
      AIOPS_MODEL: 'claude-sonnet-5-5',
      PAGERDUTY_WEBHOOK_SECRETS: [],
    });
  });

  it('treats empty and blank values as unset', () => {
    const env = readEnvOptions({ PORT: '', DATABASE_URL: '   ', LOG_LEVEL: '', SLACK_BOT_TOKEN: ' ' });
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.SLACK_BOT_TOKEN).toBeUndefined();
  });

  it('reads valid values, trimmed', () => {
    const env = readEnvOptions({
      PORT: ' 8080 ',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgresql://aiops@127.0.0.1:5432/aiops',
      SLACK_BOT_TOKEN: 'xoxb-123-456-abc',
      SLACK_APP_TOKEN: 'xapp-1-A1-1-abc',
      SLACK_API_URL: 'http://127.0.0.1:9999/api/',
      AIOPS_DEFAULT_CHANNEL: '#ops',
      AIOPS_DATA_DIR: '/var/lib/aiops',
    });
    expect(env).toMatchObject({
      PORT: 8080,
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgresql://aiops@127.0.0.1:5432/aiops',
      SLACK_BOT_TOKEN: 'xoxb-123-456-abc',
      SLACK_APP_TOKEN: 'xapp-1-A1-1-abc',
      SLACK_API_URL: 'http://127.0.0.1:9999/api/',
      AIOPS_DEFAULT_CHANNEL: '#ops',
      AIOPS_DATA_DIR: '/var/lib/aiops',
    });
    expect(readEnvOptions({ DATABASE_URL: 'postgres://h/db' }).DATABASE_URL).toBe('postgres://h/db');
  });

  it('ignores variables it does not know', () => {
    expect(readEnvOptions({ HOME: '/root', PATH: '/bin' })).not.toHaveProperty('HOME');
  });

  it.each([
    ['PORT', 'abc', 'must be a port number'],
    ['PORT', '70000', ''],
    ['PORT', '80.5', ''],
    ['DATABASE_URL', 'mysql://root@localhost/aiops', 'must start with postgres:// or postgresql://'],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token-secret', 'must be a bot token'],
    ['SLACK_APP_TOKEN', 'xoxb-not-an-app-token', 'must be an app token'],
    ['LOG_LEVEL', 'loud', ''],
    ['SLACK_API_URL', 'not a url', ''],
  ])('rejects %s=%s with one line naming the variable', (name, value, reason) => {
    const error = configError(() => readEnvOptions({ [name]: value }));
    expect(error.message).toMatch(new RegExp(`^invalid environment variable ${name}: `));
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain('\n');
  });

  it('does not echo a rejected token', () => {
    const error = configError(() => readEnvOptions({ SLACK_BOT_TOKEN: 'xoxp-user-token-secret' }));
    expect(error.message).not.toContain('xoxp-user-token-secret');
  });

  it.each([
    [undefined, []],
    ['', []],
    ['one', ['one']],
    ['new-secret,old-secret', ['new-secret', 'old-secret']],
    [' a , b ,, c ,', ['a', 'b', 'c']],
  ])('splits PAGERDUTY_WEBHOOK_SECRETS=%j', (value, expected) => {
    expect(readEnvOptions({ PAGERDUTY_WEBHOOK_SECRETS: value }).PAGERDUTY_WEBHOOK_SECRETS).toEqual(expected);
  });
});

const FULL_YAML = `
defaults:
  channel: "#alerts"
correlation:
  windowMinutes: 15
ingest:
  maxBodyBytes: 1048576
  serviceLabels: [service, app]
services:
  - name: checkout
    channel: "#checkout"
    repo: acme/checkout-service
  - name: search
routes:
  - match:
      severity: critical
      env: [prod, production]
    channel: "#pager"
  - match:
      alertname: /Kube.*/
    channel: "#platform"
`;

describe('parseConfigFile', () => {
  it('reads a full aiops.yml', () => {
    const file = parseConfigFile(FULL_YAML, 'aiops.yml');
    expect(file).toEqual({
      defaults: { channel: '#alerts' },
      correlation: { windowMinutes: 15 },
      ingest: { maxBodyBytes: 1048576, serviceLabels: ['service', 'app'] },
      services: [
        { name: 'checkout', channel: '#checkout', repo: 'acme/checkout-service' },
        { name: 'search' },
      ],
      routes: [
        { match: { severity: 'critical', env: ['prod', 'production'] }, channel: '#pager' },
        { match: { alertname: '/Kube.*/' }, channel: '#platform' },
      ],
      remediation: expect.objectContaining({ enabled: false }),
      retention: { rawDeliveries: { days: 30, failedDays: 90 } },
    });
  });

  it('fills defaults for an empty file', () => {
    for (const text of ['', '# only a comment\n', '{}']) {
      const file = parseConfigFile(text, 'aiops.yml');
      expect(file.correlation.windowMinutes).toBe(30);
      expect(file.ingest.maxBodyBytes).toBe(5 * 1024 * 1024);
      // Unset: the service is derived from the alert's workload, volume, exporter or host.
      expect(file.ingest.serviceLabels).toBeUndefined();
      expect(file.routes).toEqual([]);
      expect(file.services).toEqual([]);
    }
  });

  it('fills the defaults of a partly written section', () => {
    const file = parseConfigFile('ingest:\n  maxBodyBytes: 2048\n', 'aiops.yml');
    expect(file.ingest).toEqual({ maxBodyBytes: 2048 });
  });

  it('reads services[].match as one label set or a list of them', () => {
    const file = parseConfigFile(
      [
        'services:',
        '  - name: checkout',
        '    match: { namespace: shop, container: [checkout, checkout-worker] }',
        '  - name: orders-db',
        '    match: [{ instance: "/db-[0-9]+/" }, { persistentvolumeclaim: data-orders-0 }]',
      ].join('\n'),
      'aiops.yml',
    );
    expect(file.services).toEqual([
      { name: 'checkout', match: { namespace: 'shop', container: ['checkout', 'checkout-worker'] } },
      { name: 'orders-db', match: [{ instance: '/db-[0-9]+/' }, { persistentvolumeclaim: 'data-orders-0' }] },
    ]);
  });

  it('rejects a services[].match with a bad regex or no label', () => {
    expect(
      configError(() =>
        parseConfigFile('services:\n  - name: a\n    match: [{ pod: "/a(/" }]\n', 'aiops.yml'),
      ).message,
    ).toBe('aiops.yml: services.0.match.0.pod: invalid regular expression /a(/');
    expect(
      configError(() => parseConfigFile('services:\n  - name: a\n    match: {}\n', 'aiops.yml')).message,
    ).toMatch(/^aiops\.yml: services\.0\.match.*must name at least one label/);
  });

  it('rejects invalid YAML in one line', () => {
    const error = configError(() => parseConfigFile('routes: [\n  - match: {', '/etc/aiops/aiops.yml'));
    expect(error.message).toMatch(/^\/etc\/aiops\/aiops\.yml: not valid YAML \(/);
    expect(error.message).not.toContain('\n');
  });

  it('rejects an unknown top-level key and names it', () => {
    // Regression: a top-level issue has no path, and the message read "aiops.yml: : Unrecognized key".
    const error = configError(() => parseConfigFile('defaults: {}\nrouting: []\n', 'aiops.yml'));
    expect(error.message).toBe('aiops.yml: Unrecognized key: "routing"');
  });

  it('rejects an unknown nested key with its path', () => {
    const error = configError(() =>
      parseConfigFile('services:\n  - name: a\n    chanel: "#a"\n', 'aiops.yml'),
    );
    expect(error.message).toMatch(/^aiops\.yml: services\.0: .*"chanel"/);
  });

  it('names the field of a bad value', () => {
    expect(
      configError(() => parseConfigFile('services:\n  - name: a\n    repo: nope\n', 'aiops.yml')).message,
    ).toBe('aiops.yml: services.0.repo: must be owner/name');
    expect(
      configError(() => parseConfigFile('correlation:\n  windowMinutes: 0\n', 'aiops.yml')).message,
    ).toMatch(/^aiops\.yml: correlation\.windowMinutes: /);
    expect(configError(() => parseConfigFile('routes:\n  - match: {}\n', 'aiops.yml')).message).toMatch(
      /^aiops\.yml: routes\.0\.channel: /,
    );
  });

  it('rejects a bad regular expression in a route, naming route and label', () => {
    const error = configError(() =>
      parseConfigFile(
        'routes:\n  - match: {service: checkout}\n    channel: "#a"\n  - match:\n      alertname: [Ok, "/(unclosed/"]\n    channel: "#b"\n',
        'aiops.yml',
      ),
    );
    expect(error.message).toBe('aiops.yml: routes.1.match.alertname: invalid regular expression /(unclosed/');
  });

  it('isRegexMatcher needs a slash on both ends', () => {
    expect(isRegexMatcher('/a.*/')).toBe(true);
    expect(isRegexMatcher('//')).toBe(true);
    expect(isRegexMatcher('/')).toBe(false);
    expect(isRegexMatcher('/a')).toBe(false);
    expect(isRegexMatcher('a/')).toBe(false);
  });
});

describe('buildConfig', () => {
  it('turns the correlation window into milliseconds', () => {
    expect(configFrom({}, FULL_YAML).correlationWindowMs).toBe(15 * 60_000);
    expect(configFrom({}, '').correlationWindowMs).toBe(30 * 60_000);
    expect(configFrom({}, 'correlation:\n  windowMinutes: 0.5\n').correlationWindowMs).toBe(30_000);
  });

  it('picks the default channel: environment, then file, then #incidents', () => {
    expect(configFrom({ AIOPS_DEFAULT_CHANNEL: '#env' }, FULL_YAML).defaultChannel).toBe('#env');
    expect(configFrom({}, FULL_YAML).defaultChannel).toBe('#alerts');
    expect(configFrom({}, '').defaultChannel).toBe('#incidents');
  });

  it('records where the file came from', () => {
    expect(buildConfig(readEnvOptions({}), parseConfigFile('', 'x')).configSource).toBe('built-in defaults');
    expect(buildConfig(readEnvOptions({}), parseConfigFile('', 'x'), '/etc/aiops.yml').configSource).toBe(
      '/etc/aiops.yml',
    );
  });
});

describe('loadConfig', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'aiops-config-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('fails in one line naming AIOPS_CONFIG when it points to a missing file', () => {
    const missing = path.join(tempDir(), 'nope.yml');
    const error = configError(() => loadConfig({ AIOPS_CONFIG: missing }, tempDir()));
    expect(error.message).toBe(`invalid environment variable AIOPS_CONFIG: file ${missing} does not exist`);
  });

  it('reads the file AIOPS_CONFIG names', () => {
    const file = path.join(tempDir(), 'custom.yml');
    writeFileSync(file, 'defaults:\n  channel: "#custom"\n');
    const config = loadConfig({ AIOPS_CONFIG: file }, tempDir());
    expect(config.defaultChannel).toBe('#custom');
    expect(config.configSource).toBe(file);
  });

  it('reads aiops.yml from the working directory, else uses built-in defaults', () => {
    const withFile = tempDir();
    writeFileSync(path.join(withFile, 'aiops.yml'), 'correlation:\n  windowMinutes: 5\n');
    const found = loadConfig({}, withFile);
    expect(found.correlationWindowMs).toBe(5 * 60_000);
    expect(found.configSource).toBe(path.join(withFile, 'aiops.yml'));

    const fallback = loadConfig({}, tempDir());
    expect(fallback.configSource).toBe('built-in defaults');
    expect(fallback.correlationWindowMs).toBe(30 * 60_000);
  });

  it('reports an invalid file with its path', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'aiops.yml'), 'nonsense: true\n');
    expect(configError(() => loadConfig({}, dir)).message).toBe(
      `${path.join(dir, 'aiops.yml')}: Unrecognized key: "nonsense"`,
    );
  });

  it('checks the environment before the file', () => {
    expect(configError(() => loadConfig({ PORT: 'abc' }, tempDir())).message).toMatch(
      /^invalid environment variable PORT/,
    );
  });
});
