import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PendingAcks } from '../../src/slack/pending-acks.ts';

const response = () => new EventEmitter() as unknown as ServerResponse;

describe('PendingAcks', () => {
  it('lets work go at once when no request waits for its answer', async () => {
    const pending = new PendingAcks();
    await expect(pending.settled()).resolves.toBeUndefined();
  });

  it('holds work until every request received is answered (or closed), counting each once', async () => {
    const pending = new PendingAcks();
    const [a, b] = [response(), response()];
    pending.track(a);
    pending.track(b);
    let released = false;
    const work = pending.settled(60_000).then(() => {
      released = true;
    });
    a.emit('finish');
    a.emit('close');
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toBe(false);
    expect(pending.waiting).toBe(1);
    b.emit('close');
    await work;
    expect(pending.waiting).toBe(0);
  });

  it('lets work go after its bound even while requests keep waiting', async () => {
    const pending = new PendingAcks();
    pending.track(response());
    await expect(pending.settled(5)).resolves.toBeUndefined();
    expect(pending.waiting).toBe(1);
  });
});
