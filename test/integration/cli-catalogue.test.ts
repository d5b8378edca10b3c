/**
 * A team's own catalogue (issue 12, part 2) end to end: `aiops.yml` `catalogue.paths` at the app's start (a
 * team file overriding a built-in signature and adding one, a broken file refusing start-up with file:line) and
 * `aiops catalogue check|test|suggest` through the real CLI entry.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeIncident } from '../../src/analysis/analyze.ts';
import { compileCatalogueFile } from '../../src/analysis/offline/catalogue/data.ts';
import { signatureById } from '../../src/analysis/offline/catalogue/index.ts';
import { viewOf } from '../../src/analysis/offline/facts.ts';
import { matchSignature } from '../../src/analysis/offline/index.ts';
import { type CliIo, run, USAGE } from '../../src/cli.ts';
import { systemClock } from '../../src/clock.ts';
import { configFrom } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import { migrate } from '../../src/db/migrate.ts';
import { confirmCause } from '../../src/incidents/confirm-cause.ts';
import { ingestDelivery } from '../../src/ingest/ingest.ts';
import { startTestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';
import { testAlert } from '../support/incidents.ts';
import { alertmanagerBody, post } from '../support/payloads.ts';

const FIXTURE = new URL('../fixtures/catalogue-team', import.meta.url).pathname;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'aiops-catalogue-'));
  dirs.push(dir);
  return dir;
}

/** A folder with `aiops.yml` naming `./team` (a copy of the fixture) in catalogue.paths. */
function teamSetup(): { dir: string; team: string; config: string } {
  const dir = tempDir();
  const team = path.join(dir, 'team');
  cpSync(FIXTURE, team, { recursive: true });
  const config = path.join(dir, 'aiops.yml');
  writeFileSync(config, 'catalogue:\n  paths: [./team]\n');
  return { dir, team, config };
}

function capture(env: Record<string, string | undefined>, cwd: string) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line), env, cwd };
  return { io, out: () => stdout.join('\n'), err: () => stderr.join('\n') };
}

const ALERTS = {
  billing: { alertname: 'BillingQueueLag', queue: 'invoices', namespace: 'billing', service: 'billing' },
  conntrack: { alertname: 'NodeHighNumberConntrackEntriesUsed', instance: 'nat-1:9100', service: 'nat' },
};

const BROKEN = `domain: broken
signatures:
  - id: broken-one
    title: Broken
    weight: heavy
    names: [BrokenAlert]
    summary: x
    causes: [{ title: y, likelihood: 0.5, category: unknown }]
    steps: [Look]
    examples: [{ labels: { alertname: BrokenAlert }, firstCause: y }]
`;

/** A minimal valid file claiming `names` under `id`. */
const teamFile = (id: string, names: string[], firstCause = 'Team cause') => `domain: ${id}
signatures:
  - id: ${id}
    title: ${id}
    weight: 50
    names: [${names.join(', ')}]
    summary: "{{name}} fired."
    causes: [{ title: Team cause of ${id}, likelihood: 0.6, category: application }]
    steps: [Look at the dashboard]
    examples: [{ labels: { alertname: ${names[0]} }, firstCause: "${firstCause}" }]
`;

describe('catalogue.paths at the start of the app', () => {
  it('overrides a built-in signature and adds a new one; the next app starts from the built-in catalogue', async () => {
    const { team } = teamSetup();
    for (const database of testDatabases()) {
      const { db, dispose } = await database.create();
      const app = await startTestApp(db, { yaml: `catalogue:\n  paths: [${JSON.stringify(team)}]\n` });
      try {
        expect(app.logs.join('')).toContain('team files override 1, add 1');
        const ids: number[] = [];
        for (const [key, labels] of Object.entries(ALERTS)) {
          const response = await post(
            `${app.url}/webhooks/alertmanager`,
            alertmanagerBody({ groupKey: `{}:${key}`, alerts: [{ labels }] }),
          );
          expect(response.status, database.name).toBe(202);
          ids.push(...(response.json.incidentIds as number[]));
        }
        expect(ids).toHaveLength(2);
        const billing = await analyzeIncident(app.app.deps, ids[0] as number);
        expect(billing.analysis.summary).toContain('The billing queue `invoices` is lagging.');
        expect(billing.analysis.rootCauses[0]?.title).toBe('The billing export batch job is stuck');
        expect(billing.analysis.nextSteps).toContain('kubectl -n billing get jobs -l app=billing-export');
        const conntrack = await analyzeIncident(app.app.deps, ids[1] as number);
        expect(conntrack.analysis.rootCauses[0]?.title).toBe(
          'The Acme NAT gateway is carrying the batch upload traffic',
        );
        expect(signatureById('node-conntrack-full')?.title).toBe(
          'Conntrack table nearly full on an Acme NAT node',
        );
      } finally {
        await app.close();
        await dispose();
      }
    }
    // Closed: the built-in catalogue again.
    const view = viewOf(testAlert({ labels: ALERTS.billing }, { at: '2026-03-01T10:00:00Z' }));
    expect(matchSignature(view)).toBeNull();
    expect(signatureById('node-conntrack-full')?.title).toBe('Conntrack table nearly full');
  });

  it('refuses to start on a broken team file, naming file, line and field', async () => {
    const { dir, team, config } = teamSetup();
    writeFileSync(path.join(team, 'broken.yaml'), BROKEN);
    const cli = capture(
      { AIOPS_CONFIG: config, AIOPS_DATA_DIR: path.join(dir, 'data'), PORT: '0' },
      tmpdir(),
    );
    expect(await run(['start'], cli.io)).toBe(1);
    expect(cli.err()).toMatch(/^aiops: \/\S+\/team\/broken\.yaml:5:13: signatures\[0\]\.weight: /);
    expect(existsSync(path.join(dir, 'data'))).toBe(false); // refused before the database opened
  });

  it('refuses to start when two team files claim one alert name, naming both', async () => {
    const { dir, team, config } = teamSetup();
    writeFileSync(path.join(team, 'payments.yaml'), teamFile('payments-lag', ['BillingQueueLag']));
    const cli = capture({ AIOPS_CONFIG: config, AIOPS_DATA_DIR: path.join(dir, 'data'), PORT: '0' }, dir);
    expect(await run(['start'], cli.io)).toBe(1);
    expect(cli.err()).toMatch(
      /alert name BillingQueueLag is claimed by \/\S+\/team\/acme\.yaml \(signature acme-billing-lag\) and by \/\S+\/team\/payments\.yaml \(signature payments-lag\)/,
    );
  });
});

describe('aiops catalogue check', () => {
  it('prints what each file claims, overrides and new signatures, and runs the examples', async () => {
    const { team } = teamSetup();
    const cli = capture({}, path.dirname(team));
    expect(await run(['catalogue', 'check', 'team'], cli.io)).toBe(0);
    expect(cli.out()).toContain('team/acme.yaml: 2 signatures');
    expect(cli.out()).toContain(
      '  node-conntrack-full (overrides built-in node-conntrack-full): Conntrack table nearly full on an Acme NAT node',
    );
    expect(cli.out()).toContain(
      '  acme-billing-lag (new): Billing queue lagging\n    names: BillingQueueLag',
    );
    expect(cli.out()).toContain('ok: 2 signatures in 1 file');
    // A single file works too.
    expect(await run(['catalogue', 'check', 'team/acme.yaml'], capture({}, path.dirname(team)).io)).toBe(0);
  });

  it('reports a claim of a built-in alert name as a note, and a claim between team files as a conflict (exit 1)', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a.yaml'), teamFile('crash-a', ['KubePodCrashLooping']));
    const noted = capture({}, dir);
    expect(await run(['catalogue', 'check', 'a.yaml'], noted.io)).toBe(0);
    expect(noted.out()).toMatch(
      /note: alert name KubePodCrashLooping is claimed by built-in signature [a-z-]+ too: a\.yaml \(signature crash-a\) takes it/,
    );
    writeFileSync(path.join(dir, 'b.yaml'), teamFile('crash-b', ['kube_pod_crash_looping']));
    const conflict = capture({}, dir);
    expect(await run(['catalogue', 'check', '.'], conflict.io)).toBe(1);
    expect(conflict.out()).toContain(
      'conflict: alert name kube_pod_crash_looping is claimed by a.yaml (signature crash-a) and by b.yaml (signature crash-b)',
    );
    expect(conflict.err()).toBe('aiops: .: 1 problem');
  });

  it('fails on a broken file (file:line: field), a failing example, and bad usage', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'broken.yaml'), BROKEN);
    const broken = capture({}, dir);
    expect(await run(['catalogue', 'check', 'broken.yaml'], broken.io)).toBe(1);
    expect(broken.err()).toMatch(/^aiops: broken\.yaml:5:13: signatures\[0\]\.weight: /);

    writeFileSync(path.join(dir, 'wrong.yaml'), teamFile('wrong-cause', ['WrongCause'], 'Another cause'));
    const failing = capture({}, dir);
    expect(await run(['catalogue', 'check', 'wrong.yaml'], failing.io)).toBe(1);
    expect(failing.out()).toContain(
      'fail: wrong.yaml: wrong-cause example 1: first cause "Team cause of wrong-cause" does not match /Another cause/',
    );

    // An example's step: one next step must contain it (the steps here are "Look at the dashboard").
    writeFileSync(
      path.join(dir, 'step.yaml'),
      teamFile('wrong-step', ['WrongStep'], '(?i)team cause').replace(
        'firstCause: "(?i)team cause" }',
        'firstCause: "(?i)team cause", step: "kubectl get pods" }',
      ),
    );
    const stepFails = capture({}, dir);
    expect(await run(['catalogue', 'check', 'step.yaml'], stepFails.io)).toBe(1);
    expect(stepFails.out()).toContain(
      'fail: step.yaml: wrong-step example 1: no next step contains "kubectl get pods"',
    );

    expect(await run(['catalogue', 'check', 'missing'], capture({}, dir).io)).toBe(1);
    for (const args of [
      ['catalogue'],
      ['catalogue', 'check'],
      ['catalogue', 'nope'],
      ['catalogue', 'suggest'],
    ])
      expect(await run(args, capture({}, dir).io), args.join(' ')).toBe(2);
  });

  it('is listed in --help', async () => {
    expect(USAGE).toContain('catalogue check PATH | test FILE | suggest SERVICE');
    const help = capture({}, tmpdir());
    expect(await run(['catalogue', '--help'], help.io)).toBe(0);
    expect(help.out()).toContain('suggest SERVICE  print a DRAFT signature file');
  });
});

describe('aiops catalogue test', () => {
  it('runs a payload through the built-in catalogue plus catalogue.paths (relative to aiops.yml), without a database', async () => {
    const { dir, config } = teamSetup();
    const payload = path.join(dir, 'alerts.json');
    writeFileSync(
      payload,
      JSON.stringify(
        alertmanagerBody({ alerts: [{ labels: ALERTS.billing }, { labels: ALERTS.conntrack }] }),
      ),
    );
    const dataDir = path.join(dir, 'data');
    // Run from elsewhere: ./team is found next to aiops.yml.
    const team = capture({ AIOPS_CONFIG: config, AIOPS_DATA_DIR: dataDir }, tmpdir());
    expect(await run(['catalogue', 'test', payload], team.io)).toBe(0);
    expect(team.out()).toContain('catalogue: built-in + ');
    expect(team.out()).toContain('  BillingQueueLag → acme-billing-lag: Billing queue lagging');
    expect(team.out()).toContain(
      '  NodeHighNumberConntrackEntriesUsed → node-conntrack-full: Conntrack table nearly full on an Acme NAT node',
    );
    expect(team.out()).toMatch(/causes:\n {2}1\. The billing export batch job is stuck \(70%, application\)/);
    expect(team.out()).toContain('The Acme NAT gateway is carrying the batch upload traffic');
    expect(existsSync(dataDir)).toBe(false);
    // The command's catalogue was for its run only: this process matches against the built-in one again.
    const view = viewOf(testAlert({ labels: ALERTS.billing }, { at: '2026-03-01T10:00:00Z' }));
    expect(matchSignature(view)).toBeNull();

    const builtIn = capture({ AIOPS_DATA_DIR: dataDir }, tmpdir());
    expect(await run(['catalogue', 'test', payload], builtIn.io)).toBe(0);
    expect(builtIn.out()).toContain('  BillingQueueLag → no signature');
    expect(builtIn.out()).toContain(
      '  NodeHighNumberConntrackEntriesUsed → node-conntrack-full: Conntrack table nearly full',
    );
    expect(builtIn.out()).toContain('surge of short-lived connections');

    expect(await run(['catalogue', 'test', path.join(dir, 'none.json')], capture({}, dir).io)).toBe(1);
  });
});

describe('aiops catalogue suggest', () => {
  it('drafts a signature file from confirmed causes that loads and passes check', {
    timeout: 120_000,
  }, async () => {
    for (const database of testDatabases()) {
      const { url, dispose } = await database.create();
      const dir = tempDir();
      const env = url ? { DATABASE_URL: url } : { AIOPS_DATA_DIR: path.join(dir, 'data') };
      try {
        // Three incidents of the service, their causes confirmed (the button's use-case), stored where the CLI reads.
        const db = await openDatabase({ databaseUrl: url, dataDir: path.join(dir, 'data') });
        const hung = 'The export job hung on a {{lock}} (see /var/run)';
        try {
          await migrate(db);
          const confirmedTitles = [hung, hung, 'Disk full'];
          for (const [index, alertname] of [
            'BillingQueueLag',
            'BillingExportFailed',
            'BillingQueueLag',
          ].entries()) {
            const labels = { alertname, service: 'billing', namespace: 'billing', run: String(index) };
            const rawBody = JSON.stringify(
              alertmanagerBody({ groupKey: `{}:${index}`, alerts: [{ labels }] }),
            );
            const result = await ingestDelivery(
              { db, config: configFrom(), clock: systemClock },
              { source: 'alertmanager', rawBody },
            );
            const incidentId = result.incidentIds[0] as number;
            await confirmCause(db, {
              incidentId,
              title: confirmedTitles[index] as string,
              category: index === 2 ? 'capacity' : 'application',
              actor: 'alice',
              now: systemClock.now(),
            });
          }
        } finally {
          await db.close();
        }
        const suggest = capture(env, dir);
        expect(await run(['catalogue', 'suggest', 'billing'], suggest.io), suggest.err()).toBe(0);
        const text = suggest.out();
        expect(text).toMatch(/^# DRAFT signature file for service billing/);
        expect(text).toContain('runbook: https://runbooks.example.com/REPLACE-ME');
        const file = path.join(dir, 'suggested', 'billing.yaml');
        mkdirSync(path.dirname(file));
        writeFileSync(file, `${text}\n`);
        const loaded = compileCatalogueFile(readFileSync(file, 'utf8'), file, () => signatureById);
        const [signature] = loaded.signatures;
        expect(signature?.id).toBe('team-billing');
        expect(signature?.names).toEqual(['BillingQueueLag', 'BillingExportFailed']);
        expect(text).toMatch(
          /title: The export job hung on a \{\{open\}\}lock\{\{close\}\} \(see \/var\/run\)\n\s+likelihood: 0.67/,
        );
        expect(text).toMatch(/title: Disk full\n\s+likelihood: 0.33/);
        const checked = capture({}, dir);
        expect(await run(['catalogue', 'check', file], checked.io), checked.out()).toBe(0);

        const none = capture(env, dir);
        expect(await run(['catalogue', 'suggest', 'nosuch'], none.io)).toBe(1);
        expect(none.err()).toBe('aiops: no confirmed causes for service nosuch: nothing to suggest');
      } finally {
        await dispose();
      }
    }
  });
});
