/**
 * Pods and events in the real core/v1 shapes, put in the fake API server (kube-fake.ts): a pod with its
 * container statuses (state, lastState.terminated, restartCount) and resources, and the events the kubelet,
 * the scheduler and the controllers record about it.
 */
import type { KubeFake, KubeObject } from './kube-fake.ts';

export interface ContainerSpec {
  name: string;
  image?: string;
  ready?: boolean;
  restarts?: number;
  /** `running`, or waiting/terminated with a reason. */
  state?:
    | { running: true }
    | { waiting: string; message?: string }
    | { terminated: string; exitCode: number };
  last?: { reason: string; exitCode: number; finishedAt: string; message?: string };
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export interface PodSpec {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  phase?: string;
  node?: string;
  containers: ContainerSpec[];
  /** PodScheduled=False with this reason (`Unschedulable`). */
  unschedulable?: string;
}

export function podObject(spec: PodSpec): KubeObject {
  const containers = spec.containers.map((c) => ({
    name: c.name,
    image: c.image ?? `registry.example.com/${c.name}:1.0`,
    resources: {
      ...(c.requests ? { requests: c.requests } : {}),
      ...(c.limits ? { limits: c.limits } : {}),
    },
  }));
  const statuses = spec.containers.map((c) => {
    const state = c.state ?? { running: true };
    return {
      name: c.name,
      image: c.image ?? `registry.example.com/${c.name}:1.0`,
      ready: c.ready ?? 'running' in state,
      restartCount: c.restarts ?? 0,
      started: 'running' in state,
      state:
        'running' in state
          ? { running: { startedAt: '2026-03-01T09:58:00Z' } }
          : 'waiting' in state
            ? { waiting: { reason: state.waiting, ...(state.message ? { message: state.message } : {}) } }
            : {
                terminated: {
                  reason: state.terminated,
                  exitCode: state.exitCode,
                  startedAt: '2026-03-01T09:57:00Z',
                  finishedAt: '2026-03-01T09:58:00Z',
                },
              },
      lastState: c.last
        ? {
            terminated: {
              reason: c.last.reason,
              exitCode: c.last.exitCode,
              startedAt: '2026-03-01T09:50:00Z',
              finishedAt: c.last.finishedAt,
              ...(c.last.message ? { message: c.last.message } : {}),
            },
          }
        : {},
    };
  });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels ?? { app: spec.name } },
    spec: { containers, ...(spec.node ? { nodeName: spec.node } : {}) },
    status: {
      phase: spec.phase ?? 'Running',
      conditions: spec.unschedulable
        ? [{ type: 'PodScheduled', status: 'False', reason: spec.unschedulable }]
        : [{ type: 'Ready', status: statuses.every((s) => s.ready) ? 'True' : 'False' }],
      containerStatuses: spec.unschedulable ? [] : statuses,
    },
  };
}

export function addPod(fake: KubeFake, spec: PodSpec): KubeObject {
  return fake.put(podObject(spec));
}

let eventSeq = 0;

/** An event about an object, as the kubelet or a controller records it (core/v1 Event). */
export function addEvent(
  fake: KubeFake,
  event: {
    namespace: string;
    object: { kind: string; name: string };
    type?: 'Normal' | 'Warning';
    reason: string;
    message: string;
    count?: number;
    at: string;
  },
): KubeObject {
  eventSeq += 1;
  return fake.put({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${event.object.name}.${eventSeq.toString(16)}`, namespace: event.namespace },
    involvedObject: {
      kind: event.object.kind,
      name: event.object.name,
      namespace: event.namespace,
      apiVersion: 'v1',
    },
    type: event.type ?? 'Warning',
    reason: event.reason,
    message: event.message,
    count: event.count ?? 1,
    firstTimestamp: event.at,
    lastTimestamp: event.at,
    source: { component: 'kubelet' },
  });
}
