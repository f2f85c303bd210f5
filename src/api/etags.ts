// ETag and If-Match headers (RFC 9110) over the stores' ETags.
import type { EtagCondition } from '../admin/etagCondition';
import { ValidationError } from './httpErrors';

/** The ETag header for a stored ETag: an opaque quoted string (Cosmos ETags come quoted already). */
export function etagHeader(etag: string): string {
  return /^".*"$/.test(etag) ? etag : `"${etag}"`;
}

/**
 * Parses an If-Match header into the condition a use case checks against the current ETag:
 * `*` matches any current version; otherwise one of the listed strong tags must be the current one
 * (weak tags never match, as If-Match uses strong comparison).
 */
export function parseIfMatch(header: string | null): EtagCondition | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value === '*') return { matches: () => true, describe: '*' };
  const tags = value.match(/(W\/)?"[^"]*"/g);
  if (!tags || tags.join(',') !== value.replace(/\s*,\s*/g, ',')) {
    throw new ValidationError('If-Match must be "*" or a list of quoted ETags', [{ path: '/headers/if-match', message: 'must be "*" or quoted ETags such as "\\"00000000-0000\\""' }]);
  }
  const strong = new Set(tags.filter((t) => !t.startsWith('W/')));
  return { matches: (etag) => strong.has(etagHeader(etag)), describe: value };
}
