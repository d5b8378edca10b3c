import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  changedLines,
  type FixKind,
  type FixRequest,
  type GeneratedFix,
  generateFix,
  unifiedDiff,
  validateFix,
} from '../../src/fixes/index.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'fixes');
const fixture = (p: string) => readFileSync(join(FIXTURES, p), 'utf8');

function request(
  over: Omit<Partial<FixRequest>, 'files'> & {
    files?: Partial<Record<FixKind, { path: string; content: string }[]>>;
  },
): FixRequest {
  return {
    incidentId: 7,
    service: 'shop',
    alertLabels: [],
    facts: {},
    ...over,
    files: { kubernetes: [], helm: [], terraform: [], ansible: [], ...over.files },
  };
}

function fixOf(result: GeneratedFix | { none: string }): GeneratedFix {
  if ('none' in result) throw new Error(`expected a fix, got none: ${result.none}`);
  return result;
}

/** Every document of the edited file other than `except` is byte-identical. */
function otherDocsIdentical(before: string, after: string, except: number): void {
  const src = (text: string) => {
    const docs = parseAllDocuments(text) as ReturnType<typeof parseAllDocuments> & unknown[];
    return (docs as { range: [number, number, number] }[]).map((d) => text.slice(d.range[0], d.range[2]));
  };
  const a = src(before);
  const b = src(after);
  expect(b.length).toBe(a.length);
  a.forEach((doc, i) => {
    if (i !== except) expect(b[i]).toBe(doc);
  });
}

function comments(text: string): string[] {
  return text.split('\n').filter((l) => /^\s*#/.test(l));
}

const checkout = { path: 'deploy/checkoutservice.yaml', content: fixture('kubernetes/checkoutservice.yaml') };

describe('OOMKilled → memory limit (Deployment)', () => {
  it('raises the limit × 1.5 when no peak was measured, touching one line', async () => {
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: [{ namespace: 'shop', pod: 'checkoutservice-7d9f8b6c5d-x2x9z', container: 'server' }],
          files: { kubernetes: [checkout] },
        }),
      ),
    );
    expect(fix.kind).toBe('kubernetes');
    expect(fix.title).toBe('Raise memory limit of checkoutservice (container server) to 192Mi');
    expect(fix.rationale).toContain('128Mi limit × 1.5');
    expect(fix.rationale).toContain('request 64Mi is kept');
    const [edit] = fix.edits;
    expect(edit?.path).toBe('deploy/checkoutservice.yaml');
    expect(changedLines(edit as never)).toEqual([
      '-              memory: 128Mi',
      '+              memory: 192Mi',
    ]);
    expect(comments(edit?.after ?? '')).toEqual(comments(checkout.content));
    otherDocsIdentical(checkout.content, edit?.after ?? '', 0);
    const validation = await validateFix(fix);
    expect(validation.ok).toBe(true);
    expect(validation.checks.map((c) => c.name)).toEqual([
      'yaml parse (deploy/checkoutservice.yaml)',
      'kubernetes schema (apps/v1 Deployment checkoutservice)',
      'requests within limits (Deployment checkoutservice)',
    ]);
    expect(unifiedDiff(fix.edits)).toBe(
      [
        '--- a/deploy/checkoutservice.yaml',
        '+++ b/deploy/checkoutservice.yaml',
        '@@ -72,7 +72,7 @@',
        '               memory: 64Mi',
        '             limits:',
        '               cpu: 200m',
        '-              memory: 128Mi',
        '+              memory: 192Mi',
        ' ---',
        ' apiVersion: v1',
        ' kind: Service',
        '',
      ].join('\n'),
    );
  });

  it('sizes from the measured peak and says why', async () => {
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: [{ namespace: 'shop', deployment: 'checkoutservice', container: 'server' }],
          facts: { memoryPeakBytes: 1.9 * 2 ** 30, window: '6h' },
          files: { kubernetes: [checkout] },
        }),
      ),
    );
    expect(fix.rationale).toContain('peak 1.9 GiB over 6h + 30 % headroom → 2.5Gi (was 128Mi)');
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-              memory: 128Mi',
      '+              memory: 2.5Gi',
    ]);
    expect((await validateFix(fix)).ok).toBe(true);
  });

  it('names no object it cannot match, and says why', async () => {
    const r = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ namespace: 'shop', deployment: 'cartservice', container: 'server' }],
        files: { kubernetes: [checkout] },
      }),
    );
    expect(r).toEqual({ none: expect.stringContaining('matches Deployment shop/cartservice') });
  });

  it('a file that does not parse: a clear message, nothing produced', async () => {
    const broken = {
      path: 'deploy/broken.yaml',
      content: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [checkout\n',
    };
    const r = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ namespace: 'shop', deployment: 'checkout' }],
        files: { kubernetes: [broken] },
      }),
    );
    expect('none' in r && r.none).toMatch(/deploy\/broken\.yaml does not parse as YAML \(line \d+\)/);
  });
});

describe('OOMKilled → Helm values', () => {
  const values = {
    path: 'charts/patch-operator/values.yaml',
    content: fixture('helm/patch-operator/values.yaml'),
  };

  it('edits resources under the key named after the container', async () => {
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: [
            { namespace: 'ops', pod: 'patch-operator-6b8f9c7d4b-abcde', container: 'kube-rbac-proxy' },
          ],
          files: { helm: [values] },
        }),
      ),
    );
    expect(fix.kind).toBe('helm');
    expect(changedLines(fix.edits[0] as never)).toEqual(['-      memory: 128Mi', '+      memory: 192Mi']);
    expect(comments(fix.edits[0]?.after ?? '')).toEqual(comments(values.content));
    expect((await validateFix(fix)).ok).toBe(true);
  });

  it('without a limit at the top level, needs a measured peak', async () => {
    const labels = [{ namespace: 'ops', pod: 'patch-operator-6b8f9c7d4b-abcde', container: 'manager' }];
    const none = await generateFix(
      request({ signature: 'oom-killed', alertLabels: labels, files: { helm: [values] } }),
    );
    expect('none' in none && none.none).toContain('no memory limit is set and no peak usage was measured');
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: labels,
          facts: { memoryPeakBytes: 300 * 2 ** 20 },
          files: { helm: [values] },
        }),
      ),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual(['+    memory: 448Mi', '+  limits:'].reverse());
    expect((await validateFix(fix)).ok).toBe(true);
  });
});

const k8s = (name: string) => ({ path: `deploy/${name}`, content: fixture(`kubernetes/${name}`) });
const podinfo = { path: 'charts/podinfo/values.yaml', content: fixture('helm/podinfo/values.yaml') };

const validations = new WeakMap<GeneratedFix, Awaited<ReturnType<typeof validateFix>>>();

/** Generates, validates (must pass) and checks comments survived; the validation is kept for the test. */
async function validFix(r: FixRequest): Promise<GeneratedFix> {
  const fix = fixOf(await generateFix(r));
  const v = await validateFix(fix);
  if (!v.ok) throw new Error(`validation failed: ${JSON.stringify(v.checks)}`);
  validations.set(fix, v);
  for (const e of fix.edits) if (!e.created) expect(comments(e.after)).toEqual(comments(e.before));
  return fix;
}

describe('memory and CPU on every workload kind', () => {
  it('DaemonSet: a request equal to the limit (Guaranteed QoS) rises with it', async () => {
    const fix = await validFix(
      request({
        signature: 'oom-killed',
        alertLabels: [
          {
            namespace: 'kube-system',
            pod: 'fluentd-elasticsearch-x7k2p',
            container: 'fluentd-elasticsearch',
          },
        ],
        files: { kubernetes: [k8s('fluentd-daemonset.yaml')] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-            memory: 200Mi',
      '+            memory: 320Mi',
      '-            memory: 200Mi',
      '+            memory: 320Mi',
    ]);
    expect(fix.rationale).toContain('Guaranteed QoS');
  });

  it('StatefulSet without resources: the block is added after the last key, at its indentation', async () => {
    const fix = await validFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ namespace: 'default', pod: 'web-1', container: 'nginx' }],
        facts: { memoryPeakBytes: 700 * 2 ** 20, window: '1h' },
        files: { kubernetes: [k8s('web-statefulset.yaml')] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '+        resources:',
      '+          limits:',
      '+            memory: 960Mi',
    ]);
    expect(fix.rationale).toContain('peak 700 MiB over 1h + 30 % headroom → 960Mi (no limit was set)');
  });

  it('CronJob: the pod spec under jobTemplate, found from a Job pod name', async () => {
    const fix = await validFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ namespace: 'default', pod: 'hello-28901234-abcde', container: 'hello' }],
        facts: { memoryPeakBytes: 100 * 2 ** 20 },
        files: { kubernetes: [k8s('cronjob.yaml')] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '+            resources:',
      '+              limits:',
      '+                memory: 192Mi',
    ]);
  });

  it('CPU throttling raises the CPU limit × 1.5 to the next 100m', async () => {
    const fix = await validFix(
      request({
        signature: 'cpu-throttling',
        alertLabels: [{ namespace: 'default', pod: 'php-apache-5d54745f55-abcde', container: 'php-apache' }],
        files: { kubernetes: [k8s('php-apache.yaml')] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual(['-            cpu: 500m', '+            cpu: 800m']);
  });

  it('Helm values with `limits:` left empty: the value goes under it', async () => {
    const fix = await validFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ namespace: 'demo', pod: 'podinfo-6d8f7c9b5d-q2w3e', container: 'podinfo' }],
        facts: { memoryPeakBytes: 40 * 2 ** 20 },
        files: { helm: [podinfo] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual(['+    memory: 64Mi']);
    expect(fix.edits[0]?.after).toContain('resources:\n  limits:\n    memory: 64Mi\n  requests:\n');
  });

  it('two containers and no container label: ambiguous, nothing produced', async () => {
    const two = {
      path: 'deploy/two.yaml',
      content: fixture('kubernetes/checkoutservice.yaml').replace(
        '      containers:\n',
        '      containers:\n        - name: sidecar\n          image: envoy\n',
      ),
    };
    const r = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ deployment: 'checkoutservice' }],
        files: { kubernetes: [two] },
      }),
    );
    expect('none' in r && r.none).toContain('ambiguous: Deployment checkoutservice has 2 containers');
  });
});

describe('HPA, probes, rollback, PVC', () => {
  it('HPA (flow-style YAML) found through its scaleTargetRef: maxReplicas +50 %', async () => {
    const fix = await validFix(
      request({
        signature: 'hpa-maxed-out',
        alertLabels: [{ namespace: 'default', deployment: 'php-apache' }],
        files: { kubernetes: [k8s('php-apache.yaml'), k8s('php-apache-hpa.yaml')] },
      }),
    );
    expect(fix.edits[0]?.path).toBe('deploy/php-apache-hpa.yaml');
    expect(changedLines(fix.edits[0] as never)).toEqual(['-    maxReplicas: 10,', '+    maxReplicas: 15,']);
  });

  it('HPA in Helm values under `hpa`', async () => {
    const fix = await validFix(
      request({
        signature: 'hpa-maxed-out',
        alertLabels: [{ horizontalpodautoscaler: 'podinfo' }],
        files: { helm: [podinfo] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual(['-  maxReplicas: 10', '+  maxReplicas: 15']);
  });

  it('failing liveness probe: timeoutSeconds and failureThreshold added to the probe', async () => {
    const fix = await validFix(
      request({
        signature: 'crash-loop',
        alertLabels: [{ namespace: 'shop', deployment: 'checkoutservice', container: 'server' }],
        facts: { probe: 'liveness' },
        files: { kubernetes: [checkout] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '+            timeoutSeconds: 2',
      '+            failureThreshold: 5',
    ]);
    expect(fix.edits[0]?.after).toContain(
      '          livenessProbe:\n            grpc:\n              port: 5050\n            timeoutSeconds: 2\n',
    );
  });

  it('a crash loop that is not a probe failure gets no probe change', async () => {
    const r = await generateFix(
      request({
        signature: 'crash-loop',
        alertLabels: [{ deployment: 'checkoutservice' }],
        files: { kubernetes: [checkout] },
      }),
    );
    expect('none' in r && r.none).toContain('do not say a probe failed');
  });

  it('readiness probe in Helm values under probes.readiness', async () => {
    const fix = await validFix(
      request({
        signature: 'pod-not-ready',
        alertLabels: [{ container: 'podinfo' }],
        files: { helm: [podinfo] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-    timeoutSeconds: 5',
      '-    failureThreshold: 3',
      '+    timeoutSeconds: 10',
      '+    failureThreshold: 5',
    ]);
  });

  it('bad rollout: the image before the change, same repository only', async () => {
    const mysql = k8s('mysql-deployment.yaml');
    const labels = [{ namespace: 'default', deployment: 'wordpress-mysql' }];
    const fix = await validFix(
      request({
        signature: 'rollout-stuck',
        alertLabels: labels,
        facts: { previousImage: 'mysql:5.7' },
        files: { kubernetes: [mysql] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-      - image: mysql:8.0',
      '+      - image: mysql:5.7',
    ]);
    otherDocsIdentical(mysql.content, fix.edits[0]?.after ?? '', 2);
    const other = await generateFix(
      request({
        signature: 'rollout-stuck',
        alertLabels: labels,
        facts: { previousImage: 'evil/mysql:5.7' },
        files: { kubernetes: [mysql] },
      }),
    );
    expect('none' in other && other.none).toContain('not of the same repository');
    const injected = await generateFix(
      request({
        signature: 'rollout-stuck',
        alertLabels: labels,
        facts: { previousImageTag: '5.7\n        command: ["sh"]' },
        files: { kubernetes: [mysql] },
      }),
    );
    expect('none' in injected && injected.none).toContain('is not a valid image tag');
  });

  it('bad rollout: the image from the file before its most recent change (repository history)', async () => {
    const mysql = k8s('mysql-deployment.yaml');
    const broken = {
      ...mysql,
      content: mysql.content.replace('image: mysql:8.0', 'image: mysql:8.4.99-typo'),
    };
    const labels = [{ namespace: 'default', deployment: 'wordpress-mysql', container: 'mysql' }];
    const fix = await validFix(
      request({
        signature: 'image-pull',
        alertLabels: labels,
        files: { kubernetes: [broken] },
        previousFiles: { [mysql.path]: { content: mysql.content, change: '3f2a1b0' } },
      }),
    );
    expect(fix.edits[0]?.after).toBe(mysql.content);
    expect(fix.title).toBe('Roll wordpress-mysql back to 8.0');
    expect(fix.rationale).toContain('(the change: 3f2a1b0)');
    // The change did not touch the image (or the object is not in the old file): nothing to roll back to.
    const same = await generateFix(
      request({
        signature: 'image-pull',
        alertLabels: labels,
        files: { kubernetes: [broken] },
        previousFiles: { [mysql.path]: { content: broken.content, change: '3f2a1b0' } },
      }),
    );
    expect('none' in same && same.none).toContain('already runs the previous tag');
    const none = await generateFix(
      request({ signature: 'image-pull', alertLabels: labels, files: { kubernetes: [broken] } }),
    );
    expect('none' in none && none.none).toContain('no previous image');
  });

  it('bad rollout in Helm values: image.tag before the most recent change', async () => {
    const broken = { ...podinfo, content: podinfo.content.replace('tag: 6.9.1', 'tag: 6.9.2-rc') };
    const fix = await validFix(
      request({
        signature: 'rollout-stuck',
        alertLabels: [{ deployment: 'podinfo' }],
        files: { helm: [broken] },
        previousFiles: { [podinfo.path]: { content: podinfo.content, change: 'abcdef0' } },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual(['-  tag: 6.9.2-rc', '+  tag: 6.9.1']);
  });

  it('bad rollout in Helm values: image.tag', async () => {
    const fix = await validFix(
      request({
        signature: 'rollout-stuck',
        alertLabels: [{ deployment: 'podinfo' }],
        facts: { previousImageTag: '6.9.0' },
        files: { helm: [podinfo] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual(['-  tag: 6.9.1', '+  tag: 6.9.0']);
  });

  it('filling PVC: storage +50 % with the expansion caveat', async () => {
    const mysql = k8s('mysql-deployment.yaml');
    const fix = await validFix(
      request({
        signature: 'pvc-filling-up',
        alertLabels: [{ namespace: 'default', persistentvolumeclaim: 'mysql-pv-claim' }],
        files: { kubernetes: [mysql] },
      }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual(['-      storage: 20Gi', '+      storage: 30Gi']);
    expect(fix.rationale).toContain('allowVolumeExpansion');
    otherDocsIdentical(mysql.content, fix.edits[0]?.after ?? '', 1);
  });

  it("a StatefulSet's claim: no edit of immutable volumeClaimTemplates", async () => {
    const r = await generateFix(
      request({
        signature: 'pvc-filling-up',
        alertLabels: [{ namespace: 'default', persistentvolumeclaim: 'www-web-0' }],
        files: { kubernetes: [k8s('web-statefulset.yaml')] },
      }),
    );
    expect('none' in r && r.none).toContain('volumeClaimTemplates of StatefulSet web');
  });
});

describe('database connections', () => {
  // terraform-aws-modules' Aurora MySQL example: max_connections in the `parameters` list of db_parameter_group.
  const tf = { path: 'infra/main.tf', content: fixture('terraform/aurora-mysql/main.tf') };

  it('Terraform parameter group: only the number changes, and it re-parses', async () => {
    const fix = await validFix(request({ signature: 'db-too-many-connections', files: { terraform: [tf] } }));
    expect(fix.kind).toBe('terraform');
    // Only max_connections: the cluster group's and the other parameters' values are untouched.
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-        value        = 2000',
      '+        value        = 3000',
    ]);
    expect(validations.get(fix)?.checks.find((c) => c.name === 'terraform validate')?.output).toMatch(
      /^skipped: /,
    );
  });

  it('sizes from the peak when it says more', async () => {
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'aws-rds-connections',
          facts: { connectionsPeak: 2900 },
          files: { terraform: [tf] },
        }),
      ),
    );
    expect(fix.title).toBe('Raise max_connections to 3770');
    expect(fix.rationale).toContain('peak 2900 connections + 30 % headroom → 3770 (was 2000)');
  });

  it('a commented-out parameter is not a second match', async () => {
    const commented = {
      path: 'infra/pg.tf',
      content: tf.content.replace(
        '  db_parameter_group = {\n',
        '  # parameter {\n  #   name  = "max_connections"\n  #   value = "100"\n  # }\n\n  db_parameter_group = {\n',
      ),
    };
    const fix = fixOf(
      await generateFix(request({ signature: 'db-too-many-connections', files: { terraform: [commented] } })),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-        value        = 2000',
      '+        value        = 3000',
    ]);
  });

  it('an aws_db_parameter_group `parameter` block with a quoted number', async () => {
    const block = {
      path: 'infra/pg.tf',
      content:
        'resource "aws_db_parameter_group" "pg" {\n  name   = "pg"\n  family = "postgres16"\n\n  parameter {\n    name         = "max_connections"\n    value        = "200"\n    apply_method = "pending-reboot"\n  }\n}\n',
    };
    const fix = await validFix(
      request({ signature: 'db-too-many-connections', files: { terraform: [block] } }),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-    value        = "200"',
      '+    value        = "300"',
    ]);
  });

  it('the terraform-aws-modules `parameters` list form', async () => {
    const list = {
      path: 'infra/rds.tf',
      content:
        'module "db" {\n  source = "terraform-aws-modules/rds/aws"\n\n  parameters = [\n    {\n      name  = "character_set_client"\n      value = "utf8mb4"\n    },\n    { name = "max_connections", value = 150 }\n  ]\n}\n',
    };
    const fix = fixOf(
      await generateFix(request({ signature: 'db-too-many-connections', files: { terraform: [list] } })),
    );
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-    { name = "max_connections", value = 150 }',
      '+    { name = "max_connections", value = 225 }',
    ]);
  });

  it('an expression is not guessed at; broken HCL says so', async () => {
    const expr = {
      path: 'infra/pg.tf',
      content: tf.content.replace('value        = 2000', 'value        = var.max_connections'),
    };
    const r = await generateFix(
      request({ signature: 'db-too-many-connections', files: { terraform: [expr] } }),
    );
    expect('none' in r && r.none).toContain('max_connections is set to var.max_connections');
    const broken = {
      path: 'infra/broken.tf',
      content: tf.content.replace('engine          = ', 'engine          = = '),
    };
    const b = await generateFix(
      request({ signature: 'db-too-many-connections', files: { terraform: [broken] } }),
    );
    expect('none' in b && b.none).toContain('infra/broken.tf does not parse as HCL');
  });
});

describe('host playbooks', () => {
  // The team's own playbook in the mapped folder (geerlingguy/ansible-for-devops): untouched, it only places the new one.
  const site = { path: 'ansible/playbook.yml', content: fixture('ansible/playbook.yml') };

  it('conntrack: a new playbook in the mapped folder that passes syntax-check and lint', async () => {
    const fix = await validFix(
      request({
        signature: 'node-conntrack-full',
        alertLabels: [{ instance: 'web-1.example.com:9100' }],
        facts: { conntrackMax: 262144 },
        files: { ansible: [site] },
      }),
    );
    const [edit] = fix.edits;
    expect(edit).toMatchObject({ path: 'ansible/aiops-conntrack-incident-7.yml', before: '', created: true });
    expect(edit?.after).toContain('hosts: web-1.example.com\n');
    expect(edit?.after).toContain('net.netfilter.nf_conntrack_max = 524288');
    expect(validations.get(fix)?.checks.map((c) => c.name)).toContain(
      'ansible-playbook --syntax-check (ansible/aiops-conntrack-incident-7.yml)',
    );
  }, 120_000);

  it('log cleanup only where logs live; file descriptors need the current limit', async () => {
    await validFix(
      request({
        signature: 'node-filesystem',
        alertLabels: [{ instance: 'web-1:9100', mountpoint: '/var' }],
        files: { ansible: [site] },
      }),
    );
    const data = await generateFix(
      request({
        signature: 'node-filesystem',
        alertLabels: [{ instance: 'db-1:9100', mountpoint: '/data' }],
        files: { ansible: [site] },
      }),
    );
    expect('none' in data && data.none).toContain('log cleanup would not help');
    const fd = await generateFix(
      request({
        signature: 'node-file-descriptors',
        alertLabels: [{ instance: 'web-1:9100' }],
        files: { ansible: [site] },
      }),
    );
    expect('none' in fd && fd.none).toContain('no current fs.file-max');
  }, 120_000);

  it('a host label that is not a plain host name is never written into a playbook', async () => {
    const r = await generateFix(
      request({
        signature: 'node-conntrack-full',
        alertLabels: [{ instance: 'all:!localhost' }],
        facts: { conntrackMax: 65536 },
        files: { ansible: [site] },
      }),
    );
    expect('none' in r && r.none).toContain('is not a plain host name');
  });
});

describe('untrusted alert labels', () => {
  it('are never echoed raw into a reason or a title (Slack mentions, newlines, long text)', async () => {
    const evil = '<!channel> pay\nnow'.padEnd(300, 'x');
    const r1 = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ deployment: evil }],
        files: { kubernetes: [checkout] },
      }),
    );
    const r2 = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ deployment: 'checkoutservice', container: evil }],
        files: { kubernetes: [checkout] },
      }),
    );
    const values = {
      path: 'charts/patch-operator/values.yaml',
      content: fixture('helm/patch-operator/values.yaml'),
    };
    const r3 = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: [{ container: evil }],
          facts: { memoryPeakBytes: 3e8 },
          files: { helm: [values] },
        }),
      ),
    );
    for (const text of ['none' in r1 ? r1.none : '', 'none' in r2 ? r2.none : '', r3.title, r3.rationale]) {
      expect(text).not.toContain('<!channel>');
      expect(text).not.toContain('\n');
      expect(text.length).toBeLessThan(400);
    }
  });
});

describe('application pool size', () => {
  // A Spring Boot config as Helm values carry it (constructed: no public chart found with a literal pool size).
  const values = {
    path: 'charts/orders/values.yaml',
    content:
      '# Orders service\nreplicaCount: 3\nconfig:\n  spring:\n    datasource:\n      hikari:\n        minimum-idle: 5\n        maximum-pool-size: 10 # per replica\n',
  };

  it('raises the one pool setting +50 % and reminds of replicas × pool ≤ max_connections', async () => {
    const fix = await validFix(request({ signature: 'app-db-connection-pool', files: { helm: [values] } }));
    expect(changedLines(fix.edits[0] as never)).toEqual([
      '-        maximum-pool-size: 10 # per replica',
      '+        maximum-pool-size: 15 # per replica',
    ]);
    expect(fix.rationale).toContain("Replicas × pool size must stay under the database's max_connections");
  });

  it('two pool settings are ambiguous', async () => {
    const two = { ...values, content: `${values.content}  worker:\n    pool_size: 4\n` };
    const r = await generateFix(request({ signature: 'app-db-connection-pool', files: { helm: [two] } }));
    expect('none' in r && r.none).toContain('ambiguous: 2 pool settings');
  });
});

describe('which object', () => {
  it('the same Deployment in two overlays is ambiguous unless the namespace tells them apart', async () => {
    const prod = {
      path: 'deploy/prod/checkout.yaml',
      content: checkout.content.replace(
        '  name: checkoutservice\n  labels:',
        '  name: checkoutservice\n  namespace: prod\n  labels:',
      ),
    };
    const staging = {
      path: 'deploy/staging/checkout.yaml',
      content: checkout.content.replace(
        '  name: checkoutservice\n  labels:',
        '  name: checkoutservice\n  namespace: staging\n  labels:',
      ),
    };
    const both = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ deployment: 'checkoutservice', container: 'server' }],
        files: { kubernetes: [prod, staging] },
      }),
    );
    expect('none' in both && both.none).toContain('ambiguous: the alert labels match 2 objects');
    const fix = fixOf(
      await generateFix(
        request({
          signature: 'oom-killed',
          alertLabels: [{ namespace: 'staging', deployment: 'checkoutservice', container: 'server' }],
          files: { kubernetes: [prod, staging] },
        }),
      ),
    );
    expect(fix.edits.map((e) => e.path)).toEqual(['deploy/staging/checkout.yaml']);
  });

  it('a Helm template among the manifests does not parse and is reported only when nothing matched', async () => {
    const template = {
      path: 'deploy/chart/templates/deployment.yaml',
      content: 'metadata:\n  name: {{ .Release.Name }}\n  labels: {{- include "x" . | nindent 4 }}\n',
    };
    const fix = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ deployment: 'checkoutservice', container: 'server' }],
        files: { kubernetes: [template, checkout] },
      }),
    );
    expect('edits' in fix).toBe(true);
    const none = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ deployment: 'cart' }],
        files: { kubernetes: [template, checkout] },
      }),
    );
    expect('none' in none && none.none).toContain(
      '1 file(s) did not parse: deploy/chart/templates/deployment.yaml does not parse as YAML',
    );
  });
});

describe('hostile files', () => {
  it('an alias bomb among the manifests is reported, not expanded, and does not stop the fix', async () => {
    const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const p = String.fromCharCode(96 + i);
      const n = String.fromCharCode(97 + i);
      lol.push(`${n}: &${n} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`);
    }
    const bomb = { path: 'deploy/bomb.yaml', content: `${lol.join('\n')}\n` };
    const fix = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ deployment: 'checkoutservice', container: 'server' }],
        files: { kubernetes: [bomb, checkout] },
      }),
    );
    expect('edits' in fix).toBe(true);
    const none = await generateFix(
      request({
        signature: 'oom-killed',
        alertLabels: [{ deployment: 'cart' }],
        files: { kubernetes: [bomb] },
      }),
    );
    expect('none' in none && none.none).toContain('deploy/bomb.yaml');
  });
});
