// The Idempotency-Key header of the routes that take one (task creation, ACW extension).
import { ValidationError } from './httpErrors';

/** How long an Idempotency-Key may be. */
const maxIdempotencyKeyLength = 200;

/**
 * The request's Idempotency-Key, or undefined when it has none. A blank or overlong key is refused
 * rather than ignored: a client that believes it sent one would otherwise get a new resource on each retry.
 */
export function parseIdempotencyKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  const key = header.trim();
  if (key === '' || key.length > maxIdempotencyKeyLength) {
    throw new ValidationError(`Idempotency-Key must be 1 to ${maxIdempotencyKeyLength} characters`, [{ path: '/headers/idempotency-key', message: key === '' ? 'must not be blank' : `must be at most ${maxIdempotencyKeyLength} characters` }]);
  }
  return key;
}
