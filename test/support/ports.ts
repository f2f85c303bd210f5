// Free local ports for tests that start servers.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `count` consecutive free ports (for Azurite's blob/queue/table trio). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    const others = await Promise.all(
      Array.from({ length: count - 1 }, (_, i) =>
        new Promise<boolean>((resolve) => {
          const server = createServer();
          server.once('error', () => resolve(false));
          server.listen(base + i + 1, '127.0.0.1', () => server.close(() => resolve(true)));
        }),
      ),
    );
    if (others.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

/**
 * Runs `start` again (with ports it picks afresh) when a port it picked was taken before it could
 * bind: a free port can be handed to another socket, e.g. an outgoing connection, in between.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !(err instanceof Error) || !err.message.includes('EADDRINUSE')) throw err;
    }
  }
}
