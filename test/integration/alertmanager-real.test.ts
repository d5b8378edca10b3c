/**
 * End to end with a real Alertmanager (the Debian package's 0.25 binary): alerts go in through its API,
 * it groups them and calls our webhook with its own payloads, fingerprints, bearer token and timing.
 * Everything runs on the wall clock, so the test polls with deadlines instead of sleeping.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.ts';
import type { IncidentDetail, IncidentSummary } from '../../src/db/incidents.ts';
import type { Db } from '../../src/db/index.ts';
import {
  alertmanagerBinary,
  type PostableAlert,
  type RunningAlertmanager,
  startAlertmanager,
} from '../support/alertmanager.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testDatabases } from '../support/databases.ts';

const binary = alertmanagerBinary();
if (!binary) {
  console.warn(
    'skipping alertmanager-real.test.ts: no Alertmanager binary (looked at $ALERTMANAGER_BIN, else for ' +
      'prometheus-alertmanager or alertmanager on PATH); install it with `apt-get install prometheus-alertmanager`',
  );
}

const APP_TOKEN = 'am-webhook-token-1234';
const ROUTING = `
services:
  - name: checkout
    channel: '#checkout-oncall'
`;
const POLL_TIMEOUT_MS = 20_000;

type Cleanup = () => Promise<unknown>;

describe.skipIf(!binary)('a real Alertmanager calling POST /webhooks/alertmanager', () => {
  describe.each(testDatabases())('on $name', (database) => {
    let cleanups: Cleanup[] = [];
    let running: { app: TestApp<typeof systemClock>; am: RunningAlertmanager } | null = null;

    /** Stops Alertmanager first (so it sends nothing more), then the app, then drops the database. */
    async function cleanUp() {
      const pending = cleanups.reverse();
      cleanups = [];
      running = null;
      const errors: unknown[] = [];
      for (const cleanup of pending) await cleanup().catch((error: unknown) => errors.push(error));
      if (errors.length > 0) throw errors[0];
    }
    afterEach(cleanUp);
    afterAll(cleanUp);

    async function setup(alertmanagerToken: string) {
      const { db, dispose } = await database.create();
      cleanups.push(dispose);
      const app = await startTestApp(db, {
        env: { ALERTMANAGER_TOKEN: APP_TOKEN },
        yaml: ROUTING,
        clock: systemClock,
      });
      cleanups.push(() => app.close());
      const am = await startAlertmanager({
        webhookUrl: `${app.url}/webhooks/alertmanager`,
        bearerToken: alertmanagerToken,
        groupBy: ['alertname', 'service'],
        groupWait: '1s',
        groupInterval: '1s',
        // Short, so Alertmanager really re-sends the unchanged firing group while the test watches.
        repeatInterval: '2s',
      });
      cleanups.push(() => am.stop());
      running = { app, am };
      return { db, app, am };
    }

    /** Polls `probe` until it returns something truthy; on timeout fails with both sides' logs. */
    async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
      const deadline = Date.now() + POLL_TIMEOUT_MS;
      let last: unknown;
      while (Date.now() < deadline) {
        try {
          const value = await probe();
          if (value) return value;
          last = value;
        } catch (error) {
          last = error;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const tail = (text: string) => text.split('\n').slice(-30).join('\n');
      throw new Error(
        `timed out after ${POLL_TIMEOUT_MS} ms waiting for ${what}; last probe: ${String(last)}\n` +
          `--- alertmanager output ---\n${tail(running?.am.output() ?? '')}\n` +
          `--- app logs ---\n${tail(running?.app.logs.join('') ?? '')}`,
      );
    }

    async function getJson<T>(app: TestApp<typeof systemClock>, path: string): Promise<T> {
      const response = await fetch(`${app.url}${path}`);
      expect(response.status, `GET ${path}`).toBe(200);
      return (await response.json()) as T;
    }
    const listIncidents = async (app: TestApp<typeof systemClock>) =>
      (await getJson<{ incidents: IncidentSummary[] }>(app, '/api/incidents')).incidents;
    const getIncident = (app: TestApp<typeof systemClock>, id: number) =>
      getJson<IncidentDetail>(app, `/api/incidents/${id}`);

    async function deliveries(db: Db) {
      const result = await db.query<{ raw_body: string; outcome: string; content_type: string | null }>(
        'SELECT raw_body, outcome, content_type FROM webhook_deliveries ORDER BY id',
      );
      return result.rows;
    }

    it('opens one incident for a grouped pair of alerts, survives re-sends, and resolves it', async () => {
      const { db, app, am } = await setup(APP_TOKEN);
      const startsAt = new Date(Date.now() - 60_000).toISOString();
      const alerts: PostableAlert[] = ['10.0.0.1:8080', '10.0.0.2:8080'].map((instance) => ({
        labels: { alertname: 'CheckoutHighErrorRate', service: 'checkout', severity: 'critical', instance },
        annotations: {
          summary: 'Checkout 5xx ratio above 5%',
          description: `5xx ratio on ${instance} is 9%`,
        },
        startsAt,
        generatorURL: 'http://prometheus.test:9090/graph?g0.expr=job%3Acheckout_5xx_ratio+%3E+0.05',
      }));
      await am.postAlerts(alerts);

      // Alertmanager computes the fingerprints; ours must be exactly its own.
      const amFingerprints = (await am.getAlerts()).map((alert) => alert.fingerprint).sort();
      expect(amFingerprints).toHaveLength(2);
      expect(amFingerprints[0]).toMatch(/^[0-9a-f]{16}$/);

      const opened = await waitFor('an incident with 2 firing alerts', async () => {
        const [incident] = await listIncidents(app);
        return incident && incident.firingCount === 2 ? incident : null;
      });
      expect(opened).toMatchObject({
        source: 'alertmanager',
        status: 'triggered',
        severity: 'critical',
        service: 'checkout',
        title: 'CheckoutHighErrorRate: Checkout 5xx ratio above 5%',
        channel: '#checkout-oncall',
        alertCount: 2,
        externalUrl: am.url,
      });
      const firing = await getIncident(app, opened.id);
      expect(firing.alerts.map((alert) => alert.fingerprint).sort()).toEqual(amFingerprints);
      for (const alert of firing.alerts) {
        expect(alert).toMatchObject({
          status: 'firing',
          alertname: 'CheckoutHighErrorRate',
          severity: 'critical',
        });
        expect(alert.startsAt).toBe(startsAt);
        // Alertmanager blanks a firing alert's endsAt (its resolve_timeout deadline) to Go's zero time.
        expect(alert.endsAt).toBeNull();
      }

      // repeat_interval (2s) makes Alertmanager re-send the unchanged group: same alerts, same incident.
      await waitFor('a re-sent notification', async () => {
        const detail = await getIncident(app, opened.id);
        return detail.alerts.every((alert) => alert.deliveryCount >= 2);
      });
      expect(await listIncidents(app)).toHaveLength(1);

      // Resolving = the same alerts again with endsAt in the past; send_resolved makes it notify us.
      const endsAt = new Date(Date.now() - 1_000).toISOString();
      await am.postAlerts(alerts.map((alert) => ({ ...alert, endsAt })));
      const resolved = await waitFor('the incident to resolve', async () => {
        const detail = await getIncident(app, opened.id);
        return detail.status === 'resolved' ? detail : null;
      });
      expect(resolved.firingCount).toBe(0);
      expect(resolved.resolvedAt).not.toBeNull();
      expect(resolved.alerts.map((alert) => alert.fingerprint).sort()).toEqual(amFingerprints);
      for (const alert of resolved.alerts) {
        expect(alert.status).toBe('resolved');
        expect(alert.endsAt).toBe(endsAt);
      }
      const kinds = resolved.timeline.map((event) => event.kind);
      expect(kinds).toContain('opened');
      expect(kinds).toContain('alerts_firing');
      expect(kinds).toContain('alerts_resolved');
      expect(kinds).toContain('resolved');
      expect(kinds.filter((kind) => kind === 'opened')).toHaveLength(1);

      const incidents = await listIncidents(app);
      expect(incidents.map((incident) => incident.id)).toEqual([opened.id]);

      // Every notification is stored raw: the firing one, at least one re-send, the resolved one.
      const stored = await deliveries(db);
      expect(stored.length).toBeGreaterThanOrEqual(3);
      const bodies = stored.map((row) => JSON.parse(row.raw_body));
      for (const [index, row] of stored.entries()) {
        expect(row.outcome).toBe('processed');
        expect(row.content_type).toBe('application/json');
        expect(bodies[index]).toMatchObject({
          version: '4',
          receiver: 'aiops',
          groupKey: '{}:{alertname="CheckoutHighErrorRate", service="checkout"}',
          groupLabels: { alertname: 'CheckoutHighErrorRate', service: 'checkout' },
          commonLabels: { alertname: 'CheckoutHighErrorRate', service: 'checkout', severity: 'critical' },
          commonAnnotations: { summary: 'Checkout 5xx ratio above 5%' },
          externalURL: am.url,
          truncatedAlerts: 0,
        });
        for (const alert of bodies[index].alerts) expect(amFingerprints).toContain(alert.fingerprint);
      }
      expect(bodies.at(0)).toMatchObject({ status: 'firing' });
      const last = bodies.at(-1);
      expect(last.status).toBe('resolved');
      expect(last.alerts).toHaveLength(2);
      for (const alert of last.alerts) {
        expect(alert.status).toBe('resolved');
        // Go's RFC 3339 drops trailing zeros of the fraction ("…:58.3Z"), so compare instants, not strings.
        expect(new Date(alert.endsAt).toISOString()).toBe(endsAt);
      }
    }, 60_000);

    it('refuses Alertmanager with a wrong bearer token: 401, nothing stored', async () => {
      const { db, app, am } = await setup('not-the-token');
      await am.postAlerts([
        {
          labels: {
            alertname: 'CheckoutDown',
            service: 'checkout',
            severity: 'critical',
            instance: '10.0.0.1:8080',
          },
          annotations: { summary: 'Checkout is down' },
        },
      ]);

      const rejects = await waitFor('a rejected Alertmanager webhook in /metrics', async () => {
        const text = await (await fetch(`${app.url}/metrics`)).text();
        const line = text
          .split('\n')
          .find(
            (candidate) =>
              candidate.startsWith('aiops_webhook_rejects_total{') &&
              candidate.includes('source="alertmanager"') &&
              candidate.includes('reason="aiops_unauthorized"'),
          );
        const count = line ? Number(line.split(' ').at(-1)) : 0;
        return count >= 1 ? count : null;
      });
      expect(rejects).toBeGreaterThanOrEqual(1);
      // Alertmanager saw the 401 (it logs the failed notify and retries on the next group_interval).
      await waitFor('Alertmanager to log the 401', async () =>
        /unexpected status code 401/.test(am.output()),
      );
      expect(app.logs.join('')).toContain('wrong bearer token for the Alertmanager webhook');
      expect(app.logs.join('')).not.toContain('not-the-token');

      expect(await listIncidents(app)).toEqual([]);
      expect(await deliveries(db)).toEqual([]);
    }, 60_000);
  });
});
