// Read-decide-write loops for ETag-conditional updates: a lost race re-reads and decides again.
import { DomainError, type DomainErrorCode } from '../domain/errors';
import { PreconditionFailedError, type DocumentStore, type Versioned } from './ports';

const maxAttempts = 20;

export class ContentionError extends Error {
  override name = 'ContentionError';
}

/**
 * Applies `decide` to the current document until a conditional replace succeeds. `decide` returns
 * the new value, or undefined to write nothing (the document already says what we want). `known`:
 * a version the caller has just read, tried first instead of reading again.
 */
export async function update<T extends { readonly id: string }>(
  store: DocumentStore<T>,
  id: string,
  decide: (current: T) => T | undefined,
  missing: { code: DomainErrorCode; message: string },
  known?: Versioned<T>,
): Promise<{ before: T; after: Versioned<T>; changed: boolean }> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const fromKnown = attempt === 0 && known !== undefined;
    const current = fromKnown ? known : await store.read(id);
    if (!current) throw new DomainError(missing.code, missing.message, { id });
    let next: T | undefined;
    try {
      next = decide(current.value);
    } catch (err) {
      // A refusal decided on the version the caller read may not hold for the current one.
      if (fromKnown) continue;
      throw err;
    }
    if (next === undefined) return { before: current.value, after: current, changed: false };
    try {
      return { before: current.value, after: await store.replace(next, current.etag), changed: true };
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
  }
  throw new ContentionError(`document ${id} kept changing under ${maxAttempts} attempts`);
}
