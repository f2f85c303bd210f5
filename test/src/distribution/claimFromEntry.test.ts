// A round decides and claims a task from its queue entry, conditional on the task's ETag when it
// was queued, without reading the task; a task changed since is read and decided from what it says now.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Offer } from '../../../src/domain/task';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import { declineOffer } from '../../../src/distribution/offerDecisions';
import { createMemoryDistribution } from '../../support/memoryDistribution';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

function countingIo(w: ReturnType<typeof createMemoryDistribution>): Map<string, number> {
  const calls = new Map<string, number>();
  w.world.beforeIo = async (label) => void calls.set(label, (calls.get(label) ?? 0) + 1);
  return calls;
}

describe('claiming a task from its queue entry', () => {
  it('offers queued tasks without reading them, and the entry carries who refused a re-queued task', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    await w.agents.create(makeAgent('ann', [duty('s')], { imCapacity: 3, idleSince: '2026-11-21T08:00:00.000Z' }));
    await w.agents.create(makeAgent('bob', [duty('s')], { imCapacity: 3, idleSince: '2026-11-21T08:05:00.000Z' }));
    const ids: string[] = [];
    for (const key of ['1', '2', '3']) {
      w.clock.advance(1000);
      ids.push((await createTask({ serviceId: 's', channel: 'external', idempotencyKey: key }, w.deps)).task.id);
    }
    const calls = countingIo(w);
    assert.equal((await distribute('s', w.deps)).offers, 3);
    assert.equal(calls.get('tasks.read') ?? 0, 0, 'no task was read');
    assert.equal(calls.get('tasks.offerQueued'), 3);

    // Ann declines the first task: its new entry names her, and the next round offers it to Bob
    // (offer 2), again without reading it.
    const first = ids[0]!;
    const offer = (await w.tasks.read(first))!.value.offers[0]!;
    await declineOffer(offer.agentId, offer.offerId, w.deps);
    const entry = (await w.queue.read('s', first))!.value;
    assert.deepEqual(entry.refusedBy, [offer.agentId]);
    assert.equal(entry.offerCount, 1);
    assert.equal(entry.taskEtag, w.tasks.docs.get(first)!.etag);
    calls.clear();
    await distribute('s', w.deps);
    assert.equal(calls.get('tasks.read') ?? 0, 0, 'no task was read');
    const again = (await w.tasks.read(first))!.value;
    assert.equal(again.state, 'offered');
    assert.equal(again.offers[1]?.offerId, `${first}.offer-2`);
    assert.notEqual(again.offers[1]?.agentId, offer.agentId, 'offered to the agent who had not refused it');
  });

  it('reads a task changed since it was queued and decides from what it says now', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    await w.agents.create(makeAgent('ann', [duty('s')], { idleSince: '2026-11-21T08:00:00.000Z' }));
    await w.agents.create(makeAgent('bob', [duty('s')], { idleSince: '2026-11-21T08:05:00.000Z' }));
    const { task } = await createTask({ serviceId: 's', channel: 'external', idempotencyKey: 'k' }, w.deps);
    // Changed without its entry being written again: Ann (the longest idle) refused it meanwhile.
    const stored = (await w.tasks.read(task.id))!;
    const refused: Offer = {
      offerId: `${task.id}.offer-1`,
      agentId: 'ann',
      offeredAt: '2026-11-21T09:00:00.000Z',
      expiresAt: '2026-11-21T09:00:30.000Z',
      outcome: 'declined',
      decidedAt: '2026-11-21T09:00:05.000Z',
      routing: { policy: 'longest-idle', decidedAt: '2026-11-21T09:00:00.000Z', candidatesConsidered: 1, excluded: [], ranking: [], chosenAgentId: 'ann', decidedBy: 'test' },
      afterCallWork: makeService('s').afterCallWork,
    };
    await w.tasks.replace({ ...stored.value, offers: [refused] }, stored.etag);
    const calls = countingIo(w);
    assert.equal((await distribute('s', w.deps)).offers, 1);
    assert.equal(calls.get('tasks.read'), 1, 'the changed task was read');
    const after = (await w.tasks.read(task.id))!.value;
    assert.equal(after.offers[1]?.offerId, `${task.id}.offer-2`, 'the offer id follows the offers the task has now');
    assert.equal(after.offers[1]?.agentId, 'bob', 'and Ann, who refused it, was passed over');
    assert.deepEqual(w.world.violations, []);
  });
});
