// Wraps an HTTP handler: the caller's mistakes become the mapped 4xx answers; anything else is
// logged and rethrown (500), never swallowed.
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { toHttpError } from '../../src/api/httpErrors';

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

/** The route parameter, which the route template guarantees is present. */
export function param(request: HttpRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`route parameter ${name} missing: check the function's route`);
  return value;
}
