/**
 * The Kubernetes client factory for read-only analysis context: a `KubeConfig` from a kubeconfig file, or the
 * pod's service account when the bot runs in the cluster, and the typed API clients made from it.
 */
import { delimiter, dirname, resolve } from 'node:path';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config.ts';

/**
 * The kubeconfig file analyses read with: aiops.yml `context.kubernetes.kubeconfig`, else the first entry of
 * `KUBECONFIG`; undefined means in-cluster (or none). A path in aiops.yml is relative to that file, KUBECONFIG to `cwd`.
 * (When remediation's `remediation.kubernetes.kubeconfig` exists, it slots in between the two.)
 */
export function kubeconfigPath(config: Config, cwd: string = process.cwd()): string | undefined {
  // context.kubernetes first, then the remediation executor's credentials (issue 14: one kubeconfig for both).
  const configured =
    config.file.context?.kubernetes?.kubeconfig ?? config.file.remediation?.kubernetes?.kubeconfig;
  // A path in aiops.yml is relative to that file, as the remediation executor reads it.
  if (configured)
    return resolve(
      config.configSource === 'built-in defaults' ? cwd : dirname(resolve(cwd, config.configSource)),
      configured,
    );
  const fromEnv = config.env.KUBECONFIG?.split(delimiter).find((path) => path.length > 0);
  return fromEnv ? resolve(cwd, fromEnv) : undefined;
}

/** The read-only API clients analyses use. Nothing here sends a write verb. */
export interface KubeReadClients {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  /** The cluster's server URL, for notes. */
  server: string;
}

export type KubeClientResult = { clients: KubeReadClients } | { unavailable: string };

/** Builds the clients, or says why it cannot (no credentials, an unreadable kubeconfig). Never throws. */
export function kubeReadClients(config: Config, cwd: string = process.cwd()): KubeClientResult {
  const path = kubeconfigPath(config, cwd);
  const kubeConfig = new KubeConfig();
  try {
    if (path) kubeConfig.loadFromFile(path);
    else if (config.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
    else {
      return {
        unavailable:
          'no Kubernetes credentials: set context.kubernetes.kubeconfig in aiops.yml or KUBECONFIG, or run in the cluster',
      };
    }
  } catch (error) {
    return { unavailable: `cannot load the kubeconfig: ${(error as Error).message.split('\n')[0]}` };
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) {
    return { unavailable: `the kubeconfig has no cluster for context "${kubeConfig.getCurrentContext()}"` };
  }
  return {
    clients: {
      core: kubeConfig.makeApiClient(CoreV1Api),
      apps: kubeConfig.makeApiClient(AppsV1Api),
      batch: kubeConfig.makeApiClient(BatchV1Api),
      server: cluster.server,
    },
  };
}
