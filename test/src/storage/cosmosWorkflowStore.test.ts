// The Cosmos workflow store against the Cosmos emulator: versions then head, concurrent editors,
// and a version left behind by a crashed publish reclaimed only once it is clearly abandoned.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Container } from '@azure/cosmos';
import type { WorkflowVersion } from '../../../src/domain/workflow/model';
import { AlreadyExistsError, PreconditionFailedError } from '../../../src/distribution/ports';
import { CosmosWorkflowStore } from '../../../src/storage/cosmosWorkflowStore';
import { startTestCosmos, type TestCosmos } from '../../support/cosmosEmulator';

function version(workflowId: string, n: number, createdAt: string, calendarId = 'office'): WorkflowVersion {
  return {
    id: `${workflowId}@${n}`,
    workflowId,
    version: n,
    name: `v${n}`,
    modality: 'IM',
    start: 'hours',
    nodes: [
      { id: 'hours', settings: { type: 'CheckOpeningHours', calendarId }, exits: { open: 'bye', closed: 'bye', holiday: 'bye' } },
      { id: 'bye', settings: { type: 'Disconnect' }, exits: {} },
    ],
    createdAt,
  };
}

describe('CosmosWorkflowStore', () => {
  let cosmos: TestCosmos;
  let container: Container;
  let now = new Date('2026-11-21T10:00:00Z');
  let store: CosmosWorkflowStore;

  before(async () => {
    cosmos = await startTestCosmos();
    container = await cosmos.container({ id: 'workflows', partitionKey: { paths: ['/id'] } });
    store = new CosmosWorkflowStore(container, () => now);
  });
  after(async () => {
    await cosmos?.stop();
  });

  it('publishes version 1, then version 2 under the head ETag; both versions stay readable', async () => {
    const first = await store.publish(version('wf', 1, now.toISOString()), null);
    assert.equal(first.value.currentVersion, 1);
    assert.deepEqual(first.value.calendarIds, ['office']);
    assert.equal(await store.currentVersionId('wf'), 'wf@1');
    await assert.rejects(store.publish(version('wf', 1, now.toISOString()), null), AlreadyExistsError);

    const second = await store.publish(version('wf', 2, now.toISOString(), 'zurich'), first.etag);
    assert.equal(second.value.currentVersion, 2);
    assert.equal(second.value.createdAt, first.value.createdAt, 'the head keeps its creation time');
    assert.equal(await store.currentVersionId('wf'), 'wf@2');
    assert.equal((await store.readVersion('wf@1'))?.name, 'v1');
    assert.equal((await store.readVersion('wf@2'))?.name, 'v2');
    assert.deepEqual(await store.usingCalendar('zurich'), ['wf']);
    assert.deepEqual(await store.usingCalendar('office'), [], 'only current versions count');
    assert.equal(await store.readVersion('wf'), undefined, 'a head is not a version');
    assert.equal(await store.readHead('wf@1'), undefined, 'a version is not a head');
    assert.equal(await store.currentVersionId('nope'), undefined);
  });

  it('lets one of two editors with the same ETag win; the loser writes nothing', async () => {
    const head = await store.readHead('wf');
    assert.ok(head);
    const results = await Promise.allSettled([store.publish(version('wf', 3, now.toISOString()), head.etag), store.publish(version('wf', 3, now.toISOString()), head.etag)]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results));
    const lost = results.find((r) => r.status === 'rejected');
    assert.ok(lost?.status === 'rejected' && lost.reason instanceof PreconditionFailedError);
    assert.equal(await store.currentVersionId('wf'), 'wf@3');
    await assert.rejects(store.publish(version('wf', 4, now.toISOString()), head.etag), PreconditionFailedError, 'a stale ETag');
    assert.equal(await store.readVersion('wf@4'), undefined, 'the refused version was taken back');
  });

  it('reclaims a version a crashed publish left behind, once it is a minute old, but not a fresh one', async () => {
    const head = await store.readHead('wf');
    assert.ok(head);
    // A publish that wrote version 4 and crashed before moving the head.
    await container.items.create({ ...version('wf', 4, now.toISOString()), name: 'crashed', kind: 'version' });
    await assert.rejects(store.publish(version('wf', 4, now.toISOString()), head.etag), PreconditionFailedError, 'it may still be in flight');
    assert.equal(await store.currentVersionId('wf'), 'wf@3');

    now = new Date(now.getTime() + 61_000);
    const published = await store.publish(version('wf', 4, now.toISOString()), head.etag);
    assert.equal(published.value.currentVersion, 4);
    assert.equal((await store.readVersion('wf@4'))?.name, 'v4', 'our version replaced the orphan');
  });

  it('lists heads only, ordered by id, a page at a time', async () => {
    await store.publish(version('another', 1, now.toISOString()), null);
    const first = await store.listHeads(1);
    assert.deepEqual(first.items.map((h) => h.value.id), ['another']);
    assert.ok(first.continuationToken);
    const second = await store.listHeads(10, first.continuationToken);
    assert.deepEqual(second.items.map((h) => h.value.id), ['wf']);
    assert.equal(second.items[0]?.value.currentVersion, 4);
  });
});
