// The local RPC endpoint the durable-functions DurableClient calls (its `rpcBaseUrl`), like the
// extension's LocalHttpListener on 127.0.0.1:17071.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostLogger } from '../host/extension';
import type { DurableEngine } from './engine';
import { handleManagementRequest, type ManagementLinks } from './managementApi';

export const rpcBasePath = '/durabletask/';

export class ClientApiServer {
  readonly #engine: DurableEngine;
  readonly #links: () => ManagementLinks;
  readonly #log: HostLogger;
  #server: Server | undefined;
  #port = 0;

  constructor(engine: DurableEngine, links: () => ManagementLinks, log: HostLogger) {
    this.#engine = engine;
    this.#links = links;
    this.#log = log;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}${rpcBasePath}`;
  }

  /** Listens on `port`; when it is taken (another devhost), on any free port: the SDK learns the URL from the binding. */
  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!url.pathname.startsWith(rpcBasePath)) {
        res.writeHead(404).end();
        return;
      }
      handleManagementRequest(this.#engine, this.#links(), req, res, url.pathname.slice(rpcBasePath.length - 1), url)
        .then((handled) => {
          if (!handled && !res.headersSent) res.writeHead(404).end();
        })
        .catch((err: unknown) => {
          this.#log.error(`Durable RPC ${req.method ?? ''} ${url.pathname} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Message: 'Something went wrong while processing your request' }));
        });
    });
    // Keep-alive sockets from the SDK's axios must not hold the host open at stop.
    server.keepAliveTimeout = 1000;
    this.#server = server;
    const tryListen = (p: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException): void => reject(err);
        server.once('error', onError);
        server.listen(p, '127.0.0.1', () => {
          server.off('error', onError);
          resolve();
        });
      });
    try {
      await tryListen(port);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
      this.#log.warn(`Durable: port ${port} is in use; the local RPC endpoint listens on a free port instead.`);
      await tryListen(0);
    }
    this.#port = (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
