// Query plans for devhost's Cosmos emulator. Before every query the SDK asks the gateway for the
// query's plan (a POST flagged `x-ms-cosmos-is-query-plan-request`), concurrently with the query
// itself. @vercel/cosmosdb-server does not know the flag and runs that request as a second copy of
// the query, so each query cost the emulator two executions and answered the plan request with
// documents. Cosmos DB's gateway answers it with a plan and runs nothing; so does this, and since
// the emulator runs every query whole (ordering, TOP, aggregates) in its one partition range, the
// plan it gives is the plain one: send the query as it is to the whole range. The SDK follows a
// plan only when the gateway refuses to run a query itself, which this emulator never does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

const planHeader = 'x-ms-cosmos-is-query-plan-request';

export function isQueryPlanRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && String(req.headers[planHeader] ?? '').toLowerCase() === 'true';
}

/** The plan of a query this emulator runs whole: no client-side ordering, paging or aggregation. */
export const passThroughPlan = {
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: 'None',
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: '',
    hasSelectValue: false,
    dCountInfo: null,
    hasNonStreamingOrderBy: false,
  },
  queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
} as const;

/** Answers a query plan request (its body, the query, is read and not run). */
export function answerQueryPlan(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.once('end', () => {
    res.statusCode = 200;
    res.setHeader('content-type', 'application/json');
    res.setHeader('connection', 'keep-alive');
    res.setHeader('x-ms-activity-id', randomUUID());
    res.setHeader('x-ms-request-charge', '0');
    res.end(JSON.stringify(passThroughPlan));
  });
}
