// The routing log of offers made in one round: it describes the agents as a fresh read would.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
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
});
