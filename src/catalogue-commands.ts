import { stringify } from 'yaml';
import { minimalInput } from './analysis/input.ts';
import { type LoadedFile, toRegExp } from './analysis/offline/catalogue/data.ts';
import {
  catalogueBaseDir,
  describeTeamFiles,
  installTeamCatalogue,
  loadTeamPath,
  loadTeamPaths,
} from './analysis/offline/catalogue/team.ts';
import { viewOf } from './analysis/offline/facts.ts';
import { analyzeOffline } from './analysis/offline/index.ts';
import { matchSignature } from './analysis/offline/match.ts';
import type { Analysis } from './analysis/schema.ts';
import type { Config } from './config.ts';
import type { IncidentAlert, IncidentDetail } from './db/incidents.ts';
import type { Db } from './db/index.ts';
import { AiopsError, ErrorCode } from './errors.ts';
import type { NormalizedAlert } from './ingest/alert.ts';
import { normalizeDelivery } from './ingest/ingest.ts';
import { readPayloadFile } from './ingest/payload-file.ts';

export interface CatalogueIo {
  stdout: (line: string) => void;
  cwd: string;
}

const usage = (message: string) => new AiopsError(ErrorCode.BadUsage, message);

/** The team files `aiops.yml` names, installed over the built-in catalogue. */
function installConfigured(config: Config, cwd: string): LoadedFile[] {
  const files = loadTeamPaths(
    config.file.catalogue?.paths ?? [],
    catalogueBaseDir(config.configSource, cwd),
    cwd,
  );
  installTeamCatalogue(files);
  return files;
}

function alertOf(alert: NormalizedAlert): IncidentAlert {
  const startsAt = alert.startsAt.toISOString();
  return {
    fingerprint: alert.fingerprint,
    status: alert.status,
    alertname: alert.alertname,
    service: alert.service,
    severity: alert.severity,
    summary: alert.summary,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt,
    endsAt: alert.endsAt ? alert.endsAt.toISOString() : null,
    generatorUrl: alert.generatorUrl,
    firstSeen: startsAt,
    lastSeen: startsAt,
    deliveryCount: 1,
  };
}

/** An incident of `alerts` as `getIncident` would return it, never stored. */
function incidentOf(title: string, service: string, alerts: IncidentAlert[]): IncidentDetail {
  const at = alerts[0]?.startsAt ?? new Date(0).toISOString();
  return {
    id: 0,
    title,
    service,
    severity: alerts[0]?.severity ?? 'warning',
    status: 'triggered',
    source: 'cli',
    channel: '',
    alertCount: alerts.length,
    firingCount: alerts.filter((alert) => alert.status === 'firing').length,
    openedAt: at,
    acknowledgedAt: null,
    resolvedAt: null,
    lastEventAt: at,
    externalId: null,
    externalUrl: null,
    reopenCount: 0,
    labels: {},
    alerts,
    timeline: [],
  };
}

const percent = (likelihood: number): string => `${Math.round(likelihood * 100)}%`;

export function analysisLines(analysis: Analysis): string[] {
  return [
    `summary: ${analysis.summary}`,
    'causes:',
    ...analysis.rootCauses.map(
      (cause, index) => `  ${index + 1}. ${cause.title} (${percent(cause.likelihood)}, ${cause.category})`,
    ),
    'next steps:',
    ...analysis.nextSteps.map((step, index) => `  ${index + 1}. ${step}`),
  ];
}

/** `aiops catalogue check PATH`: loads PATH over the built-in catalogue, prints claims and conflicts, runs examples. */
async function check(args: string[], io: CatalogueIo): Promise<void> {
  if (args.length !== 1) throw usage('catalogue check takes exactly one PATH (a file or a folder)');
  const target = args[0] as string;
  const files = loadTeamPath(target, io.cwd, io.cwd);
  if (files.length === 0) throw new AiopsError(ErrorCode.NotFound, `${target}: no .yaml files`);
  const report = describeTeamFiles(files);
  let problems = 0;
  for (const loaded of files) {
    const claims = report.claims.filter((claim) => claim.file === loaded.file);
    io.stdout(`${loaded.file}: ${claims.length} signature${claims.length === 1 ? '' : 's'}`);
    for (const claim of claims) {
      io.stdout(
        `  ${claim.id} (${claim.overrides ? `overrides built-in ${claim.id}` : 'new'}): ${claim.title}`,
      );
      if (claim.names.length > 0) io.stdout(`    names: ${claim.names.join(', ')}`);
      for (const pattern of claim.patterns) io.stdout(`    pattern: ${pattern}`);
    }
  }
  for (const conflict of report.conflicts) {
    if (conflict.kind === 'files') problems += 1;
    io.stdout(`${conflict.kind === 'files' ? 'conflict' : 'note'}: ${conflict.message}`);
  }
  if (problems === 0) {
    installTeamCatalogue(files);
    for (const loaded of files) {
      for (const signature of loaded.signatures) {
        for (const [index, example] of signature.examples.entries()) {
          const alertname = example.labels.alertname ?? 'unnamed alert';
          const at = new Date(0).toISOString();
          const alert: IncidentAlert = {
            fingerprint: `example-${index}`,
            status: 'firing',
            alertname,
            service: example.labels.service ?? 'unknown',
            severity: example.labels.severity ?? 'warning',
            summary: example.annotations?.summary ?? example.annotations?.description ?? alertname,
            labels: example.labels,
            annotations: example.annotations ?? {},
            startsAt: at,
            endsAt: null,
            // The example's PromQL, where viewOf reads an alert's expression.
            generatorUrl: example.expr
              ? `http://prometheus/graph?g0.expr=${encodeURIComponent(example.expr)}`
              : null,
            firstSeen: at,
            lastSeen: at,
            deliveryCount: 1,
          };
          const expected = example.signature ?? signature.id;
          const matched = matchSignature(viewOf(alert))?.id ?? null;
          const analysis = analyzeOffline(minimalInput(incidentOf(alert.alertname, alert.service, [alert])));
          const first = analysis.rootCauses[0]?.title ?? '';
          const label = `${loaded.file}: ${signature.id} example ${index + 1}`;
          if (matched !== expected) {
            problems += 1;
            io.stdout(`fail: ${label}: matched ${matched ?? 'no signature'}, expected ${expected}`);
          } else if (!toRegExp(example.firstCause).test(first)) {
            problems += 1;
            io.stdout(`fail: ${label}: first cause "${first}" does not match /${example.firstCause}/`);
          } else if (example.step && !analysis.nextSteps.some((step) => step.includes(example.step ?? ''))) {
            problems += 1;
            io.stdout(`fail: ${label}: no next step contains "${example.step}"`);
          }
        }
      }
    }
  }
  if (problems > 0)
    throw new AiopsError(
      ErrorCode.ConfigInvalid,
      `${target}: ${problems} problem${problems === 1 ? '' : 's'}`,
    );
  const count = report.claims.length;
  io.stdout(
    `ok: ${count} signature${count === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}`,
  );
}

/** `aiops catalogue test FILE`: the payload's alerts through the catalogue (built-in + catalogue.paths). */
async function test(config: Config, args: string[], io: CatalogueIo): Promise<void> {
  const file = args[0];
  if (!file || args.length !== 1)
    throw usage('catalogue test takes exactly one FILE (an Alertmanager or PagerDuty payload)');
  const { rawBody, source } = readPayloadFile(file);
  const files = installConfigured(config, io.cwd);
  if (files.length > 0) io.stdout(`catalogue: built-in + ${files.map((loaded) => loaded.file).join(', ')}`);
  const delivery = normalizeDelivery({ config }, { source, rawBody });
  if (delivery.ignoredReason) io.stdout(`note: ${delivery.ignoredReason}`);
  for (const group of delivery.groups) {
    const alerts = group.alerts.map(alertOf);
    if (alerts.length === 0) continue;
    io.stdout(
      `incident: ${group.title} (service ${group.service}, ${alerts.length} alert${alerts.length === 1 ? '' : 's'})`,
    );
    for (const alert of alerts) {
      const signature = matchSignature(viewOf(alert));
      io.stdout(
        `  ${alert.alertname} → ${signature ? `${signature.id}: ${signature.title}` : 'no signature'}`,
      );
    }
    for (const line of analysisLines(
      analyzeOffline(minimalInput(incidentOf(group.title, group.service, alerts))),
    ))
      io.stdout(line);
  }
}

/** `{{` and `}}` in free text would be placeholders: written as the template's literal braces. */
const literal = (text: string): string =>
  text.replace(/\{\{|\}\}/g, (braces) => (braces === '{{' ? '{{open}}' : '{{close}}'));
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** `aiops catalogue suggest SERVICE`: a draft signature file from the causes confirmed on SERVICE's incidents. */
export async function suggestFile(db: Db, service: string): Promise<string | null> {
  const causes = await db.query<{ title: string; category: string; incidents: number | string }>(
    `SELECT c.title, min(c.category) AS category, count(DISTINCT c.incident_id) AS incidents
       FROM confirmed_causes c JOIN incidents i ON i.id = c.incident_id
      WHERE i.service = $1 OR EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id AND a.service = $1)
      GROUP BY c.title ORDER BY incidents DESC, c.title`,
    [service],
  );
  if (causes.rows.length === 0) return null;
  const names = await db.query<{ alertname: string }>(
    `SELECT a.alertname FROM alerts a JOIN incidents i ON i.id = a.incident_id
      WHERE (i.service = $1 OR a.service = $1) AND EXISTS (SELECT 1 FROM confirmed_causes c WHERE c.incident_id = i.id)
      GROUP BY a.alertname ORDER BY count(*) DESC, a.alertname`,
    [service],
  );
  const total = causes.rows.reduce((sum, row) => sum + Number(row.incidents), 0);
  const likelihood = (count: number) =>
    Math.max(0.05, Math.min(0.9, Math.round((count / total) * 100) / 100));
  const id = `team-${
    service
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'service'
  }`;
  const alertNames = names.rows.map((row) => row.alertname);
  const top = causes.rows[0] as { title: string };
  const data = {
    domain: id,
    description: `Draft from ${total} confirmed cause${total === 1 ? '' : 's'} of ${service} — review before use`,
    signatures: [
      {
        id,
        title: literal(`${service}: alerts with confirmed causes`),
        weight: 50,
        names: alertNames,
        runbook: 'https://runbooks.example.com/REPLACE-ME',
        summary: `${literal(`${service}: `)}{{name}} fired (causes below were confirmed on earlier incidents).`,
        causes: causes.rows.map((row) => ({
          title: literal(row.title),
          likelihood: likelihood(Number(row.incidents)),
          category: row.category,
        })),
        steps: [{ say: 'Follow the runbook for this alert (REPLACE with the real first checks)' }],
        examples: alertNames.slice(0, 3).map((alertname) => ({
          labels: { alertname, service },
          firstCause: `^${escapeRegExp(top.title)}$`,
        })),
      },
    ],
  };
  const header = [
    `# DRAFT signature file for service ${service}, from causes confirmed with "This was the cause".`,
    '# Review every line: the likelihoods are shares of confirmed incidents, the runbook and steps are placeholders.',
    '# Then: aiops catalogue check FILE, and add its folder to aiops.yml catalogue.paths.',
  ]
    .map((line) => line.replace(/\n/g, ' '))
    .join('\n');
  return `${header}\n${stringify(data, { lineWidth: 0 })}`;
}

export async function catalogueCommand(
  config: Config,
  args: string[],
  io: CatalogueIo,
  withDatabase: <T>(work: (db: Db) => Promise<T>) => Promise<T>,
): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    // Both install a catalogue for the command's run only: the process's built-in one comes back after.
    case 'check':
      return check(rest, io).finally(() => installTeamCatalogue([]));
    case 'test':
      return test(config, rest, io).finally(() => installTeamCatalogue([]));
    case 'suggest': {
      if (rest.length !== 1) throw usage('catalogue suggest takes exactly one SERVICE');
      const service = rest[0] as string;
      const text = await withDatabase((db) => suggestFile(db, service));
      if (text === null)
        throw new AiopsError(
          ErrorCode.NotFound,
          `no confirmed causes for service ${service}: nothing to suggest`,
        );
      io.stdout(text.trimEnd());
      return;
    }
    default:
      throw usage(
        sub
          ? `unknown catalogue command "${sub}": check, test or suggest`
          : 'catalogue needs check, test or suggest',
      );
  }
}
