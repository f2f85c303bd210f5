// Parsing requests at the edge: JSON bodies, query strings and route parameters through zod.
import type { z } from 'zod';
import { ValidationError } from './httpErrors';

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw ValidationError.fromZod(result.error, where);
  return result.data;
}

/** Parses a JSON body text; an empty body is `{}` when `emptyIsObject`. */
export function parseJsonBody<S extends z.ZodType>(schema: S, text: string, emptyIsObject = false): z.output<S> {
  if (text.trim() === '') {
    if (emptyIsObject) return parseWith(schema, {}, 'body');
    throw new ValidationError('body: a JSON body is required', [{ path: '/', message: 'a JSON body is required' }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`body is not valid JSON: ${(err as Error).message}`, [{ path: '/', message: 'not valid JSON' }]);
  }
  return parseWith(schema, json, 'body');
}
