// Parsing requests at the edge: JSON bodies, query strings and route parameters through zod.
import type { z } from 'zod';
import { jsonPointer, ValidationError } from './httpErrors';

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
  const proto = protoKeyIn(json);
  if (proto) throw new ValidationError(`body: ${jsonPointer(proto)} "__proto__" cannot be used as a name`, [{ path: jsonPointer(proto), message: '"__proto__" cannot be used as a name' }]);
  return parseWith(schema, json, 'body');
}

/**
 * The path of the first "__proto__" key in parsed JSON. JSON.parse keeps it as a plain property, but
 * validation would drop it without a word (assigning it sets the prototype), so it is refused instead.
 * Walked with a stack of its own, not by recursion: JSON nested thousands deep must not overflow the
 * call stack (a 500); each node keeps its parent, and the path is built only for the key found.
 */
function protoKeyIn(root: unknown): readonly string[] | undefined {
  type Node = { value: unknown; key: string; parent: Node | undefined };
  const pathOf = (node: Node | undefined): string[] => {
    const path: string[] = [];
    for (let at = node; at?.parent !== undefined; at = at.parent) path.unshift(at.key);
    return path;
  };
  const stack: Node[] = [{ value: root, key: '', parent: undefined }];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { value } = node;
    if (typeof value !== 'object' || value === null) continue;
    if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return [...pathOf(node), '__proto__'];
    for (const [key, child] of Object.entries(value).reverse()) stack.push({ value: child, key, parent: node });
  }
  return undefined;
}
