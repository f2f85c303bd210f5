// The host's HTTP front door: HTTP triggers under the route prefix (auth levels, CORS, 404/405),
// extension webhooks under /runtime/webhooks, and the admin API for invoking non-HTTP functions.
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serialize as serializeCookie } from 'cookie';
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from '../coreTypes';
import type { RegisteredFunction } from '../extension';
import type { FunctionHost } from '../functionHost';
import { HttpRouter, type AuthLevel, type HttpRoute } from './httpRouter';
import type { RouteParams } from './routeTemplate';

const maxBodyBytes = 100 * 1024 * 1024; // the Functions host's default request size limit
const singleWriteLimit = 64 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return; // drain the rest without keeping it, so the 413 can still be written
      size += chunk.length;
      if (size > maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
        reject(new RequestTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

class RequestTooLargeError extends Error {}

function headerMap(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function toSetCookie(cookie: RpcHttpCookie): string {
  const sameSite = cookie.sameSite === 'lax' ? 'lax' : cookie.sameSite === 'strict' ? 'strict' : cookie.sameSite === 'explicitNone' ? 'none' : undefined;
  const expires = cookie.expires?.value?.seconds;
  return serializeCookie(cookie.name ?? '', cookie.value ?? '', {
    domain: cookie.domain?.value ?? undefined,
    path: cookie.path?.value ?? undefined,
    expires: typeof expires === 'number' ? new Date(expires * 1000) : undefined,
    secure: cookie.secure?.value ?? undefined,
    httpOnly: cookie.httpOnly?.value ?? undefined,
    sameSite,
    maxAge: cookie.maxAge?.value ?? undefined,
  });
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer | undefined {
  if (!body) return undefined;
  if (body.bytes) return Buffer.from(body.bytes);
  if (typeof body.string === 'string') return Buffer.from(body.string);
  if (typeof body.json === 'string') return Buffer.from(body.json);
  return undefined;
}

export class HttpFrontDoor {
  readonly #host: FunctionHost;
  readonly #router: HttpRouter;
  readonly #server: Server;
  readonly #proxyAgent = new Agent({ keepAlive: true, maxSockets: 256 });
  readonly #prefix: string;

  constructor(host: FunctionHost) {
    this.#host = host;
    this.#router = new HttpRouter(host.functions);
    this.#prefix = host.settings.routePrefix === '' ? '' : `/${host.settings.routePrefix}`;
    this.#server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        host.log.error(`HTTP ${req.method ?? ''} ${req.url ?? ''}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (!res.headersSent) this.#send(res, 500, 'Internal Server Error');
        else res.destroy();
      });
    });
  }

  get routes(): readonly HttpRoute[] {
    return this.#router.routes;
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    this.#proxyAgent.destroy();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** The URL a route template is served at, for the start-up listing. */
  urlOf(route: HttpRoute, port: number): string {
    return `http://localhost:${port}${this.#prefix}/${route.template.template}`;
  }

  #send(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(message);
  }

  #corsHeaders(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    const allowed = this.#host.settings.corsOrigins;
    if (!origin || allowed.length === 0) return {};
    const credentials = this.#host.settings.corsCredentials;
    if (allowed.includes('*')) {
      return credentials ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' } : { 'access-control-allow-origin': '*' };
    }
    if (!allowed.some((o) => o.toLowerCase() === origin.toLowerCase())) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin', ...(credentials ? { 'access-control-allow-credentials': 'true' } : {}) };
  }

  #authorized(req: IncomingMessage, url: URL, level: AuthLevel): boolean {
    if (level === 'anonymous') return true;
    const header = req.headers['x-functions-key'];
    const key = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? '';
    const { master, function: functionKeys } = this.#host.settings.keys;
    if (key === master) return true;
    return level === 'function' && functionKeys.includes(key);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const cors = this.#corsHeaders(req);

    if (method === 'OPTIONS' && req.headers['access-control-request-method'] && Object.keys(cors).length > 0) {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }

    if (url.pathname.startsWith('/runtime/webhooks/') || url.pathname.startsWith('/admin/')) {
      if (url.pathname.startsWith('/admin/functions/')) {
        await this.#adminInvoke(req, res, url);
        return;
      }
      for (const extension of this.#host.extensions) {
        if (extension.handleHttp && (await extension.handleHttp(req, res, url))) return;
      }
      this.#send(res, 404, 'Not Found');
      return;
    }

    if (this.#prefix !== '' && url.pathname !== this.#prefix && !url.pathname.startsWith(`${this.#prefix}/`)) {
      this.#send(res, 404, 'Not Found', cors);
      return;
    }
    const match = this.#router.match(method, url.pathname.slice(this.#prefix.length));
    if (match.kind === 'not-found') {
      this.#send(res, 404, 'Not Found', cors);
      return;
    }
    if (match.kind === 'method-not-allowed') {
      this.#send(res, 405, 'Method Not Allowed', { ...cors, allow: match.allowed.join(', ') });
      return;
    }
    if (!this.#authorized(req, url, match.route.authLevel)) {
      this.#send(res, 401, 'Unauthorized', cors);
      return;
    }
    if (this.#host.httpStreamUri) await this.#invokeStreaming(req, res, url, match.route, match.params, cors);
    else await this.#invokeBuffered(req, res, url, match.route, match.params, cors);
  }

  #rpcRequest(req: IncomingMessage, url: URL, params: RouteParams, body: Buffer | undefined): RpcHttpData {
    return { method: req.method ?? 'GET', url: url.toString(), headers: headerMap(req), params, ...(body ? { body: { bytes: body } } : {}) };
  }

  async #invokeBuffered(req: IncomingMessage, res: ServerResponse, url: URL, route: HttpRoute, params: RouteParams, cors: Record<string, string>): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof RequestTooLargeError) return this.#send(res, 413, 'Request Entity Too Large', cors);
      throw err;
    }
    const outcome = await this.#host.invoke(route.fn.name, { trigger: { http: this.#rpcRequest(req, url, params, body) } });
    if (outcome.error) return this.#send(res, 500, 'Internal Server Error', cors);
    const response = this.#httpOutput(route.fn, outcome.returnValue, outcome.outputs);
    if (!response) {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    const headers: Record<string, string | string[]> = { ...cors, ...(response.headers ?? {}) };
    const cookies = (response.cookies ?? []).map(toSetCookie);
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    const payload = bodyBytes(response.body);
    res.writeHead(Number(response.statusCode ?? 200), headers);
    // A latin1 string is byte-exact and lets node send headers and body in one write, not a writev.
    if (payload && payload.length <= singleWriteLimit) res.end(payload.toString('latin1'), 'latin1');
    else res.end(payload);
  }

  /** The HTTP response from the function's http output binding (return value or a named extra output). */
  #httpOutput(fn: RegisteredFunction, returnValue: RpcTypedData | null | undefined, outputs: Record<string, RpcTypedData>): RpcHttpData | undefined {
    const entry = Object.entries(fn.bindings).find(([, b]) => b.direction === 'out' && String(b.type).toLowerCase() === 'http');
    if (!entry) return undefined;
    const data = entry[0] === '$return' ? returnValue : outputs[entry[0]];
    return data?.http ?? undefined;
  }

  /**
   * With app.setup({ enableHttpStream: true }) the library serves the request itself on its proxy
   * port: forward the raw request there, invoke with headers and route params as trigger metadata,
   * and pipe the proxy's response back, as the real host does.
   */
  async #invokeStreaming(req: IncomingMessage, res: ServerResponse, url: URL, route: HttpRoute, params: RouteParams, cors: Record<string, string>): Promise<void> {
    const invocationId = randomUUID();
    const proxyUrl = new URL(`${url.pathname}${url.search}`, this.#host.httpStreamUri);
    let responded = false;
    const proxyRequest = httpRequest(proxyUrl, {
      method: req.method,
      agent: this.#proxyAgent,
      headers: { ...req.headers, 'x-ms-invocation-id': invocationId, 'x-forwarded-host': req.headers.host ?? 'localhost', 'x-forwarded-proto': 'http' },
    });
    proxyRequest.on('response', (proxyResponse) => {
      responded = true;
      res.writeHead(proxyResponse.statusCode ?? 200, { ...cors, ...proxyResponse.headers });
      res.flushHeaders();
      // A stream that breaks after the headers went out cannot become an error status: end the connection.
      proxyResponse.on('error', () => res.destroy());
      proxyResponse.pipe(res);
    });
    proxyRequest.on('error', (err) => {
      if (!responded && !res.headersSent) this.#send(res, 502, `Bad Gateway: ${err.message}`, cors);
    });
    res.on('close', () => {
      if (!res.writableFinished) proxyRequest.destroy();
    });
    req.pipe(proxyRequest);

    const triggerMetadata: Record<string, RpcTypedData> = {
      Headers: { json: JSON.stringify(headerMap(req)) },
      Query: { json: JSON.stringify(Object.fromEntries(url.searchParams)) },
    };
    for (const [name, value] of Object.entries(params)) triggerMetadata[name] = { string: value };
    const outcome = await this.#host.invoke(route.fn.name, {
      invocationId,
      trigger: { http: this.#rpcRequest(req, url, params, undefined) },
      triggerMetadata,
    });
    if (outcome.error && !responded && !res.headersSent) {
      proxyRequest.destroy();
      this.#send(res, 500, 'Internal Server Error', cors);
    }
  }

  /** POST /admin/functions/{name} with the master key: runs a non-HTTP function, as the real host's admin API does. */
  async #adminInvoke(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return this.#send(res, 405, 'Method Not Allowed', { allow: 'POST' });
    if (!this.#authorized(req, url, 'admin')) return this.#send(res, 401, 'Unauthorized');
    const name = decodeURIComponent(url.pathname.slice('/admin/functions/'.length));
    const fn = this.#host.find(name);
    if (!fn) return this.#send(res, 404, `No function named "${name}"`);
    let input = '';
    const raw = (await readBody(req)).toString('utf8');
    if (raw.length > 0) {
      try {
        const parsed = JSON.parse(raw) as { input?: unknown };
        input = typeof parsed.input === 'string' ? parsed.input : JSON.stringify(parsed.input ?? '');
      } catch {
        return this.#send(res, 400, 'Body must be JSON like {"input": "..."}');
      }
    }
    const trigger: RpcTypedData =
      fn.trigger.type.toLowerCase() === 'timertrigger'
        ? { json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false }) }
        : { string: input };
    void this.#host.invoke(fn.name, { trigger });
    res.writeHead(202);
    res.end();
  }
}
