// context.df.callHttp: the extension's built-in HTTP activity, made with fetch.

/** durable-functions' DurableHttpRequest as serialized in a CallHttp action. */
export interface DurableHttpRequest {
  method: string;
  uri: string;
  content?: string;
  headers?: Record<string, string>;
  tokenSource?: unknown;
  asynchronousPatternEnabled?: boolean;
}

/** durable-functions' DurableHttpResponse, the task's result. */
export interface DurableHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  content: string;
}

/** The activity name DTFx history shows for durable HTTP calls. */
export const httpActivityName = 'BuiltIn::HttpActivity';

export class DurableHttpError extends Error {
  override name = 'HttpRequestException';
}

export async function sendDurableHttpRequest(request: DurableHttpRequest): Promise<DurableHttpResponse> {
  if (request.tokenSource !== undefined && request.tokenSource !== null) {
    // Managed identity tokens need Azure AD; devhost has none to offer.
    throw new DurableHttpError('callHttp with a tokenSource (managed identity) is not supported by devhost.');
  }
  const method = request.method.toUpperCase();
  let response: Response;
  try {
    response = await fetch(request.uri, {
      method,
      ...(request.headers === undefined ? {} : { headers: request.headers }),
      ...(request.content === undefined || method === 'GET' || method === 'HEAD' ? {} : { body: request.content }),
      redirect: 'manual',
    });
  } catch (err) {
    throw new DurableHttpError(`${method} ${request.uri} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { statusCode: response.status, headers, content: await response.text() };
}

function header(response: DurableHttpResponse, name: string): string | undefined {
  const key = Object.keys(response.headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : response.headers[key];
}

/** The follow-up of a 202 with a Location header (the async HTTP pattern), or undefined when the call is done. */
export function pollingStep(request: DurableHttpRequest, response: DurableHttpResponse, defaultDelayMs: number): { request: DurableHttpRequest; delayMs: number } | undefined {
  if (request.asynchronousPatternEnabled === false || response.statusCode !== 202) return undefined;
  const location = header(response, 'Location');
  if (location === undefined) return undefined;
  const retryAfter = Number(header(response, 'Retry-After'));
  return {
    request: { method: 'GET', uri: new URL(location, request.uri).href, ...(request.headers === undefined ? {} : { headers: request.headers }), asynchronousPatternEnabled: true },
    delayMs: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : defaultDelayMs,
  };
}
