// One page of a cross-partition query, continued from the token of the page before. A token the
// SDK cannot continue from (an edited or made-up one) is an InvalidPageTokenError: the SDK would
// otherwise fail with a TypeError inside its parser, or quietly start again at the first page.
import type { Container, SqlQuerySpec } from '@azure/cosmos';
import { InvalidPageTokenError } from '../distribution/ports';
import { cosmosStatus } from './cosmosStatus';

/** The SDK's continuation tokens of cross-partition queries are JSON objects or arrays. */
function looksContinuable(token: string): boolean {
  try {
    const parsed: unknown = JSON.parse(token);
    return typeof parsed === 'object' && parsed !== null;
  } catch {
    return false;
  }
}

export async function fetchPage<R>(container: Container, query: SqlQuerySpec | string, pageSize: number, continuationToken: string | undefined): Promise<{ resources: R[]; continuationToken: string | undefined }> {
  if (continuationToken !== undefined && !looksContinuable(continuationToken)) throw new InvalidPageTokenError('not a continuation token of this query');
  try {
    const page = await container.items.query<R>(query, { maxItemCount: pageSize, ...(continuationToken !== undefined ? { continuationToken } : {}) }).fetchNext();
    return { resources: page.resources, continuationToken: page.continuationToken ?? undefined };
  } catch (err) {
    if (continuationToken !== undefined && cosmosStatus(err) === 400) throw new InvalidPageTokenError(`Cosmos DB could not continue from the token: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}
