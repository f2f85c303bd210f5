// devhost's Cosmos emulator answers the SDK's query plan requests with a plan, as the gateway does,
// instead of running them as a second copy of the query; queries return what they returned before,
// also when the SDK is made to follow the plan.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MetadataLookUpType, type Container, type CosmosDiagnostics } from '@azure/cosmos';
import { passThroughPlan } from '../../devhost/emulators/cosmosQueryPlan';
import { startTestCosmos, type TestCosmos } from '../support/cosmosEmulator';

describe('devhost Cosmos query plans', () => {
  let cosmos: TestCosmos;
  let container: Container;

  before(async () => {
    cosmos = await startTestCosmos();
    container = await cosmos.container(
      {
        id: 'queue',
        partitionKey: { paths: ['/serviceId'] },
        indexingPolicy: { compositeIndexes: [[{ path: '/priority', order: 'descending' }, { path: '/enqueueOrder', order: 'ascending' }]] },
      },
      'plans',
    );
    for (let i = 0; i < 6; i++) await container.items.create({ id: `e${i}`, serviceId: i % 2 === 0 ? 's1' : 's2', priority: i % 3, enqueueOrder: `k${i}` });
  });

  after(async () => {
    await cosmos?.stop();
  });

  it('answers a query plan request with a plan and runs nothing', async () => {
    const response = await fetch(`${cosmos.endpoint}/dbs/plans/colls/queue/docs`, {
      method: 'POST',
      headers: { 'content-type': 'application/query+json', 'x-ms-cosmos-is-query-plan-request': 'True', 'x-ms-documentdb-isquery': 'True' },
      body: JSON.stringify({ query: 'SELECT TOP 2 * FROM q ORDER BY q.priority DESC, q.enqueueOrder ASC' }),
    });
    assert.equal(response.status, 200);
    const plan = (await response.json()) as { Documents?: unknown; queryInfo?: { orderBy?: unknown[] }; queryRanges?: unknown[] };
    assert.equal(plan.Documents, undefined, 'no documents: the query was not run');
    assert.deepEqual(plan.queryInfo?.orderBy, []);
    assert.deepEqual(plan.queryRanges, [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }]);
  });

  for (const forceQueryPlan of [false, true]) {
    it(`queries return the same rows${forceQueryPlan ? ' when the SDK follows the plan' : ''}, and the SDK's plan look-ups get the plan`, async () => {
      const head = await container.items
        .query({ query: 'SELECT TOP 2 * FROM q WHERE q.serviceId = @s ORDER BY q.priority DESC, q.enqueueOrder ASC', parameters: [{ name: '@s', value: 's1' }] }, { partitionKey: 's1', forceQueryPlan })
        .fetchAll();
      assert.deepEqual(
        head.resources.map((r) => r.id),
        ['e2', 'e4'],
      );
      const count = await container.items.query('SELECT VALUE COUNT(1) FROM q', { forceQueryPlan }).fetchAll();
      assert.deepEqual(count.resources, [6]);
      const across = await container.items.query('SELECT * FROM q WHERE q.priority = 0', { forceQueryPlan }).fetchAll();
      assert.deepEqual(across.resources.map((r) => r.id).sort(), ['e0', 'e3']);

      const planSize = Buffer.byteLength(JSON.stringify(passThroughPlan));
      for (const diagnostics of [head.diagnostics, count.diagnostics, across.diagnostics] as CosmosDiagnostics[]) {
        const lookups = diagnostics.clientSideRequestStatistics.metadataDiagnostics.metadataLookups.filter((l) => l.metaDataType === MetadataLookUpType.QueryPlanLookUp);
        // Made to follow the plan, the SDK waits for it before the query. Otherwise it asks for the
        // plan alongside the query without waiting, and the look-up is in the query's diagnostics
        // only when its answer came first (the first test asks the emulator for a plan directly).
        if (forceQueryPlan) assert.ok(lookups.length >= 1, 'the SDK asks for a plan before each query');
        for (const lookup of lookups) assert.equal(lookup.responsePayloadLengthInBytes, planSize, 'and gets the plan, not the rows');
      }
    });
  }
});
