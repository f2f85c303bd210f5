// A small HTTP client for end-to-end tests of the admin API: JSON in and out, with the function key.
export const functionKey = 'local-function-key';

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface ErrorAnswer {
  error: { code: string; message: string; issues?: { path: string; message: string }[]; details?: Record<string, unknown> };
}

export type Api = <T = unknown>(method: string, path: string, options?: { body?: unknown; rawBody?: string; headers?: Record<string, string>; key?: string | null }) => Promise<ApiResponse<T>>;

export function adminApi(baseUrl: string): Api {
  return async <T>(method: string, path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; key?: string | null } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.key !== null) headers['x-functions-key'] = options.key ?? functionKey;
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    const isJson = res.headers.get('content-type')?.includes('json') ?? false;
    return { status: res.status, headers: res.headers, body: (isJson && text !== '' ? JSON.parse(text) : text === '' ? undefined : text) as T };
  };
}

/** The JSON pointers a 4xx answer names. */
export function issuePaths(response: ApiResponse): string[] {
  return ((response.body as ErrorAnswer | undefined)?.error.issues ?? []).map((i) => i.path);
}

export function errorCode(response: ApiResponse): string | undefined {
  return (response.body as ErrorAnswer | undefined)?.error.code;
}
