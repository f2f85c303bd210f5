// An offer a cancel or a transfer settles while the round that made it is still claiming the
// agent's slot: the slot lands after the settlement freed nothing. The second look, seconds later,
// frees it and tells the agent again, so the agent is not held until the offer's ring-out time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelTask } from '../../../src/distribution/cancelTask';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import { handleTimeout } from '../../../src/distribution/timeouts';
import { transferTask } from '../../../src/workflow/taskSteps';
import { annWithOneTask, makeService } from '../../support/distributionFixtures';
import { onceBefore } from '../../support/memoryDistribution';

describe('an offer settled while its slot is being claimed', () => {
  for (const by of ['a cancel', 'a transfer'] as const) {
    it(`(by ${by}) has its slot freed by the second look, 5 s later, and the agent told it is withdrawn; she then gets the next task`, async () => {
      const { w, task } = await annWithOneTask({ ann: { imCapacity: 1 } });
      await w.services.create(makeService('t'));
      w.clock.advance(1000);
      const next = (await createTask({ serviceId: 's', channel: 'external', idempotencyKey: 'next' }, w.deps)).task;
      const offerId = `${task.id}.offer-1`;
      // The settlement lands while the round claims Ann's slot: it finds no slot to free.
      onceBefore(w, 'agents.replace', () => (by === 'a cancel' ? cancelTask(task.id, 'customer left', w.deps) : transferTask(task.id, 't', w.deps)));
      await distribute('s', w.deps);
      w.world.beforeIo = () => Promise.resolve();
      assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.offerId), [offerId], 'the slot landed after the settlement');

      const look = w.timeouts.scheduled.get(`settled-offer:${offerId}`);
      assert.ok(look, 'the second look is scheduled');
      assert.equal(Date.parse(look.at) - w.clock.now().getTime(), 5_000, 'due 5 s after the settlement');
      w.clock.advance(5_000);
      w.notifier.events.delete(`${offerId}.withdrawn`);
      w.signal.requests.length = 0;
      await handleTimeout(look.message, w.deps);
      assert.deepEqual((await w.agents.read('ann'))!.value.offers, [], 'the second look freed the slot');
      assert.equal(w.notifier.events.get(`${offerId}.withdrawn`)?.event.type, 'offer-withdrawn', 'and told Ann again that the offer is withdrawn');
      assert.deepEqual(w.signal.requests.map((r) => r.serviceId), ['s'], 'and asked for a round where the offer was made');
      await distribute('s', w.deps);
      assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.taskId), [next.id], 'Ann is offered the next task, 25 s before the ring-out time');
    });
  }

  it('whose slot the settlement freed itself: the second look changes nothing', async () => {
    const { w, task } = await annWithOneTask({ ann: { imCapacity: 1 } });
    await distribute('s', w.deps);
    await cancelTask(task.id, 'customer left', w.deps);
    const ann = w.agents.docs.get('ann')!.etag;
    const look = w.timeouts.scheduled.get(`settled-offer:${task.id}.offer-1`)!;
    await handleTimeout(look.message, w.deps);
    assert.equal(w.agents.docs.get('ann')!.etag, ann, 'Ann is not written');
  });
});
