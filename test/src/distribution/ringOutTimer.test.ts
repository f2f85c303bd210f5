// An offer's ring-out timer goes out with the task's claim, before the agent's slot is claimed, so
// no agent ever holds a slot without the timer that frees it, whatever becomes of the round; the
// agent is told once the slot is theirs. A timer of a claim that did not hold does nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelTask } from '../../../src/distribution/cancelTask';
import { changePriority } from '../../../src/distribution/changePriority';
import { distribute } from '../../../src/distribution/distribute';
import { expireOffer } from '../../../src/distribution/offerDecisions';
import { handleTimeout } from '../../../src/distribution/timeouts';
import { newOffer } from '../../../src/distribution/offerClaims';
import { PreconditionFailedError } from '../../../src/distribution/ports';
import { chooseAgent } from '../../../src/domain/routing';
import { openOffer } from '../../../src/domain/task';
import { crashingDeps, CrashError, onceBefore } from '../../support/memoryDistribution';
import { annWithOneTask } from '../../support/distributionFixtures';

async function oneTask() {
  const { w, task } = await annWithOneTask({ ann: { imCapacity: 1 } });
  return { w, taskId: task.id, offerId: `${task.id}.offer-1` };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the ring-out timer', () => {
  it('goes out while the task is claimed; the slot is claimed once it is scheduled, and the agent is told after', async () => {
    const { w, offerId } = await oneTask();
    const order: string[] = [];
    let timerWhileClaiming = false;
    w.world.beforeIo = async (label) => {
      order.push(label);
      if (label === 'tasks.offerQueued') {
        // The claim's round trip: a timer sent alongside it is scheduled meanwhile.
        for (let i = 0; i < 5; i++) await tick();
        timerWhileClaiming = order.includes('timeouts.schedule');
      }
      if (label === 'agents.replace') order.push(w.notifier.events.has(offerId) ? 'told' : 'not told yet');
    };
    await distribute('s', w.deps);
    assert.ok(timerWhileClaiming, 'the timer was scheduled while the task was being claimed');
    assert.ok(order.indexOf('timeouts.schedule') < order.indexOf('agents.replace'), `timer before slot: ${order.join(', ')}`);
    assert.equal(order[order.indexOf('agents.replace') + 1], 'not told yet');
    assert.ok(w.notifier.events.has(offerId), 'then the agent was told');
  });

  it('that fails fails the round before any slot is claimed; the next round schedules it, then claims the slot and tells the agent', async () => {
    const { w, taskId, offerId } = await oneTask();
    let failures = 1;
    const schedule = w.deps.timeouts.schedule.bind(w.deps.timeouts);
    const deps = { ...w.deps, timeouts: { schedule: (...args: Parameters<typeof schedule>) => (failures-- > 0 ? Promise.reject(new Error('broker down')) : schedule(...args)) } };
    await assert.rejects(distribute('s', deps), /broker down/);
    assert.equal((await w.tasks.read(taskId))!.value.state, 'offered', 'the task stays claimed');
    assert.deepEqual((await w.agents.read('ann'))!.value.offers, [], 'no slot without its timer');
    assert.equal(w.notifier.events.size, 0);
    await distribute('s', deps);
    const task = (await w.tasks.read(taskId))!.value;
    assert.equal(w.timeouts.ringOutOf(task, openOffer(task)!)?.delivered, false, 'the next round scheduled the timer');
    assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.offerId), [offerId]);
    assert.ok(w.notifier.events.has(offerId));
  });

  it('frees the slot of a round that died right after claiming it for a task a cancel settled meanwhile', async () => {
    const { w, taskId, offerId } = await oneTask();
    // The customer leaves while the round claims Ann's slot: the cancel finds no slot to free.
    onceBefore(w, 'agents.replace', () => cancelTask(taskId, 'customer left', w.deps));
    // The round dies right after claiming Ann's slot.
    await assert.rejects(distribute('s', crashingDeps(w.deps, 1, 'agents')), CrashError);
    assert.equal((await w.tasks.read(taskId))!.value.state, 'cancelled');
    assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.offerId), [offerId], 'the slot landed after the cancel');
    assert.equal(w.queue.entries.size, 0, 'and no queue entry is left for a round to resume from');
    await distribute('s', w.deps);
    assert.equal((await w.agents.read('ann'))!.value.offers.length, 1, 'no round frees it');

    const task = (await w.tasks.read(taskId))!.value;
    const timer = w.timeouts.ringOutOf(task, task.offers[0]!);
    assert.equal(timer?.delivered, false, 'the timer is still to come');
    w.signal.requests.length = 0;
    w.clock.advance(30_000);
    await expireOffer(offerId, w.deps, task.offers[0]!.expiresAt);
    const ann = (await w.agents.read('ann'))!.value;
    assert.deepEqual(ann.offers, [], 'the timer freed the slot');
    assert.equal(ann.rona, null, 'and put nobody into RONA');
    assert.deepEqual(w.signal.requests.map((r) => r.serviceId), ['s'], 'a round is asked for the freed slot');
  });

  it('rings an announced offer out into RONA, and withdraws one a round died before announcing, putting nobody into RONA', async () => {
    for (const announced of [true, false]) {
      const { w, taskId, offerId } = await oneTask();
      // Announced: a whole round. Not: the round dies right after claiming Ann's slot, before telling her.
      if (announced) await distribute('s', w.deps);
      else await assert.rejects(distribute('s', crashingDeps(w.deps, 1, 'agents')), CrashError);
      assert.equal(w.notifier.events.has(offerId), announced);
      assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.offerId), [offerId]);
      const offer = (await w.tasks.read(taskId))!.value.offers[0]!;
      w.clock.advance(30_000);
      await expireOffer(offerId, w.deps, offer.expiresAt);
      const task = (await w.tasks.read(taskId))!.value;
      assert.equal(task.offers[0]?.outcome, announced ? 'rona' : 'withdrawn');
      assert.equal(task.state, 'queued', 'the task is back at its place');
      const ann = (await w.agents.read('ann'))!.value;
      assert.deepEqual(ann.offers, [], 'the slot is freed');
      assert.equal(ann.rona?.taskId ?? null, announced ? taskId : null, announced ? 'the agent who let it ring goes into RONA' : 'the agent never told goes into no RONA');
    }
  });

  it('of a claim that did not hold does nothing, though the offer id was claimed again', async () => {
    const { w, taskId, offerId } = await oneTask();
    // The task changes between the read of its entry and its claim: the claim fails, its timer is out.
    onceBefore(w, 'tasks.offerQueued', async () => {
      await changePriority(taskId, 5, w.deps);
      w.clock.advance(10);
    });
    await distribute('s', w.deps);
    const offers = [...w.timeouts.scheduled.values()].map((t) => t.message).filter((m) => m.kind === 'offer');
    assert.equal(offers.length, 2, 'two claims of the same offer id, two timers');
    const task = (await w.tasks.read(taskId))!.value;
    const open = openOffer(task)!;
    assert.equal(open.offerId, offerId);
    const stale = offers.find((m) => m.expiresAt !== open.expiresAt)!;
    const before = w.tasks.docs.get(taskId)!.etag;
    w.clock.advance(30_000);
    await expireOffer(stale.offerId, w.deps, stale.expiresAt);
    assert.equal(w.tasks.docs.get(taskId)!.etag, before, 'the earlier claim’s timer changed nothing');
    assert.equal(openOffer((await w.tasks.read(taskId))!.value)?.offerId, offerId, 'the offer is still open');
    await expireOffer(offerId, w.deps, open.expiresAt);
    assert.equal((await w.tasks.read(taskId))!.value.offers[0]?.outcome, 'rona', 'its own timer rings it out');
  });

  it('of a claim that has not landed finds no offer and writes the task back unchanged, so that the claim, landing later, fails', async () => {
    const { w, taskId } = await oneTask();
    const before = w.tasks.docs.get(taskId)!;
    const entry = (await w.queue.read('s', taskId))!.value;
    const service = (await w.services.read('s'))!.value;
    const decision = chooseAgent(service, { id: taskId, refusedBy: [] }, [(await w.agents.read('ann'))!.value], w.clock.now())!;
    const offer = newOffer(service, taskId, 0, decision, w.clock.now()); // the claim a round sent
    w.clock.advance(30_000);
    await expireOffer(offer.offerId, w.deps, offer.expiresAt);
    const after = w.tasks.docs.get(taskId)!;
    assert.deepEqual(after.value, before.value, 'the task is as it was');
    assert.notEqual(after.etag, before.etag, 'but written');
    await assert.rejects(w.tasks.offerQueued(entry, offer), PreconditionFailedError, 'the late claim fails');
  });

  it('a claim that lands after its own ring-out timer has run fails, so no offer is left open without the timer that rings it out', async () => {
    const { w, task } = await annWithOneTask();
    // The task's claim is slower than the ring-out time: its timer, which went out with it, fires first.
    onceBefore(w, 'tasks.offerQueued', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const [timer] = [...w.timeouts.scheduled.values()];
      assert.ok(timer, 'the ring-out timer went out with the claim');
      w.clock.advance(Date.parse(timer.at) - w.clock.now().getTime());
      timer.delivered = true;
      await handleTimeout(timer.message, w.deps);
    });
    // The round dies once its first write to the task has answered, before it could take a late offer back.
    await assert.rejects(distribute('s', crashingDeps(w.deps, 1, 'tasks')), CrashError);
    const after = (await w.tasks.read(task.id))!.value;
    const open = openOffer(after);
    assert.ok(open, 'the round claimed the task again, as it is now');
    assert.equal(w.timeouts.ringOutOf(after, open)?.delivered, false, 'the open offer has its ring-out timer still to come');
    assert.ok(Date.parse(open.expiresAt) > w.clock.now().getTime(), 'and rings out later');
  });

  it('is not outrun by a slot claim: a slot that lands at the offer’s ring-out time or after it is given back, and the offer withdrawn', async () => {
    const { w, taskId } = await oneTask();
    // The round stalls with its slot claim decided and sent, until past the ring-out time.
    onceBefore(w, 'agents.replace', () => w.clock.advance(30_000));
    await distribute('s', w.deps);
    const task = (await w.tasks.read(taskId))!.value;
    assert.equal(task.offers[0]?.outcome, 'withdrawn', 'the late slot’s offer is withdrawn, not rung out');
    const ann = (await w.agents.read('ann'))!.value;
    assert.equal(ann.rona, null);
    assert.deepEqual(ann.offers.map((o) => o.offerId), [`${taskId}.offer-2`], 'Ann holds the fresh offer only');
  });

  it('is not outrun by a slot that lands just before the ring-out time by a clock up to 2 s behind the broker’s: that slot is given back too', async () => {
    // Ring-out at 30 s. Landing at 28.5 s by the instance's clock may be after 30 s by Service Bus's,
    // after the timer ran; landing at 27.5 s is kept, as it would need more than 2 s of skew.
    for (const [stalledMs, kept] of [
      [28_500, false],
      [27_500, true],
    ] as const) {
      const { w, taskId, offerId } = await oneTask();
      onceBefore(w, 'agents.replace', () => w.clock.advance(stalledMs));
      await distribute('s', w.deps);
      const task = (await w.tasks.read(taskId))!.value;
      assert.equal(task.offers[0]?.outcome, kept ? 'open' : 'withdrawn', `landing at ${stalledMs} ms`);
      const ann = (await w.agents.read('ann'))!.value;
      assert.equal(ann.rona, null);
      assert.deepEqual(ann.offers.map((o) => o.offerId), [kept ? offerId : `${taskId}.offer-2`], kept ? 'Ann keeps the slot' : 'Ann holds the fresh offer only');
      assert.equal(w.notifier.events.has(offerId), kept, kept ? 'and is told' : 'and was never told of the given-back one');
    }
  });

  it('has run when a late slot lands: a round that dies while giving that slot back leaves it to the second look, which frees it', async () => {
    const { w, taskId, offerId } = await oneTask();
    // Ann's slot write stalls 30 s; meanwhile the ring-out timer runs (the offer untold: withdrawn).
    onceBefore(w, 'agents.replace', async () => {
      w.clock.advance(30_000);
      const { expiresAt } = w.tasks.docs.get(taskId)!.value.offers[0]!;
      const timer = w.timeouts.ringOutOf({ id: taskId }, { offerId, expiresAt })!;
      timer.delivered = true;
      await expireOffer(offerId, w.deps, expiresAt);
    });
    // The slot lands late; the round gives it back, and dies after the task's entry is put back.
    await assert.rejects(distribute('s', crashingDeps(w.deps, 1, 'queue')), CrashError);
    w.world.beforeIo = () => Promise.resolve();
    await distribute('s', w.deps); // delivered again: Ann has no free slot, nothing to do
    assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.offerId), [offerId], 'the slot is still held');
    const look = w.timeouts.scheduled.get(`settled-offer:${offerId}`);
    assert.ok(look && !look.delivered, 'the second look is still to come');
    w.clock.advance(5_000);
    look.delivered = true;
    await handleTimeout(look.message, w.deps);
    assert.deepEqual((await w.agents.read('ann'))!.value.offers, [], 'the second look freed it');
    assert.equal((await w.agents.read('ann'))!.value.rona, null);
  });

  it('is not outrun when a round finishes a half-done claim too near its ring-out time: the offer is withdrawn, not completed', async () => {
    const { w, taskId, offerId } = await oneTask();
    // The round dies right after claiming the task; the next comes 28.5 s later.
    await assert.rejects(distribute('s', crashingDeps(w.deps, 1, 'tasks')), CrashError);
    w.clock.advance(28_500);
    await distribute('s', w.deps);
    const task = (await w.tasks.read(taskId))!.value;
    assert.equal(task.offers[0]?.outcome, 'withdrawn');
    assert.equal(w.notifier.events.has(offerId), false, 'Ann was never told of it');
    assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.offerId), [`${taskId}.offer-2`], 'the task was offered afresh');
  });
});
