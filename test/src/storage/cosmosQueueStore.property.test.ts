// The Cosmos queue store against the Cosmos emulator: the position it reports for an entry (how many
// entries are ahead of it, a COUNT query) is its place in the order the distributor takes the head
// in (a TOP ... ORDER BY query), for random queues with equal priorities and equal arrival times.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IndexingPolicy } from '@azure/cosmos';
import fc from 'fast-check';
import { resourceManifest } from '../../../src/config/resourceManifest';
import type { QueueEntry } from '../../../src/distribution/ports';
import { enqueueOrderKey } from '../../../src/domain/queueOrder';
import { CosmosQueueStore } from '../../../src/storage/cosmosQueueStore';
import { startTestCosmos, type TestCosmos } from '../../support/cosmosEmulator';

const epoch = Date.parse('2026-11-21T10:00:00.000Z');

describe('CosmosQueueStore (fast-check, against the emulator)', () => {
  let cosmos: TestCosmos;
  let queue: CosmosQueueStore;
  let run = 0;

  before(async () => {
    cosmos = await startTestCosmos();
    // As deployed: the manifest's partition key and composite index.
    const manifest = resourceManifest.cosmos.containers.find((c) => c.name === 'queue')!;
    const container = await cosmos.container({ id: manifest.name, partitionKey: { paths: [...manifest.partitionKeyPaths] }, indexingPolicy: manifest.indexingPolicy as IndexingPolicy });
    queue = new CosmosQueueStore(container);
  });

  after(async () => {
    await cosmos?.stop();
  });

  it('the entries ahead of each entry are exactly those before it in the order its head is read in', async () => {
    const entryArb = fc.record({ priority: fc.integer({ min: 0, max: 3 }), atMs: fc.integer({ min: 0, max: 3 }), id: fc.stringMatching(/^[0-9a-f]{8}$/) });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(entryArb, { minLength: 1, maxLength: 12, selector: (e) => e.id }), fc.array(fc.nat(), { maxLength: 3 }), async (arrivals, removals) => {
        const serviceId = `s${++run}`;
        const entries: QueueEntry[] = arrivals.map((a) => ({
          id: a.id,
          serviceId,
          taskId: a.id,
          priority: a.priority,
          enqueueOrder: enqueueOrderKey(new Date(epoch + a.atMs), a.id),
          enqueuedAt: new Date(epoch + a.atMs).toISOString(),
          taskEtag: '"t"',
          offerCount: 0,
          refusedBy: [],
        }));
        for (const entry of entries) await queue.put(entry);
        const removed = new Set(removals.map((n) => entries[n % entries.length]!.taskId));
        for (const taskId of removed) await queue.remove(serviceId, taskId);
        const waiting = entries.filter((e) => !removed.has(e.taskId));

        const head = (await queue.first(serviceId, entries.length)).map((e) => e.value.taskId);
        // The order the specification gives: priority descending, then arrival time, then id.
        const expected = [...waiting].sort((x, y) => y.priority - x.priority || (x.enqueueOrder < y.enqueueOrder ? -1 : 1)).map((e) => e.taskId);
        assert.deepEqual(head, expected);
        for (const entry of waiting) assert.equal(await queue.countAhead(entry), head.indexOf(entry.taskId), `entries ahead of ${entry.taskId}`);
        assert.equal(await queue.length(serviceId), waiting.length);
      }),
      { numRuns: 30 },
    );
  });
});
