// The routing log of offers made in one round: it describes the agents as a fresh read would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTask } from '../../../src/distribution/createTask';
import { setPresence } from '../../../src/distribution/agentState';
import { distribute } from '../../../src/distribution/distribute';
import { declineOffer, expireOffer } from '../../../src/distribution/offerDecisions';
import { createMemoryDistribution } from '../../support/memoryDistribution';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

describe('routing log', () => {
  it("does not list an agent the round has just filled: later offers consider only agents with a free slot", async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    await w.agents.create(makeAgent('ann', [duty('s')], { idleSince: '2026-11-21T08:00:00.000Z' }));
    await w.agents.create(makeAgent('bob', [duty('s')], { idleSince: '2026-11-21T08:05:00.000Z' }));
    const ids: string[] = [];
    for (const key of ['1', '2']) {
      w.clock.advance(1000);
      ids.push((await createTask({ serviceId: 's', channel: 'external', idempotencyKey: key }, w.deps)).task.id);
    }
    await distribute('s', w.deps);
    const [first, second] = await Promise.all(ids.map(async (id) => (await w.tasks.read(id))!.value.offers[0]!.routing));
    assert.deepEqual([first?.chosenAgentId, first?.candidatesConsidered, first?.excluded], ['ann', 2, []]);
    assert.deepEqual([second?.chosenAgentId, second?.candidatesConsidered, second?.excluded], ['bob', 1, []], 'ann, offered the first task in this round, is not considered');
  });

  it('tells an agent who declined the task from one who let it ring out', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    for (const id of ['ann', 'bob', 'cy']) await w.agents.create(makeAgent(id, [duty('s')], { idleSince: `2026-11-21T08:0${['ann', 'bob', 'cy'].indexOf(id)}:00.000Z` }));
    const task = (await createTask({ serviceId: 's', channel: 'external', idempotencyKey: 't' }, w.deps)).task;
    await distribute('s', w.deps); // to Ann, who lets it ring out
    const first = (await w.tasks.read(task.id))!.value.offers[0]!;
    w.clock.advance(30_000);
    await expireOffer(first.offerId, w.deps, first.expiresAt);
    await setPresence('ann', { presence: 'available' }, w.deps);
    await distribute('s', w.deps); // to Bob, who declines
    await declineOffer('bob', `${task.id}.offer-2`, w.deps);
    await distribute('s', w.deps); // to Cy
    const third = (await w.tasks.read(task.id))!.value.offers[2]!;
    assert.equal(third.agentId, 'cy');
    assert.deepEqual(third.routing.excluded, [
      { agentId: 'ann', reason: 'rang-out-before' },
      { agentId: 'bob', reason: 'declined-before' },
    ]);
  });
});
