/**
 * Child-process entry of the load generator: runs the phases the benchmark sends over IPC, one at a time,
 * and answers with their results. A separate process keeps the generator's CPU, GC pauses and memory out
 * of the server's event loop and out of its RSS figure.
 */
import { type PhaseResult, type PhaseSpec, runPhase } from './load.ts';

export type LoadgenRequest = { type: 'run'; id: number; spec: PhaseSpec } | { type: 'exit' };
export type LoadgenResponse =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: PhaseResult }
  | { type: 'error'; id: number; message: string };

function reply(message: LoadgenResponse): void {
  process.send?.(message);
}

process.on('message', (message: LoadgenRequest) => {
  if (message.type === 'exit') {
    process.disconnect?.();
    return;
  }
  runPhase(message.spec).then(
    (result) => reply({ type: 'result', id: message.id, result }),
    (error: unknown) =>
      reply({
        type: 'error',
        id: message.id,
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});

reply({ type: 'ready' });
