/**
 * The Prometheus facts a generator sizes from: which Prometheus is asked (aiops.yml `prometheus.url`, else an
 * allowed generatorURL host, else none), the highest value over the window, and a failing query left out.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config.ts';
import type { IncidentAlert } from '../../src/db/incidents.ts';
import { prometheusBase, prometheusFacts } from '../../src/incidents/fix-facts.ts';
import { testAlert } from '../support/incidents.ts';

const NOW = new Date('2026-12-01T10:00:00Z');
const conntrack = (prometheus?: string): IncidentAlert =>
  testAlert(
    {
      labels: { alertname: 'NodeHighNumberConntrackEntriesUsed', instance: 'web-1:9100' },
      expr: '(node_nf_conntrack_entries / node_nf_conntrack_entries_limit) > 0.75',
    },
    { at: '2026-12-01T09:50:00Z', ...(prometheus ? { prometheus } : {}) },
  );

describe('Prometheus sizing facts', () => {
  let server: Server;
  let url: string;
  const asked: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
      asked.push(query);
      if (query.includes('node_nf_conntrack_entries{')) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('overloaded');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: {},
                values: [
                  [1, '131072'],
                  [2, '262144'],
                  [3, 'NaN'],
                ],
              },
            ],
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('asks prometheus.url, keeps the highest value, leaves a failing query out', async () => {
    const config = configFrom({}, `prometheus:\n  url: ${url}/\n`);
    const warned: unknown[] = [];
    const logger = { warn: (o: unknown) => warned.push(o) } as never;
    const facts = await prometheusFacts({ config, logger }, NOW, [conntrack()], 'node-conntrack-full');
    expect(facts).toEqual({ conntrackMax: 262144, window: '6h' });
    expect(asked).toContain('max(node_nf_conntrack_entries_limit{instance="web-1:9100"})');
    expect(warned).toHaveLength(1);
  });

  it('only an allowed generatorURL host without prometheus.url; nothing without either or without queries', async () => {
    const allowed = configFrom({}, 'prometheus:\n  allowedHosts: ["prom.internal:9090"]\n');
    expect(
      prometheusBase(allowed, [
        conntrack('http://evil.example:9090'),
        conntrack('http://prom.internal:9090'),
      ]),
    ).toBe('http://prom.internal:9090');
    expect(prometheusBase(configFrom({}, ''), [conntrack()])).toBeUndefined();
    const before = asked.length;
    const none = configFrom({}, '');
    expect(await prometheusFacts({ config: none }, NOW, [conntrack()], 'node-conntrack-full')).toEqual({});
    const withUrl = configFrom({}, `prometheus:\n  url: ${url}\n`);
    expect(await prometheusFacts({ config: withUrl }, NOW, [conntrack()], 'hpa-maxed-out')).toEqual({});
    expect(await prometheusFacts({ config: withUrl }, NOW, [conntrack()], undefined)).toEqual({});
    expect(asked.length).toBe(before);
  });
});
