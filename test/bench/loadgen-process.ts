/** The benchmarks' side of the load generator: forks loadgen.ts and runs phases in it over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PhaseResult, PhaseSpec } from './load.ts';
import type { LoadgenRequest, LoadgenResponse } from './loadgen.ts';

export interface Loadgen {
  run(spec: PhaseSpec): Promise<PhaseResult>;
  close(): Promise<void>;
}

export async function startLoadgen(): Promise<Loadgen> {
  // fork() reuses this process's execArgv, so the child runs TypeScript through tsx just like we do.
  const child: ChildProcess = fork(fileURLToPath(new URL('./loadgen.ts', import.meta.url)), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(result: PhaseResult): void; reject(error: Error): void }>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load generator exited early (code ${code})`)));
    child.on('message', (message: LoadgenResponse) => {
      if (message.type === 'ready') return resolve();
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.type === 'result') waiter?.resolve(message.result);
      else waiter?.reject(new Error(`load generator failed: ${message.message}`));
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`load generator exited (code ${code})`));
    pending.clear();
  });
  return {
    run(spec) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ type: 'run', id, spec } satisfies LoadgenRequest);
      });
    },
    async close() {
      if (child.exitCode !== null || !child.connected) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'exit' } satisfies LoadgenRequest);
      const timeout = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
