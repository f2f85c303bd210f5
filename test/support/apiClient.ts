// A small JSON client for Switchboard's HTTP API in end-to-end tests.
export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export class ApiClient {
  readonly #base: string;
  readonly #key: string;

  constructor(baseUrl: string, functionKey = 'local-function-key') {
    this.#base = `${baseUrl}/api`;
    this.#key = functionKey;
  }

  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.#base}${path}`, {
      method,
      headers: { 'x-functions-key': this.#key, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = unknown>(path: string): Promise<ApiResponse<T>> {
    return this.call<T>('GET', path);
  }
  post<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>> {
    return this.call<T>('POST', path, body ?? {}, headers);
  }
  put<T = unknown>(path: string, body: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>> {
    return this.call<T>('PUT', path, body, headers);
  }
  patch<T = unknown>(path: string, body: unknown): Promise<ApiResponse<T>> {
    return this.call<T>('PATCH', path, body);
  }
}

/** Polls `probe` until `accept` holds, or fails with the last value seen. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
