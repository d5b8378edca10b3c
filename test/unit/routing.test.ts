/** Routing: the first matching route, else the service's channel, else the default channel. */
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../src/config.ts';
import { type RoutingSubject, routeChannel, routeMatches } from '../../src/ingest/routing.ts';

const YAML = `
defaults:
  channel: "#alerts-default"
services:
  - name: checkout
    channel: "#checkout"
  - name: search
routes:
  - match: { severity: critical, env: [prod, production] }
    channel: "#pager"
  - match: { alertname: /Kube.*/ }
    channel: "#platform"
  - match: { service: /pay|billing/ }
    channel: "#payments"
  - match: { env: prod }
    channel: "#prod"
`;

const config = configFrom({}, YAML);

function subject(overrides: Partial<RoutingSubject> = {}): RoutingSubject {
  return { service: 'search', severity: 'warning', labels: {}, ...overrides };
}

describe('routeChannel', () => {
  it('takes the first route that matches, in file order', () => {
    // Matches the first and the last route: the first wins.
    expect(routeChannel(config, subject({ severity: 'critical', labels: { env: 'prod' } }))).toBe('#pager');
    expect(routeChannel(config, subject({ severity: 'warning', labels: { env: 'prod' } }))).toBe('#prod');
  });

  it('needs every matcher of a route to match', () => {
    expect(routeChannel(config, subject({ severity: 'critical', labels: { env: 'staging' } }))).toBe(
      '#alerts-default',
    );
  });

  it('accepts any value of a list', () => {
    expect(routeChannel(config, subject({ severity: 'critical', labels: { env: 'production' } }))).toBe(
      '#pager',
    );
  });

  it('matches regular expressions against the whole value', () => {
    expect(routeChannel(config, subject({ labels: { alertname: 'KubePodCrashLooping' } }))).toBe('#platform');
    expect(routeChannel(config, subject({ labels: { alertname: 'NotKubeRelated' } }))).toBe(
      '#alerts-default',
    );
    expect(routeChannel(config, subject({ labels: { alertname: 'kubePod' } }))).toBe('#alerts-default');
  });

  it('anchors every branch of an alternation', () => {
    expect(routeChannel(config, subject({ service: 'pay' }))).toBe('#payments');
    expect(routeChannel(config, subject({ service: 'billing' }))).toBe('#payments');
    expect(routeChannel(config, subject({ service: 'payroll' }))).toBe('#alerts-default');
    expect(routeChannel(config, subject({ service: 'old-billing' }))).toBe('#alerts-default');
  });

  it('falls back to the service channel, then the default channel', () => {
    expect(routeChannel(config, subject({ service: 'checkout' }))).toBe('#checkout');
    expect(routeChannel(config, subject({ service: 'search' }))).toBe('#alerts-default'); // no channel of its own
    expect(routeChannel(config, subject({ service: 'unknown' }))).toBe('#alerts-default');
    expect(routeChannel(configFrom({}, ''), subject())).toBe('#incidents');
    expect(routeChannel(configFrom({ AIOPS_DEFAULT_CHANNEL: '#env' }, YAML), subject())).toBe('#env');
  });

  it('prefers a matching route over the service channel', () => {
    expect(routeChannel(config, subject({ service: 'checkout', labels: { env: 'prod' } }))).toBe('#prod');
  });
});

describe('routeMatches', () => {
  it('matches service and severity against the normalized fields, not the labels', () => {
    const route = { match: { service: 'checkout', severity: 'high' }, channel: '#x' };
    expect(
      routeMatches(route, { service: 'checkout', severity: 'high', labels: { severity: 'major' } }),
    ).toBe(true);
    expect(routeMatches(route, { service: 'web', severity: 'high', labels: { service: 'checkout' } })).toBe(
      false,
    );
  });

  it('does not match a label the alert lacks, not even with a regex that accepts anything', () => {
    expect(routeMatches({ match: { team: '/.*/' }, channel: '#x' }, subject())).toBe(false);
    expect(routeMatches({ match: { team: '/.*/' }, channel: '#x' }, subject({ labels: { team: '' } }))).toBe(
      true,
    );
  });

  it('compares plain values exactly', () => {
    const route = { match: { env: 'prod' }, channel: '#x' };
    expect(routeMatches(route, subject({ labels: { env: 'prod' } }))).toBe(true);
    expect(routeMatches(route, subject({ labels: { env: 'Prod' } }))).toBe(false);
    expect(routeMatches(route, subject({ labels: { env: 'prod-eu' } }))).toBe(false);
    // Dots in a plain value are not regex wildcards.
    expect(
      routeMatches({ match: { host: 'a.b' }, channel: '#x' }, subject({ labels: { host: 'axb' } })),
    ).toBe(false);
  });

  it('an empty match is a catch-all', () => {
    expect(routeMatches({ match: {}, channel: '#x' }, subject())).toBe(true);
  });
});
