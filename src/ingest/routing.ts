/** Which Slack channel an incident goes to: the first matching route, the service's channel, the default. */
import type { Config, RouteRule } from '../config.ts';
import { isRegexMatcher } from '../config.ts';

export interface RoutingSubject {
  service: string;
  severity: string;
  labels: Record<string, string>;
}

function valueMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (isRegexMatcher(pattern)) return new RegExp(`^(?:${pattern.slice(1, -1)})$`).test(value);
  return pattern === value;
}

export function routeMatches(route: RouteRule, subject: RoutingSubject): boolean {
  return Object.entries(route.match).every(([label, expected]) => {
    const actual =
      label === 'service' ? subject.service : label === 'severity' ? subject.severity : subject.labels[label];
    const patterns = Array.isArray(expected) ? expected : [expected];
    return patterns.some((pattern) => valueMatches(pattern, actual));
  });
}

export function routeChannel(config: Config, subject: RoutingSubject): string {
  const route = config.file.routes.find((candidate) => routeMatches(candidate, subject));
  if (route) return route.channel;
  const service = config.file.services.find((candidate) => candidate.name === subject.service);
  return service?.channel ?? config.defaultChannel;
}
