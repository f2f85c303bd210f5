// An agent who goes busy, away or offline while offers ring for them: the offers are recalled at
// once (the task back at its place, their slot freed, no RONA), not left to ring out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setPresence } from '../../../src/distribution/agentState';
import { distribute } from '../../../src/distribution/distribute';
import { acceptOffer, expireOffer } from '../../../src/distribution/offerDecisions';
import { DomainError } from '../../../src/domain/errors';
import { crashingDeps, CrashError } from '../../support/memoryDistribution';
import { annWithOneTask, duty, makeAgent } from '../../support/distributionFixtures';

async function offeredToAnn() {
  const { w, task } = await annWithOneTask({ ann: { imCapacity: 1 } });
  await distribute('s', w.deps);
  return { w, taskId: task.id, offerId: `${task.id}.offer-1` };
}

describe('going not available', () => {
  for (const presence of ['busy', 'away', 'offline'] as const) {
    it(`(${presence}) recalls the offer ringing for the agent: the task goes back to its place and to the next agent, the agent is told, and nobody goes into RONA`, async () => {
      const { w, taskId, offerId } = await offeredToAnn();
      await w.agents.create(makeAgent('bob', [duty('s')]));
      w.signal.requests.length = 0;
      const ann = await setPresence('ann', { presence, reason: 'training' }, w.deps);
      assert.deepEqual([ann.presence, ann.offers, ann.rona], [presence, [], null], 'the answer shows her without the offer');
      const task = (await w.tasks.read(taskId))!.value;
      assert.deepEqual([task.state, task.offers[0]?.outcome], ['queued', 'recalled']);
      assert.ok(await w.queue.read('s', taskId), 'back in the queue');
      assert.equal(w.notifier.events.get(`${offerId}.withdrawn`)?.event.type, 'offer-withdrawn', 'Ann is told');
      assert.deepEqual(w.signal.requests.map((r) => r.serviceId), ['s'], 'a round is asked for');
      await assert.rejects(acceptOffer('ann', offerId, w.deps), (err: unknown) => err instanceof DomainError && err.code === 'OFFER.NOT_OPEN');
      await distribute('s', w.deps);
      assert.equal((await w.tasks.read(taskId))!.value.offers.at(-1)?.agentId, 'bob');
      // Its ring-out timer, when it comes, changes nothing.
      const before = w.tasks.docs.get(taskId)!.etag;
      await expireOffer(offerId, w.deps, task.offers[0]!.expiresAt);
      assert.equal(w.tasks.docs.get(taskId)!.etag, before);
      assert.equal((await w.agents.read('ann'))!.value.rona, null);
    });
  }

  it('keeps a chat the agent accepted before going away', async () => {
    const { w, taskId, offerId } = await offeredToAnn();
    await acceptOffer('ann', offerId, w.deps);
    const ann = await setPresence('ann', { presence: 'away', reason: 'lunch' }, w.deps);
    assert.deepEqual(ann.tasks.map((t) => t.taskId), [taskId]);
    assert.equal((await w.tasks.read(taskId))!.value.state, 'connected');
  });

  it('recalls the offer on the retry of a request that died after writing the presence', async () => {
    const { w, taskId } = await offeredToAnn();
    await assert.rejects(setPresence('ann', { presence: 'away', reason: 'lunch' }, crashingDeps(w.deps, 1)), CrashError);
    assert.equal((await w.tasks.read(taskId))!.value.state, 'offered', 'the first attempt died before the recall');
    await setPresence('ann', { presence: 'away', reason: 'lunch' }, w.deps);
    assert.equal((await w.tasks.read(taskId))!.value.offers[0]?.outcome, 'recalled');
    assert.deepEqual((await w.agents.read('ann'))!.value.offers, []);
  });
});
