// The JSON pointers a refused request body names (fails the test when the body is accepted).
import assert from 'node:assert/strict';
import type { z } from 'zod';
import { ValidationError } from '../../src/api/httpErrors';
import { parseWith } from '../../src/api/parseRequest';

export function refusedPointers(schema: z.ZodType, body: unknown): string[] {
  try {
    parseWith(schema, body, 'body');
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    return err.issues.map((i) => i.path);
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
}
