/**
 * Kubernetes messages as the context source keeps them: real kubelet and scheduler messages run to 400–900
 * characters and name what failed first and why last (`… 401 Unauthorized`, `… toomanyrequests: …`). They are
 * redacted, then cut keeping the head and the tail, so the decisive end survives and no secret fragment does.
 */
import { describe, expect, it } from 'vitest';
import {
  capEventMessages,
  containersOf,
  EVENT_BUDGET_BYTES,
  EVENT_MESSAGE_CUT,
  EVENT_MESSAGE_MAX,
  eventsOf,
  MAX_PODS,
} from '../../src/analysis/context/kubernetes.ts';
import { analyzeOffline } from '../../src/analysis/offline/index.ts';
import { findingsOf } from '../../src/analysis/offline/kube-evidence.ts';
import { redactAndCut } from '../../src/analysis/redact.ts';
import {
  analysisSchema,
  type KubeContext,
  type KubeObjectContext,
  kubeContextSchema,
} from '../../src/analysis/schema.ts';
import { testAlert, testInput } from '../support/incidents.ts';
import { leakedFragments, padding, SECRET_CORPUS } from '../support/secrets.ts';

const T0 = '2026-03-01T10:00:00.000Z';

/** containerd's words for a private registry answering 401 (Kubernetes "Pull an Image from a Private Registry"). */
const PULL_401 =
  'Failed to pull image "registry.acme.internal/data/etl-worker:1.8.2": rpc error: code = Unknown desc = failed to pull and unpack image "registry.acme.internal/data/etl-worker:1.8.2": failed to resolve reference "registry.acme.internal/data/etl-worker:1.8.2": pulling from host registry.acme.internal failed with status code [manifests 1.8.2]: 401 Unauthorized';

/** Docker Hub's pull rate limit as the kubelet reports it (docs.docker.com, "Usage and limits"). */
const PULL_429 =
  'Failed to pull image "nginx:1.25-alpine": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/nginx:1.25-alpine": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/nginx/manifests/sha256:a59278fd22a9d411121e190b8cec8aa57b306aa3332459197777583beb728f59: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit';

const event = (message: string) => ({
  type: 'Warning',
  reason: 'Failed',
  message,
  count: 4,
  lastTimestamp: '2026-03-01T09:59:00Z',
});

describe('Kubernetes messages: redacted, then cut keeping head and tail', () => {
  it("keeps the end of a kubelet pull error: the registry's 401", () => {
    expect(PULL_401.length).toBeGreaterThan(300);
    const [kept] = eventsOf([event(PULL_401)]);
    expect(kept?.message).toBe(PULL_401);
    expect(kept?.message).toMatch(/401 Unauthorized$/);
  });

  it('cuts a longer message in the middle, within the schema, keeping what failed and why', () => {
    const long = `${PULL_429} ${padding(400)}(retrying) ${PULL_429}`;
    const [kept] = eventsOf([event(long)]);
    const message = kept?.message ?? '';
    expect(message.length).toBeLessThanOrEqual(EVENT_MESSAGE_MAX);
    expect(message.startsWith('Failed to pull image "nginx:1.25-alpine"')).toBe(true);
    expect(message).toContain('…');
    expect(message.endsWith('https://www.docker.com/increase-rate-limit')).toBe(true);
    expect(message).toContain('toomanyrequests');
    expect(() => kubeContextSchema.shape.objects.element.shape.events.parse([kept])).not.toThrow();
  });

  it("keeps the end of a waiting container's message too", () => {
    const [container] = containersOf({
      spec: { containers: [{ name: 'etl-worker' }] },
      status: {
        containerStatuses: [
          {
            name: 'etl-worker',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ErrImagePull', message: `${PULL_401} ${padding(300)}${PULL_401}` } },
          },
        ],
      },
    });
    expect(container?.message?.length).toBeLessThanOrEqual(EVENT_MESSAGE_MAX);
    expect(container?.message).toMatch(/401 Unauthorized$/);
  });

  it('no fragment of a secret survives either cut (head or tail)', () => {
    for (const sample of SECRET_CORPUS) {
      for (let shift = 0; shift <= sample.text.length + 8; shift++) {
        // The head cut falls across the secret, then the tail cut does.
        for (const text of [
          `${padding(Math.max(0, EVENT_MESSAGE_MAX / 2 - shift + 2))}${sample.text} ${padding(900)}`,
          `${padding(900)}${sample.text} ${padding(Math.max(0, EVENT_MESSAGE_MAX / 2 - sample.text.length + shift))}`,
        ]) {
          const out = redactAndCut(text, EVENT_MESSAGE_MAX, { keep: 'ends' });
          expect(out.length).toBeLessThanOrEqual(EVENT_MESSAGE_MAX);
          const leaked = leakedFragments(out, sample.secret);
          if (leaked.length > 0) throw new Error(`${sample.name}: "${leaked[0]}" survives in\n${out}`);
        }
      }
    }
  });

  it('never cuts inside a placeholder or a surrogate pair at the tail', () => {
    const text = `${'a'.repeat(100)}${'😀'.repeat(200)}`;
    for (let max = 20; max < 120; max++) {
      const out = redactAndCut(text, max, { keep: 'ends' });
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });

  it("bounds an incident's event text for the prompt: the first pods keep theirs whole, later ones are cut", () => {
    const objects: KubeObjectContext[] = Array.from({ length: 40 }, (_, index) => ({
      kind: 'Pod',
      namespace: 'shop',
      name: `checkout-${index}`,
      status: 'Pending',
      containers: [],
      events: eventsOf(Array.from({ length: 8 }, () => event(`${PULL_429} ${padding(300)}`))),
      logs: [],
      notes: [],
    }));
    expect(objects[0]?.events[0]?.message.length).toBe(EVENT_MESSAGE_MAX);
    expect(capEventMessages(objects)).toBe(true);
    const total = objects.flatMap((object) => object.events).reduce((sum, e) => sum + e.message.length, 0);
    expect(total).toBeLessThanOrEqual(EVENT_BUDGET_BYTES + 40 * 8 * EVENT_MESSAGE_CUT);
    // The named pods (read first) keep their messages whole; the last ones keep both ends.
    expect(
      objects
        .slice(0, MAX_PODS / 4)
        .every((o) => o.events.every((e) => e.message.length === EVENT_MESSAGE_MAX)),
    ).toBe(true);
    const last = objects.at(-1)?.events.at(-1)?.message ?? '';
    expect(last.length).toBeLessThanOrEqual(EVENT_MESSAGE_CUT);
    expect(last.startsWith('Failed to pull image')).toBe(true);
    expect(capEventMessages(objects.slice(0, 2))).toBe(false);
  });

  it('the offline analyzer reads the 401 at the end: registry credentials first, quoted with it', () => {
    const kubernetes: KubeContext = {
      objects: [
        {
          kind: 'Pod',
          namespace: 'analytics',
          name: 'etl-worker-5f6d7c8b9-p9q1r',
          status: 'Pending, 0/1 ready, 0 restarts',
          containers: containersOf({
            spec: { containers: [{ name: 'etl-worker' }] },
            status: {
              containerStatuses: [
                {
                  name: 'etl-worker',
                  restartCount: 0,
                  state: {
                    waiting: {
                      reason: 'ImagePullBackOff',
                      message: 'Back-off pulling image "registry.acme.internal/data/etl-worker:1.8.2"',
                    },
                  },
                },
              ],
            },
          }),
          events: eventsOf([event(PULL_401), event('Error: ErrImagePull')]),
          logs: [],
          notes: [],
        },
      ],
      notes: [],
    };
    const alert = testAlert(
      {
        labels: {
          alertname: 'KubeContainerWaiting',
          namespace: 'analytics',
          pod: 'etl-worker-5f6d7c8b9-p9q1r',
          container: 'etl-worker',
          reason: 'ImagePullBackOff',
          severity: 'warning',
        },
      },
      { at: T0 },
    );
    const analysis = analysisSchema.parse(analyzeOffline(testInput([alert], T0, { kubernetes })));
    expect(findingsOf(kubernetes)[0]?.rule.id).toBe('image-unauthorized');
    expect(analysis.rootCauses[0]?.title).toMatch(/^Registry credentials/);
    expect(analysis.rootCauses[0]?.evidence[0]).toContain('401 Unauthorized');
  });
});
