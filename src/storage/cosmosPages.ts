// One page of a cross-partition query, continued from the token of the page before.
//
// Cross-partition ORDER BY runs in the SDK's pipeline from the query plan, as Cosmos DB's gateway
// has it do; forceQueryPlan takes that path at once, so devhost's emulator runs the same code as
// Azure. On that path the SDK takes a continuation token only with enableQueryControl (without it
// the first page came back with no token, so a list ended after one page); it may then answer fewer
// items than asked with more to come, so a page is fetched on until full. The page after a last
// page that came out exactly full is empty.
//
// A token the SDK cannot continue from (edited or made up) is an InvalidPageTokenError: the SDK
// would otherwise fail inside its parser (a 500) or quietly start again at the first page. Its
// tokens name the container they page (`rid`), which is checked here.
import type { Container, SqlQuerySpec } from '@azure/cosmos';
import { InvalidPageTokenError } from '../distribution/ports';
import { cosmosStatus } from './cosmosStatus';

/** Fetches one call makes at most to fill a page (the SDK may answer a partial or empty one). */
const maxFetches = 20;

/** Whether `token` is one of the SDK's continuation tokens for a query of `container`. */
function continuesIn(container: Container, token: string): boolean {
  try {
    const parsed: unknown = JSON.parse(token);
    return typeof parsed === 'object' && parsed !== null && (parsed as { rid?: unknown }).rid === container.url.replace(/^\//, '');
  } catch {
    return false;
  }
}

export async function fetchPage<R>(container: Container, query: SqlQuerySpec | string, pageSize: number, continuationToken: string | undefined): Promise<{ resources: R[]; continuationToken: string | undefined }> {
  if (continuationToken !== undefined && !continuesIn(container, continuationToken)) throw new InvalidPageTokenError('not a continuation token of this query');
  let token = continuationToken;
  const resources: R[] = [];
  try {
    // The SDK may answer fewer items than asked, with more to come: fetched on until the page is full.
    for (let fetches = 0; fetches < maxFetches && resources.length < pageSize; fetches++) {
      const options = { maxItemCount: pageSize - resources.length, forceQueryPlan: true, enableQueryControl: true, ...(token !== undefined ? { continuationToken: token } : {}) };
      const page = await container.items.query<R>(query, options).fetchNext();
      resources.push(...page.resources);
      token = page.continuationToken ?? undefined;
      if (token === undefined) break;
    }
    return { resources, continuationToken: token };
  } catch (err) {
    if (continuationToken !== undefined && cosmosStatus(err) === 400) throw new InvalidPageTokenError(`Cosmos DB could not continue from the token: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}
