// Wraps an HTTP handler: the caller's mistakes become the mapped 4xx answers; anything else is
// logged and rethrown (500), never swallowed.
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { toHttpError, UnsupportedMediaTypeError, ValidationError } from '../../src/api/httpErrors';

export function handle(handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (err) {
      const mapped = toHttpError(err);
      if (mapped) return mapped;
      context.error(`unhandled error in ${context.functionName}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      throw err;
    }
  };
}

/** Characters no Cosmos DB id may hold: an id with one names nothing Switchboard could have stored. */
const notInIds = /[/\\#?]/;

/**
 * The route parameter, which the route template guarantees is present. One holding '/', a backslash, '#'
 * or '?' (sent percent-encoded) is refused with 400 here, before it reaches Cosmos DB, whose SDK
 * throws on such an id.
 */
export function param(request: HttpRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`route parameter ${name} missing: check the function's route`);
  if (notInIds.test(value)) {
    const issue = { path: `/${name}`, message: "an id cannot contain '/', '\\', '#' or '?'" };
    throw new ValidationError(`path: ${issue.path} ${issue.message}`, [issue]);
  }
  return value;
}

/**
 * The request's query without `code`: the function key may come as `?code=` instead of the
 * x-functions-key header, and the host leaves it in the query, so strict query schemas must not see it.
 */
export function queryOf(request: HttpRequest): Record<string, string> {
  const { code, ...query } = Object.fromEntries(request.query);
  void code;
  return query;
}

/** JSON media types: application/json and any `+json` type (a charset or other parameters allowed). */
const jsonMediaType = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/**
 * The request's body text. A body sent with a Content-Type that is not JSON (a form, plain text,
 * XML) is refused with 415, so it is never read as if it were; one sent without a Content-Type is
 * taken as JSON.
 */
export async function bodyText(request: HttpRequest): Promise<string> {
  const text = await request.text();
  const type = request.headers.get('content-type');
  if (text !== '' && type !== null && !jsonMediaType.test(type.trim())) {
    throw new UnsupportedMediaTypeError(`the body is ${type.split(';')[0]?.trim() ?? type}: send it as JSON, with Content-Type: application/json`);
  }
  return text;
}
