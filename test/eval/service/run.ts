/**
 * Scores how often an alert's service is the affected one, before (the first of the old default labels
 * `service, app_kubernetes_io_name, app, job, namespace`) and after (src/ingest/service.ts), on the shared
 * fixture payloads and on label sets of public rule collections (cases.json).
 *
 *   npx tsx test/eval/service/run.ts          # table and shares
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { normalizeAlertmanager, parseAlertmanagerPayload } from '../../../src/ingest/alertmanager.ts';
import { normalizePagerDuty, parsePagerDutyPayload } from '../../../src/ingest/pagerduty.ts';
import { describeServiceSource, LEGACY_SERVICE_LABELS, serviceOf } from '../../../src/ingest/service.ts';

interface CaseFile {
  fixtures: Record<string, string[][]>;
  cases: { id: string; source: string; labels: Record<string, string>; expected: string[]; note?: string }[];
}

export interface Row {
  id: string;
  expected: string[];
  before: string;
  after: string;
  decidedBy: string;
}

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const fixtures = (name: string) => fileURLToPath(new URL(`../../fixtures/payloads/${name}`, import.meta.url));

export function loadCases(name: 'cases.json' | 'holdout.json' = 'cases.json'): CaseFile {
  const file = JSON.parse(readFileSync(here(`./${name}`), 'utf8')) as Partial<CaseFile>;
  return { fixtures: file.fixtures ?? {}, cases: file.cases ?? [] };
}

export function evaluate(file: CaseFile = loadCases()): Row[] {
  const rows: Row[] = [];
  for (const [name, expectations] of Object.entries(file.fixtures)) {
    const body: unknown = JSON.parse(readFileSync(fixtures(name), 'utf8'));
    if (name.startsWith('am-')) {
      const payload = parseAlertmanagerPayload(body);
      const alerts = normalizeAlertmanager(payload, {}).groups.flatMap((group) => group.alerts);
      if (alerts.length !== expectations.length) throw new Error(`${name}: ${alerts.length} alerts`);
      alerts.forEach((alert, index) => {
        rows.push({
          id: `${name}#${index}`,
          expected: expectations[index] as string[],
          before: serviceOf(alert.labels, LEGACY_SERVICE_LABELS),
          after: alert.service,
          decidedBy: `${alert.serviceSource.rule}: ${describeServiceSource(alert.serviceSource)}`,
        });
      });
    } else {
      const alerts = normalizePagerDuty(parsePagerDutyPayload(body), undefined).groups.flatMap(
        (g) => g.alerts,
      );
      alerts.forEach((alert, index) => {
        rows.push({
          id: `${name}#${index}`,
          expected: expectations[index] as string[],
          // The PagerDuty service was and is the incident's service.
          before: alert.labels.service ?? 'unknown',
          after: alert.service,
          decidedBy: `${alert.serviceSource.rule}: ${describeServiceSource(alert.serviceSource)}`,
        });
      });
    }
  }
  for (const item of file.cases) {
    const payload = parseAlertmanagerPayload({
      version: '4',
      status: 'firing',
      receiver: 'eval',
      groupKey: item.id,
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      alerts: [{ labels: item.labels, annotations: {}, startsAt: '2026-03-01T10:00:00Z' }],
    });
    const alert = normalizeAlertmanager(payload, {}).groups[0]?.alerts[0];
    if (!alert) throw new Error(`${item.id}: no alert`);
    rows.push({
      id: item.id,
      expected: item.expected,
      before: serviceOf(item.labels, LEGACY_SERVICE_LABELS),
      after: alert.service,
      decidedBy: `${alert.serviceSource.rule}: ${describeServiceSource(alert.serviceSource)}`,
    });
  }
  return rows;
}

export function share(rows: Row[], which: 'before' | 'after', filter: (row: Row) => boolean = () => true) {
  const selected = rows.filter(filter);
  const right = selected.filter((row) => row.expected.includes(row[which])).length;
  return { right, total: selected.length, percent: selected.length ? (100 * right) / selected.length : 0 };
}

const pct = (value: { right: number; total: number; percent: number }) =>
  `${value.right}/${value.total} = ${value.percent.toFixed(1)} %`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const holdout = evaluate(loadCases('holdout.json'));
  const rows = evaluate();
  const mark = (row: Row, which: 'before' | 'after') => (row.expected.includes(row[which]) ? '✓' : '✗');
  for (const row of rows) {
    console.log(
      `${mark(row, 'before')}${mark(row, 'after')} ${row.id.padEnd(58)} expected ${row.expected.join('|').padEnd(34)} before ${row.before.padEnd(42)} after ${row.after}  [${row.decidedBy}]`,
    );
  }
  const isFixture = (row: Row) => row.id.includes('.json#');
  console.log('');
  console.log(
    `fixture payloads     before ${pct(share(rows, 'before', isFixture))}   after ${pct(share(rows, 'after', isFixture))}`,
  );
  const rules = (row: Row) => !isFixture(row);
  console.log(
    `public rule examples before ${pct(share(rows, 'before', rules))}   after ${pct(share(rows, 'after', rules))}`,
  );
  console.log(
    `all                  before ${pct(share(rows, 'before'))}   after ${pct(share(rows, 'after'))}`,
  );
  console.log('');
  for (const row of holdout) {
    console.log(
      `${mark(row, 'before')}${mark(row, 'after')} ${row.id.padEnd(58)} expected ${row.expected.join('|').padEnd(34)} before ${row.before.padEnd(42)} after ${row.after}  [${row.decidedBy}]`,
    );
  }
  console.log(
    `held-out             before ${pct(share(holdout, 'before'))}   after ${pct(share(holdout, 'after'))}`,
  );
}
