import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type GeneratedFix, validateFix } from '../../src/fixes/index.ts';

const checkout = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'fixes', 'kubernetes', 'checkoutservice.yaml'),
  'utf8',
);

function works(cmd: string): boolean {
  try {
    execFileSync(cmd, ['version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
const hasTerraform = works('terraform');

function fix(
  kind: GeneratedFix['kind'],
  path: string,
  before: string,
  after: string,
  created = false,
): GeneratedFix {
  return {
    kind,
    title: 't',
    rationale: 'r',
    rollback: 'revert',
    generator: 'test',
    edits: [{ path, before, after, ...(created ? { created } : {}) }],
  };
}

describe('validateFix: a change that fails validation is never opened', () => {
  it('a value the Kubernetes schema rejects', async () => {
    const v = await validateFix(
      fix('kubernetes', 'd.yaml', checkout, checkout.replace('memory: 128Mi', 'memory: lots')),
    );
    expect(v.ok).toBe(false);
    const schema = v.checks.find((c) => c.name === 'kubernetes schema (apps/v1 Deployment checkoutservice)');
    expect(schema).toMatchObject({ ok: false, output: expect.stringContaining('resources/limits/memory') });
  });

  it('a request above its limit', async () => {
    const v = await validateFix(
      fix('kubernetes', 'd.yaml', checkout, checkout.replace('memory: 128Mi', 'memory: 32Mi')),
    );
    expect(v.ok).toBe(false);
    expect(v.checks.find((c) => c.name.startsWith('requests within limits'))?.output).toBe(
      'server: memory request 64Mi > limit 32Mi',
    );
  });

  it('YAML that no longer parses, and an edit that changes nothing', async () => {
    const broken = await validateFix(fix('kubernetes', 'd.yaml', checkout, `${checkout}\n  bad: [\n`));
    expect(broken.ok).toBe(false);
    expect(broken.checks[0]?.output).toMatch(/^d\.yaml does not parse as YAML/);
    const same = await validateFix(fix('kubernetes', 'd.yaml', checkout, checkout));
    expect(same.checks).toContainEqual({
      name: 'change (d.yaml)',
      ok: false,
      output: 'the file is unchanged',
    });
  });

  it('only changed objects are validated; an unknown kind (a CRD) is skipped with a note', async () => {
    const crd =
      'apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: a\nspec:\n  x: 1\n';
    const v = await validateFix(fix('kubernetes', 'sm.yaml', crd, crd.replace('x: 1', 'x: 2')));
    expect(v.ok).toBe(true);
    expect(v.checks[1]?.output).toMatch(
      /^skipped: no built-in schema for monitoring\.coreos\.com\/v1 ServiceMonitor/,
    );
  });

  it('HCL that does not parse; terraform validate skipped with the reason when no binary', async () => {
    const tf = 'resource "a" "b" {\n  x = 1\n}\n';
    const v = await validateFix(fix('terraform', 'main.tf', tf, 'resource "a" "b" {\n  x = \n}\n'), {
      tools: { terraform: null },
    });
    expect(v.ok).toBe(false);
    expect(v.checks).toEqual([
      { name: 'hcl parse (main.tf)', ok: false, output: expect.stringContaining('main.tf:2') },
      { name: 'terraform validate', ok: true, output: 'skipped: no terraform/tofu binary on PATH' },
    ]);
  });

  it('a playbook that fails ansible-playbook --syntax-check; lint skipped when not installed', async () => {
    const bad =
      '---\n- name: Bad\n  hosts: localhost\n  tasks:\n    - name: Nope\n      no.such.module_xyz: {}\n';
    const v = await validateFix(fix('ansible', 'ansible/bad.yml', '', bad, true), {
      tools: { ansibleLint: null },
    });
    expect(v.ok).toBe(false);
    const syntax = v.checks.find((c) => c.name === 'ansible-playbook --syntax-check (ansible/bad.yml)');
    expect(syntax?.ok).toBe(false);
    expect(syntax?.output).toMatch(/no\.such\.module_xyz/);
    expect(v.checks.find((c) => c.name === 'ansible-lint (ansible/bad.yml)')).toEqual({
      name: 'ansible-lint (ansible/bad.yml)',
      ok: true,
      output: 'skipped: ansible-lint is not installed',
    });
  }, 120_000);

  it('a missing binary on PATH is a skip, not a failure', async () => {
    const ok = '---\n- name: Fine\n  hosts: localhost\n  gather_facts: false\n  tasks: []\n';
    const v = await validateFix(fix('ansible', 'p.yml', '', ok, true), {
      tools: { ansiblePlaybook: 'aiops-no-such-ansible-playbook', ansibleLint: 'aiops-no-such-ansible-lint' },
    });
    expect(v.ok).toBe(true);
    expect(v.checks.slice(1).map((c) => c.output)).toEqual([
      'skipped: ansible-playbook is not installed',
      'skipped: ansible-lint is not installed',
    ]);
  });

  it('a path with .. is written inside the temporary folder only', async () => {
    const ok = '---\n- name: Fine\n  hosts: localhost\n  gather_facts: false\n  tasks: []\n';
    const v = await validateFix(fix('ansible', '../../../tmp/aiops-escape.yml', '', ok, true), {
      tools: { ansibleLint: null },
    });
    expect(v.checks.find((c) => c.name.startsWith('ansible-playbook'))?.ok).toBe(true);
    expect(existsSync('/tmp/aiops-escape.yml')).toBe(false);
  }, 120_000);

  describe.skipIf(!hasTerraform)('terraform validate with the real binary', () => {
    const vars = 'variable "max_connections" {\n  type    = number\n  default = 200\n}\n';
    const main =
      'resource "terraform_data" "params" {\n  input = [{ name = "max_connections", value = var.max_connections }]\n}\n';

    it('a module without registry providers is initialised and validated offline', async () => {
      const moduleFiles = [
        { path: 'infra/db/variables.tf', content: vars },
        { path: 'infra/db/main.tf', content: main },
      ];
      const ok = await validateFix(
        fix('terraform', 'infra/db/variables.tf', vars, vars.replace('200', '300')),
        {
          terraform: { moduleFiles },
        },
      );
      expect(ok.checks.at(-1)).toEqual({
        name: 'terraform validate',
        ok: true,
        output: expect.stringContaining('infra/db: Success!'),
      });
      const broken = await validateFix(
        fix('terraform', 'infra/db/variables.tf', vars, vars.replace('"max_connections"', '"max_conns"')),
        { terraform: { moduleFiles } },
      );
      expect(broken.ok).toBe(false);
      expect(broken.checks.at(-1)).toMatchObject({
        name: 'terraform validate (infra/db)',
        ok: false,
        output: expect.stringContaining('Reference to undeclared input variable'),
      });
    }, 120_000);

    it('a module that needs the AWS provider, or calls registry modules, is skipped with the reason, offline', async () => {
      const pg =
        'resource "aws_db_parameter_group" "pg" {\n  name   = "pg"\n  family = "postgres16"\n\n  parameter {\n    name  = "max_connections"\n    value = "200"\n  }\n}\n';
      const v = await validateFix(fix('terraform', 'infra/pg.tf', pg, pg.replace('"200"', '"300"')), {
        terraform: { moduleFiles: [{ path: 'infra/pg.tf', content: pg }] },
      });
      expect(v.ok).toBe(true);
      expect(v.checks.at(-1)?.output).toMatch(/^skipped: needs the aws provider\(s\) from the registry/);

      // terraform-aws-modules' Aurora example calls the vpc and kms modules from the registry.
      const tf = readFileSync(
        join(import.meta.dirname, '..', 'fixtures', 'fixes', 'terraform', 'aurora-mysql', 'main.tf'),
        'utf8',
      );
      const m = await validateFix(
        fix('terraform', 'infra/main.tf', tf, tf.replace('value        = 2000', 'value        = 3000')),
        { terraform: { moduleFiles: [{ path: 'infra/main.tf', content: tf }] } },
      );
      expect(m.ok).toBe(true);
      expect(m.checks.at(-1)?.output).toMatch(/^skipped: the module calls other modules/);
    });
  });
});
