// Announcing an offer: the ring-out timer and the agent's notification go out together, so the
// agent does not wait for the timer's round trip; a failure of either fails the round only once
// both have settled, and the next round announces the offer again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import { createMemoryDistribution } from '../../support/memoryDistribution';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

async function oneTask() {
  const w = createMemoryDistribution();
  await w.services.create(makeService('s'));
  await w.agents.create(makeAgent('ann', [duty('s')]));
  const { task } = await createTask({ serviceId: 's', channel: 'external', idempotencyKey: 'k' }, w.deps);
  return { w, offerId: `${task.id}.offer-1` };
}

describe('announcing an offer', () => {
  it('tells the agent while the ring-out timer is still being scheduled', async () => {
    const { w, offerId } = await oneTask();
    let notifiedWhileTimerPending: boolean | undefined;
    w.world.beforeIo = async (label) => {
      if (label !== 'timeouts.schedule') return;
      // The timer's round trip: a notification sent alongside it lands meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      notifiedWhileTimerPending = w.notifier.events.has(offerId);
    };
    await distribute('s', w.deps);
    assert.equal(notifiedWhileTimerPending, true, 'the agent was notified before the timer was scheduled');
    assert.ok(w.timeouts.scheduled.has(`offer:${offerId}`), 'and the timer was scheduled');
  });

  it('a failed timer fails the round after the notification settled, and the next round schedules it', async () => {
    const { w, offerId } = await oneTask();
    const schedule = w.deps.timeouts.schedule.bind(w.deps.timeouts);
    let failures = 1;
    let notificationSettled = false;
    const notify = w.deps.notifier.notify.bind(w.deps.notifier);
    const deps = {
      ...w.deps,
      timeouts: { schedule: async (...args: Parameters<typeof schedule>) => (failures-- > 0 ? Promise.reject(new Error('broker down')) : schedule(...args)) },
      notifier: {
        notify: async (...args: Parameters<typeof notify>) => {
          await new Promise((resolve) => setImmediate(resolve));
          await notify(...args);
          notificationSettled = true;
        },
      },
    };
    await assert.rejects(distribute('s', deps), /broker down/);
    assert.ok(notificationSettled, 'the round failed only once the notification had settled');
    assert.equal(w.timeouts.scheduled.has(`offer:${offerId}`), false);
    await distribute('s', deps);
    assert.ok(w.timeouts.scheduled.has(`offer:${offerId}`), 'the next round scheduled the timer');
    assert.equal((await w.tasks.read(offerId.replace('.offer-1', '')))!.value.state, 'offered');
  });
});
