// Pages of a cross-partition ORDER BY query against the Cosmos emulator, on the SDK's query-plan
// pipeline as in Azure: every item once, in order, full pages; tokens of another container, made up
// or edited are refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Container } from '@azure/cosmos';
import { InvalidPageTokenError } from '../../../src/distribution/ports';
import { fetchPage } from '../../../src/storage/cosmosPages';
import { startTestCosmos, type TestCosmos } from '../../support/cosmosEmulator';

describe('fetchPage', () => {
  let cosmos: TestCosmos;
  let items: Container;
  let others: Container;
  const query = 'SELECT * FROM c ORDER BY c.id';

  before(async () => {
    cosmos = await startTestCosmos();
    items = await cosmos.container({ id: 'items', partitionKey: { paths: ['/id'] } });
    others = await cosmos.container({ id: 'others', partitionKey: { paths: ['/id'] } });
    for (let i = 0; i < 7; i++) await items.items.create({ id: `i${i}` });
    await others.items.create({ id: 'o1' });
    await others.items.create({ id: 'o2' });
  });
  after(async () => {
    await cosmos?.stop();
  });

  it('pages through every item once, in order, each page full but the last, which has no token', async () => {
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await fetchPage<{ id: string }>(items, query, 3, token);
      pages.push(page.resources.map((r) => r.id));
      token = page.continuationToken;
    } while (token !== undefined && pages.length < 10);
    assert.deepEqual(pages, [['i0', 'i1', 'i2'], ['i3', 'i4', 'i5'], ['i6']]);
  });

  it("refuses a token of another container's query, a made-up one and an edited one", async () => {
    const theirs = (await fetchPage(others, query, 1, undefined)).continuationToken;
    assert.ok(theirs);
    const ours = (await fetchPage(items, query, 3, undefined)).continuationToken;
    assert.ok(ours);
    for (const token of [theirs, '{}', 'null', 'garbage', '', ours.replace('"rid":"', '"rid":"x')]) {
      await assert.rejects(fetchPage(items, query, 3, token), InvalidPageTokenError, JSON.stringify(token));
    }
  });
});
