// Continuation tokens as the API hands them out: the store's token wrapped with what it pages, so a
// token that is not ours, or belongs to another list, is refused with a 400 instead of reaching Cosmos.
import { ValidationError } from './httpErrors';

interface Envelope {
  readonly list: string;
  readonly token: string;
}

export function encodePageToken(list: string, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const envelope: Envelope = { list, token };
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
}

/** The store's token inside `pageToken`, which must come from a page of `list`. */
export function decodePageToken(list: string, pageToken: string | undefined): string | undefined {
  if (pageToken === undefined) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(Buffer.from(pageToken, 'base64url').toString('utf8'));
  } catch {
    envelope = undefined;
  }
  const e = envelope as Partial<Envelope> | undefined;
  if (typeof e !== 'object' || e === null || e.list !== list || typeof e.token !== 'string') {
    throw new ValidationError(`query: /continuationToken is not a token from a page of ${list}`, [{ path: '/continuationToken', message: `not a token from a page of ${list}: pass back the continuationToken of the previous page` }]);
  }
  return e.token;
}
