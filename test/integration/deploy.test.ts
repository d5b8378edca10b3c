/**
 * deploy/kubernetes renders with Debian's `kubectl kustomize`, and every object it renders is valid
 * against the Kubernetes schemas (kubernetes-models' validators). The Prometheus Operator kinds
 * (ServiceMonitor, AlertmanagerConfig) have no schema in kubernetes-models core and
 * @kubernetes-models/prometheus-operator is not installed: their structure is checked by hand below.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configFrom } from '../../src/config.ts';

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are walked freely; the validators type-check them
type Obj = Record<string, any>;

const root = new URL('../../deploy/kubernetes/', import.meta.url).pathname;

function render(dir: string): Obj[] {
  const text = execFileSync('kubectl', ['kustomize', `${root}${dir}`], { encoding: 'utf8' });
  return parseAllDocuments(text).map((doc) => doc.toJS() as Obj);
}

/** kubernetes-models' class for an apiVersion/kind, or null for kinds it does not know (CRDs). */
async function modelFor(apiVersion: string, kind: string) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group?.endsWith('coreos.com')) return null;
  const module = (await import(`kubernetes-models/${group ? `${group}/` : ''}${version}`)) as Record<
    string,
    new (
      data: Obj,
    ) => { validate(): void }
  >;
  const model = module[kind];
  if (!model) throw new Error(`kubernetes-models has no ${kind} in ${apiVersion}`);
  return model;
}

/** Patch directives (`$patch`, `$retainKeys`) left in rendered output: the schema validators let them pass. */
function directives(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => directives(item, `${path}[${index}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) =>
      key.startsWith('$') ? [`${path}.${key}`] : directives(item, `${path}.${key}`),
    );
  return [];
}

async function validateAll(objects: Obj[]): Promise<void> {
  for (const object of objects) {
    expect(directives(object), `${object.kind} ${object.metadata?.name}`).toEqual([]);
    expect(object.metadata?.name, `${object.kind} without a name`).toBeTruthy();
    const model = await modelFor(object.apiVersion, object.kind);
    if (model) new model(object).validate();
    else validateMonitoringObject(object);
  }
}

/** The Prometheus Operator kinds, checked structurally: the fields the operator requires, with their types. */
function validateMonitoringObject(object: Obj): void {
  if (object.kind === 'ServiceMonitor') {
    expect(object.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(object.spec.selector.matchLabels).toBeTypeOf('object');
    expect(object.spec.endpoints.length).toBeGreaterThan(0);
    for (const endpoint of object.spec.endpoints) {
      expect(endpoint.port).toBeTypeOf('string');
      expect(endpoint.path).toMatch(/^\//);
      expect(endpoint.interval).toMatch(/^\d+[smh]$/);
    }
    return;
  }
  if (object.kind === 'AlertmanagerConfig') {
    expect(object.apiVersion).toBe('monitoring.coreos.com/v1alpha1');
    const receivers = object.spec.receivers as Obj[];
    expect(receivers.map((r) => r.name)).toContain(object.spec.route.receiver);
    return;
  }
  throw new Error(`no validation for ${object.apiVersion} ${object.kind}`);
}

const byKind = (objects: Obj[], kind: string) => objects.filter((object) => object.kind === kind);
const one = (objects: Obj[], kind: string): Obj => {
  const found = byKind(objects, kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Obj;
};

/** Every credential the environment contract names. */
const SECRET_VARIABLES = [
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'ANTHROPIC_API_KEY',
  'GITHUB_TOKEN',
  'GITHUB_WEBHOOK_SECRET',
  'GITHUB_APP_PRIVATE_KEY',
  'ALERTMANAGER_TOKEN',
  'PAGERDUTY_WEBHOOK_SECRETS',
  'AIOPS_API_TOKEN',
];

describe('the validator is strict enough to trust', () => {
  it('refuses a Deployment with a wrongly typed field', async () => {
    const Deployment = await modelFor('apps/v1', 'Deployment');
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: {
        replicas: 'two',
        selector: { matchLabels: { a: 'b' } },
        template: { spec: { containers: [] } },
      },
    };
    expect(() => new (Deployment as NonNullable<typeof Deployment>)(broken).validate()).toThrow(/replicas/);
  });
});

describe.each([
  ['base', 1],
  ['overlays/production', 2],
])('kubectl kustomize deploy/kubernetes/%s', (dir, replicas) => {
  const objects = render(dir);
  const deployment = one(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0] as Obj;
  const env = new Map((container.env as Obj[]).map((entry) => [entry.name as string, entry]));

  it('renders objects that are all valid against the Kubernetes schemas', async () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      expect.arrayContaining([
        'ConfigMap',
        'Deployment',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ]),
    );
    await validateAll(objects);
    for (const object of objects)
      if (object.kind !== 'Namespace') expect(object.metadata.namespace).toBe('aiops');
  });

  it('runs the bot with probes on /readyz and /healthz, resources, non-root, and time to stop', () => {
    expect(deployment.spec.replicas).toBe(replicas);
    expect(container.args).toEqual(['start']);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.resources.requests).toMatchObject({
      cpu: expect.any(String),
      memory: expect.any(String),
    });
    expect(container.resources.limits.memory).toBeTruthy();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(pod.serviceAccountName).toBe(one(objects, 'ServiceAccount').metadata.name);
    const port = (container.ports as Obj[]).find((p) => p.name === 'http');
    expect(env.get('PORT')?.value).toBe(String(port?.containerPort));
  });

  it('takes every token from a Secret, never from a literal', () => {
    for (const name of SECRET_VARIABLES) {
      expect(env.get(name)?.valueFrom?.secretKeyRef, name).toMatchObject({ name: 'aiops-bot', key: name });
    }
    for (const [name, entry] of env) {
      if (/TOKEN|SECRET|KEY|PASSWORD|DATABASE_URL/.test(name)) expect(entry.value, name).toBeUndefined();
    }
  });

  it('mounts a valid aiops.yml from the generated ConfigMap', () => {
    const configMap = one(objects, 'ConfigMap');
    const volume = (pod.volumes as Obj[]).find((v) => v.configMap);
    expect(volume?.configMap.name).toBe(configMap.metadata.name);
    const mount = (container.volumeMounts as Obj[]).find((m) => m.name === volume?.name);
    expect(env.get('AIOPS_CONFIG')?.value).toBe(`${mount?.mountPath}/aiops.yml`);
    expect(() => configFrom({}, configMap.data['aiops.yml'])).not.toThrow();
  });

  it('grants only the verbs remediation and context reading use', () => {
    const role = one(objects, 'Role');
    const rules = (role.rules as Obj[]).flatMap((rule) =>
      (rule.resources as string[]).map(
        (resource) => `${rule.apiGroups[0] || 'core'}/${resource}: ${rule.verbs.join(',')}`,
      ),
    );
    expect(rules.sort()).toEqual(
      [
        'apps/daemonsets: get,patch',
        'apps/deployments/scale: patch',
        'apps/deployments: get,patch',
        'apps/replicasets: list',
        'apps/statefulsets: get,patch',
        'core/events: get,list',
        'core/pods/log: get',
        'core/pods: get,list',
      ].sort(),
    );
    expect(byKind(objects, 'ClusterRole')).toHaveLength(0);
    const binding = one(objects, 'RoleBinding');
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'aiops-bot', namespace: 'aiops' }]);
  });

  it('the Service selects the pods and the ServiceMonitor scrapes /metrics through it', () => {
    const service = one(objects, 'Service');
    const labels = deployment.spec.template.metadata.labels;
    for (const [key, value] of Object.entries(service.spec.selector)) expect(labels[key]).toBe(value);
    for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels))
      expect(labels[key]).toBe(value);
    const monitor = one(objects, 'ServiceMonitor');
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels))
      expect(service.metadata.labels[key]).toBe(value);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: service.spec.ports[0].name, path: '/metrics' });
  });

  if (dir === 'base') {
    it('keeps the embedded database on a claim, one pod at a time', () => {
      expect(deployment.spec.strategy.type).toBe('Recreate');
      const claim = one(objects, 'PersistentVolumeClaim');
      const data = (pod.volumes as Obj[]).find((v) => v.name === 'data');
      expect(data?.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
      expect(env.get('AIOPS_DATA_DIR')?.value).toBe('/data');
      expect(env.has('DATABASE_URL')).toBe(false);
    });
  } else {
    it('uses PostgreSQL from a Secret, rolls without downtime, and has no claim', () => {
      expect(env.get('DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: 'aiops-bot-database',
        key: 'url',
      });
      expect(deployment.spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
      });
      expect(byKind(objects, 'PersistentVolumeClaim')).toHaveLength(0);
      expect((pod.volumes as Obj[]).find((v) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
      expect(one(objects, 'PodDisruptionBudget').spec.minAvailable).toBe(1);
    });
  }
});

describe('deploy/kubernetes/examples and the Secret example', () => {
  it('the AlertmanagerConfig example posts to the Service with the ALERTMANAGER_TOKEN key', async () => {
    const config = parse(readFileSync(`${root}examples/alertmanager-config.yaml`, 'utf8')) as Obj;
    await validateAll([config]);
    const webhook = config.spec.receivers[0].webhookConfigs[0];
    expect(webhook.url).toBe('http://aiops-bot.aiops.svc/webhooks/alertmanager');
    expect(webhook.httpConfig.authorization.credentials).toEqual({
      name: 'aiops-bot',
      key: 'ALERTMANAGER_TOKEN',
    });
  });

  it('the Secret example is a valid Secret with keys the Deployment reads', async () => {
    const secret = parse(readFileSync(`${root}base/secret.example.yaml`, 'utf8')) as Obj;
    await validateAll([secret]);
    for (const key of Object.keys(secret.stringData)) expect(SECRET_VARIABLES).toContain(key);
  });
});
