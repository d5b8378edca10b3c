import type { AppDeps } from '../../src/deps.ts';
import type { Router } from '../../src/http/router.ts';
import { alertmanagerWebhook } from './alertmanager.ts';
import { githubWebhook } from './github.ts';
import { pagerdutyWebhook } from './pagerduty.ts';

export function register(router: Router, deps: AppDeps): void {
  router.post('/webhooks/alertmanager', alertmanagerWebhook(deps));
  router.post('/webhooks/pagerduty', pagerdutyWebhook(deps));
  router.post('/webhooks/github', githubWebhook(deps));
}
