// Re-queueing puts a task's whole entry from the task as its caller read it, so puts race: one made
// from an older read must not win over the task as it is now (its priority, its state, its service).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setPresence } from '../../../src/distribution/agentState';
import { cancelTask } from '../../../src/distribution/cancelTask';
import { changePriority } from '../../../src/distribution/changePriority';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import { declineOffer, expireOffer } from '../../../src/distribution/offerDecisions';
import { queuePosition } from '../../../src/distribution/queuePosition';
import { createMemoryDistribution, crashingDeps, CrashError, onceBefore } from '../../support/memoryDistribution';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

/** Task A (priority 1) offered to Ann, who is about to decline it (and then go to lunch: `lunch`). */
async function declinedByAnn() {
  const w = createMemoryDistribution();
  await w.services.create(makeService('s'));
  await w.agents.create(makeAgent('ann', [duty('s')]));
  const a = (await createTask({ serviceId: 's', channel: 'external', priority: 1, idempotencyKey: 'a' }, w.deps)).task;
  await distribute('s', w.deps);
  const offer = (await w.tasks.read(a.id))!.value.offers[0]!;
  const lunch = () => setPresence('ann', { presence: 'away', reason: 'lunch' }, w.deps);
  return { w, a, offer, lunch };
}

describe('re-queueing', () => {
  for (const via of ['the decline itself', 'the declined offer’s ring-out timer'] as const) {
    it(`from a read older than a priority change (by ${via}) ends with the entry the task says: the raised task is first in line and offered first`, async () => {
      const { w, a, offer, lunch } = await declinedByAnn();
      // The workflow (Distribution Priority) raises A to 5 right between the re-queuer's read of A and its put.
      const raise = () => changePriority(a.id, 5, w.deps);
      if (via === 'the decline itself') {
        onceBefore(w, 'queue.put', raise);
        await declineOffer('ann', offer.offerId, w.deps);
        await lunch();
      } else {
        await declineOffer('ann', offer.offerId, w.deps);
        await lunch();
        w.clock.advance(30_000); // the declined offer's timer comes at its ring-out time, A still waiting
        onceBefore(w, 'queue.put', raise);
        await expireOffer(offer.offerId, w.deps, offer.expiresAt);
      }
      w.world.beforeIo = () => Promise.resolve();
      w.clock.advance(1000);
      const b = (await createTask({ serviceId: 's', channel: 'external', priority: 3, idempotencyKey: 'b' }, w.deps)).task;

      assert.equal((await w.tasks.read(a.id))!.value.priority, 5);
      assert.equal((await w.queue.read('s', a.id))!.value.priority, 5, 'the entry says priority 5, as the task does');
      assert.equal((await queuePosition(a.id, w.deps)).position, 1, 'A is first in line');
      await setPresence('ann', { presence: 'available' }, w.deps);
      await distribute('s', w.deps);
      assert.deepEqual(
        (await w.agents.read('ann'))!.value.offers.map((o) => o.taskId),
        [a.id],
        `A (priority 5) is offered before B (priority 3, ${b.id})`,
      );
    });
  }

  it('that lands after the task was cancelled takes its entry back: no entry is left for a task that no longer waits', async () => {
    const { w, a, offer } = await declinedByAnn();
    // The customer leaves right between the decline's write and its queue put. (Ann stays available:
    // no round runs here unless asked.)
    onceBefore(w, 'queue.put', () => cancelTask(a.id, 'customer left', w.deps));
    await declineOffer('ann', offer.offerId, w.deps);
    assert.equal((await w.tasks.read(a.id))!.value.state, 'cancelled');
    assert.equal(await w.queue.read('s', a.id), undefined, 'no queue entry left behind');
    assert.equal(await w.queue.length('s'), 0);
  });

  it('that lands after the task was offered again leaves the entry to the rounds: the next one drops it, and nothing is offered twice', async () => {
    const { w, a, offer, lunch } = await declinedByAnn();
    await declineOffer('ann', offer.offerId, w.deps);
    await lunch();
    await w.agents.create(makeAgent('bob', [duty('s')]));
    // The declined offer's timer re-queues A from its read of A, and before its put lands a round
    // offers A to Bob (from the decline's entry, which it then removes).
    w.clock.advance(30_000);
    onceBefore(w, 'queue.put', () => distribute('s', w.deps));
    w.signal.requests.length = 0;
    await expireOffer(offer.offerId, w.deps, offer.expiresAt);
    const task = (await w.tasks.read(a.id))!.value;
    assert.equal(task.state, 'offered');
    assert.equal(task.offers.at(-1)?.agentId, 'bob', 'A is offered to Bob');
    assert.ok(await w.queue.read('s', a.id), 'the late put stays: a round may have claimed A from it');
    assert.ok(w.signal.requests.some((r) => r.serviceId === 's'), 'and a round is asked for');
    await distribute('s', w.deps);
    assert.equal(await w.queue.read('s', a.id), undefined, 'which drops it');
    const after = (await w.tasks.read(a.id))!.value;
    assert.deepEqual([after.state, after.offers.length, after.offers.at(-1)?.outcome], ['offered', task.offers.length, 'open'], 'Bob’s offer goes on; no other is made');
    assert.deepEqual((await w.agents.read('bob'))!.value.offers.map((o) => o.taskId), [a.id]);
  });

  it('whose check finds the task claimed by a round that then dies leaves the entry the round is resumed from: the agent is told, and not rung out for an offer never shown', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    await w.agents.create(makeAgent('bob', [duty('s')]));
    await w.agents.create(makeAgent('ann', [duty('s')], { presence: 'busy' }));
    const a = (await createTask({ serviceId: 's', channel: 'external', idempotencyKey: 'a' }, w.deps)).task;
    await distribute('s', w.deps);
    await setPresence('ann', { presence: 'available' }, w.deps);
    // Bob declines; between the decline's put and its check, a round claims A for Ann from that entry,
    // claims her slot, and dies before telling her.
    let put = false;
    let fired = false;
    w.world.beforeIo = async (label) => {
      if (label === 'queue.put') put = true;
      else if (put && !fired && label === 'tasks.read') {
        fired = true;
        await assert.rejects(distribute('s', crashingDeps(w.deps, 1, 'agents')), CrashError);
      }
    };
    await declineOffer('bob', `${a.id}.offer-1`, w.deps);
    w.world.beforeIo = () => Promise.resolve();
    assert.ok(fired);
    const offer = (await w.tasks.read(a.id))!.value.offers[1]!;
    assert.deepEqual([offer.agentId, offer.outcome], ['ann', 'open']);
    await distribute('s', w.deps); // the dead round's message, delivered again
    assert.ok(w.notifier.events.has(offer.offerId), 'the resumed round tells Ann');
    w.clock.advance(30_000);
    await expireOffer(offer.offerId, w.deps, offer.expiresAt);
    assert.ok((await w.agents.read('ann'))!.value.rona, 'a told offer rings out into RONA, as it should');
  });
});
