// Offers ringing for an agent who may no longer hold them (membership, licence, duty or capacity
// changed) are recalled, also when the change's own recall was cut short, and never at the cost
// of a chat the agent had accepted already.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distribute } from '../../../src/distribution/distribute';
import { acceptOffer, expireOffer, recallWhile } from '../../../src/distribution/offerDecisions';
import { offersToRecall } from '../../../src/domain/agent';
import { createTask } from '../../../src/distribution/createTask';
import { crashingDeps, CrashError } from '../../support/memoryDistribution';
import { annWithOneTask } from '../../support/distributionFixtures';

/** Writes the agent as an admin change would, without the recall that change makes (it died first). */
async function changeAnn(w: Awaited<ReturnType<typeof annWithOneTask>>['w'], change: Parameters<typeof Object.assign>[1]): Promise<void> {
  const ann = (await w.agents.read('ann'))!;
  await w.agents.replace({ ...ann.value, ...change }, ann.etag);
}

describe('offers an agent may no longer hold', () => {
  it('a retried accept of a chat connected before the agent lost the membership answers the chat, not a recall', async () => {
    const { w, task } = await annWithOneTask();
    await distribute('s', w.deps);
    const offerId = `${task.id}.offer-1`;
    // The first accept wrote the task and died before writing the agent.
    await assert.rejects(acceptOffer('ann', offerId, crashingDeps(w.deps, 1)), CrashError);
    assert.equal((await w.tasks.read(task.id))!.value.state, 'connected');
    await changeAnn(w, { memberships: [] });
    const retried = await acceptOffer('ann', offerId, w.deps);
    assert.deepEqual([retried.state, retried.assignedAgentId], ['connected', 'ann']);
    const ann = (await w.agents.read('ann'))!.value;
    assert.deepEqual([ann.offers, ann.tasks.map((t) => t.taskId)], [[], [task.id]], 'the slot is the chat now');
    assert.deepEqual(w.world.violations, []);
  });

  it("an offer whose agent lost the licence, and whose recall was cut short, is recalled at its ring-out, not rung out into RONA", async () => {
    const { w, task } = await annWithOneTask();
    await distribute('s', w.deps);
    await changeAnn(w, { imLicensed: false });
    const offer = (await w.tasks.read(task.id))!.value.offers[0]!;
    const after = await expireOffer(offer.offerId, w.deps, offer.expiresAt);
    assert.deepEqual([after.state, after.offers[0]?.outcome], ['queued', 'recalled']);
    const ann = (await w.agents.read('ann'))!.value;
    assert.deepEqual([ann.rona, ann.offers], [null, []], 'no RONA, the slot freed');
    assert.equal(w.notifier.events.get(`${offer.offerId}.withdrawn`)?.event.type, 'offer-withdrawn', 'she is told');
  });

  it('a capacity cut recalls the newest offers; one the agent accepted meanwhile stays, and another goes in its place', async () => {
    const { w, task } = await annWithOneTask({ ann: { imCapacity: 2 } });
    w.clock.advance(1000);
    const second = (await createTask({ serviceId: 's', channel: 'external', idempotencyKey: 'k2' }, w.deps)).task;
    await distribute('s', w.deps);
    const before = (await w.agents.read('ann'))!.value;
    assert.equal(before.offers.length, 2);
    assert.deepEqual(offersToRecall({ ...before, imCapacity: 1 }).map((o) => o.taskId), [second.id], 'the newest goes back');
    // The admin's cut lands as she accepts the newest offer: the recall starts from the agent as the cut wrote her.
    await acceptOffer('ann', `${second.id}.offer-1`, w.deps);
    await changeAnn(w, { imCapacity: 1 });
    const after = await recallWhile({ ...before, imCapacity: 1 }, offersToRecall, w.deps);
    assert.deepEqual([after.offers, after.tasks.map((t) => t.taskId)], [[], [second.id]], 'within the cut capacity: the accepted chat only');
    assert.deepEqual([(await w.tasks.read(task.id))!.value.offers[0]?.outcome, (await w.tasks.read(second.id))!.value.offers[0]?.outcome], ['recalled', 'accepted']);
    // (The cut itself leaves her over capacity until the recall: the world's capacity check says so, by design.)
  });
});
