import type { App } from '@slack/bolt';
import type { AppDeps } from '../../src/deps.ts';
import { aiopsCommand } from './aiops.ts';

export function register(app: App, deps: AppDeps): void {
  app.command('/aiops', aiopsCommand(deps));
}
