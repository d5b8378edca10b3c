/** Builders for webhook bodies in tests, shaped like what Alertmanager and PagerDuty send. */
import { readFileSync } from 'node:fs';

export const fixturePath = (name: string) => new URL(`../fixtures/payloads/${name}`, import.meta.url);
export const readFixture = (name: string): string => readFileSync(fixturePath(name), 'utf8');

export interface TestAlert {
  status?: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  fingerprint?: string;
  startsAt?: string;
  endsAt?: string;
}

export function alertmanagerBody(options: {
  groupKey?: string;
  status?: 'firing' | 'resolved';
  alerts: TestAlert[];
  commonLabels?: Record<string, string>;
}): Record<string, unknown> {
  const status =
    options.status ?? (options.alerts.every((alert) => alert.status === 'resolved') ? 'resolved' : 'firing');
  return {
    version: '4',
    ...(options.groupKey !== undefined ? { groupKey: options.groupKey } : {}),
    truncatedAlerts: 0,
    status,
    receiver: 'aiops',
    groupLabels: {},
    commonLabels: options.commonLabels ?? {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: options.alerts.map((alert) => ({
      status: alert.status ?? 'firing',
      labels: alert.labels,
      annotations: alert.annotations ?? {
        summary: `${alert.labels.alertname} on ${alert.labels.instance ?? 'host'}`,
      },
      startsAt: alert.startsAt ?? '2026-03-01T09:58:00Z',
      endsAt: alert.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up+%3D%3D+0',
      ...(alert.fingerprint ? { fingerprint: alert.fingerprint } : {}),
    })),
  };
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body:
      typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: response.status, json };
}
