/** `/aiops logs`: the Kubernetes context rendered for Slack — a snapshot, Slack's limits, untrusted text. */
import { describe, expect, it } from 'vitest';
import type { KubeContext, KubeObjectContext } from '../../src/analysis/schema.ts';
import { checkSlackLimits, renderKubeLogs } from '../../src/slack/render/index.ts';

const incident = { id: 42, title: 'KubePodCrashLooping: Pod is crash looping.' };

function pod(name: string, lines: string[]): KubeObjectContext {
  return {
    kind: 'Pod',
    namespace: 'shop',
    name,
    status: 'Running, 0/1 ready, 7 restarts, on node node-a',
    containers: [
      {
        name: 'checkout',
        ready: false,
        restarts: 7,
        state: 'waiting',
        reason: 'CrashLoopBackOff',
        lastTermination: { reason: 'OOMKilled', exitCode: 137, at: '2026-03-01T09:59:10.000Z' },
        requests: { memory: '128Mi' },
        limits: { memory: '256Mi' },
      },
    ],
    events: [
      {
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container checkout',
        count: 31,
        at: '2026-03-01T09:59:30.000Z',
      },
    ],
    logs: [{ container: 'checkout', previous: true, truncated: true, lines }],
    notes: ['no previous instance of container istio-proxy'],
  };
}

describe('renderKubeLogs', () => {
  it('shows status, termination, events and the log tail in a code block', () => {
    const kube: KubeContext = {
      objects: [
        pod('checkout-7d9f8-abcde', ['INFO starting', 'ERROR dial tcp 10.0.3.7:5432: connection refused']),
      ],
      notes: [],
    };
    const message = renderKubeLogs(incident, kube);
    expect(checkSlackLimits(message)).toEqual([]);
    expect(message).toMatchSnapshot();
  });

  it('keeps untrusted log text inert and within limits, however much there is', () => {
    const hostile = Array.from(
      { length: 40 },
      (_, i) => `<!channel> <@U0ADMIN> \`\`\`break out\`\`\` *bold* line ${i} ${'x'.repeat(280)}`,
    );
    const kube: KubeContext = {
      objects: Array.from({ length: 30 }, (_, i) => pod(`checkout-${i}`, hostile)),
      notes: ['30 pods named: the first 20 read'],
    };
    const message = renderKubeLogs(incident, kube);
    expect(checkSlackLimits(message)).toEqual([]);
    const text = JSON.stringify(message);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U0ADMIN>');
    expect(text).toContain('more objects not shown');
  });

  it("shows the end of a long event message (the registry's 401), not only its head", () => {
    const message =
      'Failed to pull image "registry.acme.internal/data/etl-worker:1.8.2": rpc error: code = Unknown desc = failed to pull and unpack image "registry.acme.internal/data/etl-worker:1.8.2": failed to resolve reference "registry.acme.internal/data/etl-worker:1.8.2": pulling from host registry.acme.internal failed with status code [manifests 1.8.2]: 401 Unauthorized';
    const object = pod('etl-worker-5f6d7c8b9-p9q1r', ['INFO waiting']);
    object.events = [{ type: 'Warning', reason: 'Failed', message, count: 4, at: null }];
    const rendered = renderKubeLogs(incident, { objects: [object], notes: [] });
    expect(checkSlackLimits(rendered)).toEqual([]);
    const text = JSON.stringify(rendered);
    expect(text).toContain('Failed to pull image');
    expect(text).toContain('401 Unauthorized');
  });

  it('says when there is nothing, and why when the source left notes', () => {
    expect(JSON.stringify(renderKubeLogs(incident, undefined))).toContain('read no Kubernetes context');
    expect(
      JSON.stringify(
        renderKubeLogs(incident, {
          objects: [],
          notes: ['namespace kube-system is not in context.kubernetes.namespaces: pod x not read'],
        }),
      ),
    ).toContain('not in context.kubernetes.namespaces');
  });
});
