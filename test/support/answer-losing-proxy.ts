/**
 * A TCP proxy in front of PostgreSQL that can lose one answer: armed with a piece of SQL, it lets the next
 * query containing it through, waits until the server has answered it completely (ReadyForQuery, so an
 * autocommit statement has committed), then drops the connection instead of passing the answer on. What a
 * server stopping or a network cut does at the worst moment: the work is done and the client cannot know.
 */
import net from 'node:net';

export interface AnswerLosingProxy {
  port: number;
  /** The next query whose text contains `sql` commits, and its answer is lost with the connection. */
  loseAnswerTo(sql: string): void;
  /** How many answers were lost so far. */
  readonly lost: number;
  close(): Promise<void>;
}

/** Whether `data`, starting at a message boundary, holds a complete ReadyForQuery ('Z') message. */
function holdsReadyForQuery(data: Buffer): boolean {
  let offset = 0;
  while (offset + 5 <= data.length) {
    const type = String.fromCharCode(data[offset] as number);
    const length = data.readInt32BE(offset + 1);
    if (offset + 1 + length > data.length) return false;
    if (type === 'Z') return true;
    offset += 1 + length;
  }
  return false;
}

export async function startAnswerLosingProxy(
  targetHost: string,
  targetPort: number,
): Promise<AnswerLosingProxy> {
  const armed: string[] = [];
  const sockets = new Set<net.Socket>();
  let lost = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    let losing = false;
    let held = Buffer.alloc(0);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      const index = armed.findIndex((sql) => text.includes(sql));
      if (index >= 0 && !losing) {
        armed.splice(index, 1);
        losing = true;
        held = Buffer.alloc(0);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!losing) {
        client.write(chunk);
        return;
      }
      held = Buffer.concat([held, chunk]);
      if (holdsReadyForQuery(held)) {
        lost += 1;
        drop();
      }
    });
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    loseAnswerTo: (sql) => void armed.push(sql),
    get lost() {
      return lost;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
