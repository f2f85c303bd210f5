// Repairs the code review asked for: late or repeated calls must not hand an agent a slot back,
// and an ACW whose extension lost its timer still ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acwTimedOut, endAcw, extendAcw, finishTask } from '../../../src/distribution/afterCallWork';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import type { Agent } from '../../../src/domain/agent';
import { DomainError } from '../../../src/domain/errors';
import { acceptOffer, declineOffer, expireOffer } from '../../../src/distribution/offerDecisions';
import { createMemoryDistribution, CrashError, type MemoryDistribution } from '../../support/memoryDistribution';
import { annWithOneTask, duty, makeAgent, makeService } from '../../support/distributionFixtures';

async function connected(service = makeService('s')) {
  const { w, task } = await annWithOneTask({ service });
  await distribute('s', w.deps);
  const offerId = (await w.agents.read('ann'))!.value.offers[0]!.offerId;
  await acceptOffer('ann', offerId, w.deps);
  return { w, taskId: task.id, offerId };
}

/**
 * A task whose round died after its `afterWrite`-th write, before announcing the offer: by default
 * after the task's claim, its ring-out timer and Ann's slot.
 */
async function halfClaimed(afterWrite = 3) {
  const { w, task } = await annWithOneTask();
  w.world.writes = 0;
  w.world.crashAfterWrite = afterWrite;
  await assert.rejects(distribute('s', w.deps), CrashError);
  await w.world.restart();
  return { w, task };
}

/** The accept won: the task is connected with its offer accepted, and Ann holds its slot as the chat's, nothing else. */
async function assertAnnHoldsTheChat(w: MemoryDistribution, taskId: string): Promise<void> {
  const after = (await w.tasks.read(taskId))!.value;
  assert.equal(after.state, 'connected');
  assert.equal(after.offers[0]?.outcome, 'accepted');
  const ann = (await w.agents.read('ann'))!.value;
  assert.deepEqual(ann.tasks.map((t) => t.taskId), [taskId], 'Ann holds the chat she accepted');
  assert.deepEqual(ann.offers, []);
}

describe('distribution repairs', () => {
  it('an accept repeated while the chat goes on changes nothing; after the chat closed it is refused and does not give the agent its slot back', async () => {
    const { w, taskId, offerId } = await connected();
    assert.equal((await acceptOffer('ann', offerId, w.deps)).state, 'connected', 'a repeated accept is answered as the first');
    await finishTask('ann', taskId, w.deps);
    await endAcw('ann', taskId, w.deps);
    assert.deepEqual((await w.agents.read('ann'))!.value.tasks, []);
    const before = { task: w.tasks.docs.get(taskId)?.etag, agent: w.agents.docs.get('ann')?.etag };
    await assert.rejects(acceptOffer('ann', offerId, w.deps), (err: DomainError) => err.code === 'TASK.ILLEGAL_TRANSITION');
    assert.deepEqual({ task: w.tasks.docs.get(taskId)?.etag, agent: w.agents.docs.get('ann')?.etag }, before, 'nothing written');
    assert.deepEqual((await w.agents.read('ann'))!.value.tasks, [], 'no ghost task holding a slot');
  });

  it('an accept before the agent holds the offer’s slot is refused and changes nothing; once the slot is theirs it goes through', async () => {
    const { w, task } = await annWithOneTask({ ann: { imCapacity: 1 } });
    const offerId = `${task.id}.offer-1`;
    let early: unknown;
    let before: string | undefined;
    w.world.beforeIo = async (label) => {
      if (label !== 'agents.replace' || early !== undefined) return;
      // The round has claimed the task and is about to claim Ann's slot: her client guesses the offer id.
      before = w.tasks.docs.get(task.id)?.etag;
      early = await acceptOffer('ann', offerId, w.deps).catch((err: unknown) => err);
    };
    await distribute('s', w.deps);
    assert.ok(early instanceof DomainError && early.code === 'OFFER.NOT_OPEN', `refused: ${String(early)}`);
    assert.match(early.message, /not yet open to agent ann/);
    assert.equal(w.tasks.docs.get(task.id)?.etag, before, 'the task was not written');
    assert.equal((await acceptOffer('ann', offerId, w.deps)).state, 'connected');
    assert.deepEqual((await w.agents.read('ann'))!.value.tasks.map((t) => t.taskId), [task.id], 'the chat holds her slot');
  });

  it('an old ACW timeout re-schedules the current one, so an extension whose timer was lost still ends', async () => {
    const { w, taskId } = await connected();
    await finishTask('ann', taskId, w.deps);
    await extendAcw('ann', taskId, 30, w.deps);
    w.timeouts.scheduled.delete(`acw:${taskId}:1`); // the extension's scheduling was lost to a crash
    const stillWrapping = await acwTimedOut(taskId, 0, w.deps);
    assert.equal(stillWrapping.state, 'wrap-up', 'the old timeout does not cut the extension short');
    assert.ok(w.timeouts.scheduled.has(`acw:${taskId}:1`), 'the current timeout is scheduled again');
    assert.equal((await acwTimedOut(taskId, 1, w.deps)).state, 'closed');
    assert.deepEqual((await w.agents.read('ann'))!.value.tasks, []);
  });

  it('an ACW extension retried with its Idempotency-Key after a crash right after its write extends once, and schedules its timeout; a new key extends again', async () => {
    const { w, taskId } = await connected();
    const wrapUp = await finishTask('ann', taskId, w.deps);
    w.world.writes = 0;
    w.world.crashAfterWrite = 1; // the extension is written, then the invocation dies before scheduling its timeout
    await assert.rejects(extendAcw('ann', taskId, 30, w.deps, 'ext-1'), CrashError);
    await w.world.restart();
    const retried = await extendAcw('ann', taskId, 30, w.deps, 'ext-1'); // the agent's client sends it again
    assert.equal(Date.parse(retried.acw!.endsAt) - Date.parse(wrapUp.acw!.endsAt), 30_000, 'ACW ends 30 s later, as after one clean delivery');
    assert.equal(retried.acw!.extensions, 1);
    assert.ok(w.timeouts.scheduled.has(`acw:${taskId}:1`), 'the extended ACW’s timeout is scheduled by the retry');
    const again = await extendAcw('ann', taskId, 30, w.deps, 'ext-2');
    assert.equal(Date.parse(again.acw!.endsAt) - Date.parse(wrapUp.acw!.endsAt), 60_000, 'another extension, with its own key, extends again');
  });

  it('an ACW extension retried after later extensions extends nothing, for the last 20 keys; a task stored with only its last key still knows it', async () => {
    const { w, taskId } = await connected();
    const wrapUp = await finishTask('ann', taskId, w.deps);
    for (let n = 1; n <= 21; n++) await extendAcw('ann', taskId, 1, w.deps, `ext-${n}`);
    const extended = (await w.tasks.read(taskId))!.value;
    assert.equal(Date.parse(extended.acw!.endsAt) - Date.parse(wrapUp.acw!.endsAt), 21_000);
    assert.equal((await extendAcw('ann', taskId, 1, w.deps, 'ext-2')).acw!.endsAt, extended.acw!.endsAt, 'a retry of the 2nd of 21 extends nothing');
    await assert.rejects(extendAcw('ann', taskId, 5, w.deps, 'ext-3'), (err) => err instanceof DomainError && err.code === 'IDEMPOTENCY.KEY_REUSED');
    assert.equal(Date.parse((await extendAcw('ann', taskId, 1, w.deps, 'ext-1')).acw!.endsAt) - Date.parse(extended.acw!.endsAt), 1_000, 'the 1st key, older than the last 20, extends again');

    // A task written before extensionKeys: its last key and length only.
    const stored = (await w.tasks.read(taskId))!;
    const { extensionKeys: _kept, ...acw } = stored.value.acw!;
    await w.tasks.replace({ ...stored.value, acw: { ...acw, lastExtensionKey: 'old-key', lastExtensionSeconds: 7 } }, stored.etag);
    assert.equal((await extendAcw('ann', taskId, 7, w.deps, 'old-key')).acw!.endsAt, stored.value.acw!.endsAt, 'a retry of the stored last key');
    await assert.rejects(extendAcw('ann', taskId, 8, w.deps, 'old-key'), (err) => err instanceof DomainError && err.code === 'IDEMPOTENCY.KEY_REUSED');
    const next = await extendAcw('ann', taskId, 2, w.deps, 'new-key');
    assert.deepEqual(next.acw!.extensionKeys, [{ key: 'old-key', seconds: 7 }, { key: 'new-key', seconds: 2 }]);
  });

  it('a decline that lands at or after the ring-out time is refused like an accept, and the ring-out gives the RONA; an ACW extension at or after its end is refused', async () => {
    const { w, task } = await annWithOneTask();
    await distribute('s', w.deps);
    const offer = (await w.tasks.read(task.id))!.value.offers[0]!;
    w.clock.advance(Date.parse(offer.expiresAt) - w.clock.now().getTime()); // exactly the ring-out time
    await assert.rejects(declineOffer('ann', offer.offerId, w.deps), (err) => err instanceof DomainError && err.code === 'OFFER.NOT_OPEN' && err.details['outcome'] === 'rona');
    assert.equal((await w.tasks.read(task.id))!.value.offers[0]?.outcome, 'open', 'the late decline changed nothing');
    await expireOffer(offer.offerId, w.deps, offer.expiresAt);
    assert.equal((await w.tasks.read(task.id))!.value.offers[0]?.outcome, 'rona');
    assert.ok((await w.agents.read('ann'))!.value.rona, 'Ann is in RONA');

    const chat = await connected();
    const wrapUp = await finishTask('ann', chat.taskId, chat.w.deps);
    chat.w.clock.advance(Date.parse(wrapUp.acw!.endsAt) - chat.w.clock.now().getTime());
    await assert.rejects(extendAcw('ann', chat.taskId, 30, chat.w.deps), (err) => err instanceof DomainError && err.code === 'TASK.ILLEGAL_TRANSITION');
    assert.equal((await chat.w.tasks.read(chat.taskId))!.value.acw?.endsAt, wrapUp.acw!.endsAt, 'the late extension changed nothing');
  });

  it('a round resumed after the offer’s ring-out time withdraws the offer rather than ringing the agent out', async () => {
    const { w, task } = await halfClaimed(1); // the task's claim is written, then the round dies
    assert.equal((await w.tasks.read(task.id))!.value.state, 'offered');
    w.clock.advance(31_000); // the redelivery comes after the 30 s RONA timeout
    await distribute('s', w.deps);
    const after = (await w.tasks.read(task.id))!.value;
    assert.equal(after.offers[0]?.outcome, 'withdrawn');
    const ann = (await w.agents.read('ann'))!.value;
    assert.equal(ann.rona, null, 'the agent is not put into RONA for an offer never announced');
    await distribute('s', w.deps);
    assert.equal((await w.agents.read('ann'))!.value.offers[0]?.offerId, `${task.id}.offer-2`, 'offered again, freshly');
  });

  it('finishing without ACW closes the task in one write and frees the agent; a finish repeated after a crash frees it too', async () => {
    const noAcw = makeService('s', { afterCallWork: { durationSeconds: 0, extendable: false, maxExtensionSeconds: 0, canEndEarly: true } });
    const { w, taskId } = await connected(noAcw);
    w.world.writes = 0;
    w.world.crashAfterWrite = 1; // the task is closed, then the call dies before the agent is freed
    await assert.rejects(finishTask('ann', taskId, w.deps), CrashError);
    await w.world.restart();
    const task = (await w.tasks.read(taskId))!.value;
    assert.equal(task.state, 'closed');
    assert.equal(task.outcome, 'handled');
    assert.ok(task.timings.wrapUpAt && task.timings.endedAt);
    assert.equal((await w.agents.read('ann'))!.value.tasks.length, 1, 'the crash left the agent holding the chat');
    w.signal.requests.length = 0;
    const again = await finishTask('ann', taskId, w.deps);
    assert.equal(again.state, 'closed');
    const ann = (await w.agents.read('ann'))!.value;
    assert.deepEqual(ann.tasks, [], 'the repeated finish freed the slot');
    assert.equal(ann.idleSince, again.timings.endedAt);
    assert.equal(w.sessions.records.get(taskId)?.outcome, 'handled');
    assert.deepEqual(w.signal.requests.map((r) => r.serviceId), ['s'], 'a round is asked for the freed slot');
  });

  it('an accept that lands while a resumed round withdraws the expired offer wins: the agent holds the chat, not nothing', async () => {
    const { w, task } = await halfClaimed();
    const offerId = `${task.id}.offer-1`;
    // Ann accepts 1 ms before the ring-out time; her write waits until the redelivered round, 2 ms
    // later, has decided the offer is past its time and is about to withdraw it.
    w.clock.advance(29_999);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    w.world.beforeIo = async (label) => {
      // Her task write: conditional on the offer being open to her.
      if (label === 'tasks.acceptOpenOffer' && !held) {
        held = true;
        await gate;
      } else if (held && label === 'tasks.replace') {
        // The round's withdrawal is about to write: Ann's accept lands first.
        release();
        while (w.tasks.docs.get(task.id)?.value.state !== 'connected') await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const accepting = acceptOffer('ann', offerId, w.deps);
    while (!held) await new Promise((resolve) => setImmediate(resolve));
    w.clock.advance(2);
    await distribute('s', w.deps);
    await accepting;
    await assertAnnHoldsTheChat(w, task.id);
  });

  it('an accept that lands while a resumed round finds the slot it finishes past the ring-out time wins: the slot is given back only as the task then says', async () => {
    const { w, task } = await halfClaimed();
    const offerId = `${task.id}.offer-1`;
    w.clock.advance(20_000);
    // Ann holds the slot the crashed round claimed, and sees the offer in her list. The resumed round
    // has read the task (still offered, in time) and is about to read Ann to finish the claim when
    // she accepts: her task write lands, her agent write waits. Ann is then read past the ring-out time.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const agents = new Proxy(w.deps.agents, {
      get(target, name) {
        const member: unknown = Reflect.get(target, name);
        if (typeof member !== 'function') return member;
        return async (...args: unknown[]) => {
          if (name === 'replace') await gate;
          return (member as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
    let accepting: Promise<unknown> | undefined;
    w.world.beforeIo = async (label) => {
      if (label !== 'agents.read' || w.world.beforeIo !== hook) return;
      w.world.beforeIo = () => Promise.resolve();
      accepting = acceptOffer('ann', offerId, { ...w.deps, agents });
      while (w.tasks.docs.get(task.id)?.value.state !== 'connected') await new Promise((resolve) => setImmediate(resolve));
      w.clock.advance(15_000);
    };
    const hook = w.world.beforeIo;
    await distribute('s', w.deps);
    assert.ok(accepting, 'Ann accepted while the round finished the claim');
    release();
    await accepting;
    await assertAnnHoldsTheChat(w, task.id);
  });

  it('a round that dies after any write of withdrawing an expired offer leaves nothing held: the offer’s timeout and the next round finish it', async () => {
    for (const crashAt of [1, 2, 3]) {
      const { w, task } = await halfClaimed();
      w.clock.advance(31_000); // the redelivery comes after the ring-out time
      w.world.writes = 0;
      w.world.crashAfterWrite = crashAt; // after the task is withdrawn, its entry put back, the agent's slot freed
      await assert.rejects(distribute('s', w.deps), CrashError);
      await w.world.restart();
      // The offer's timer, scheduled with the task's claim, comes (due since the ring-out time).
      for (const { message } of [...w.timeouts.scheduled.values()]) if (message.kind === 'offer') await expireOffer(message.offerId, w.deps, message.expiresAt);
      const ann = (await w.agents.read('ann'))!.value;
      assert.deepEqual(ann.offers, [], `crash after write ${crashAt}: the expired offer's slot is freed`);
      const after = (await w.tasks.read(task.id))!.value;
      assert.equal(after.state, 'queued', `crash after write ${crashAt}: the task is back at its place`);
      assert.equal(after.offers[0]?.outcome, 'withdrawn', `crash after write ${crashAt}`);
      assert.equal(ann.rona, null, `crash after write ${crashAt}: no RONA for an offer never announced`);
      await distribute('s', w.deps);
      assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.offerId), [`${task.id}.offer-2`], `crash after write ${crashAt}: offered again`);
    }
  });

  it('an accept after the offer’s ring-out time is refused even before the timeout is handled', async () => {
    const { w, task } = await annWithOneTask();
    await distribute('s', w.deps);
    w.clock.advance(30_000);
    await assert.rejects(acceptOffer('ann', `${task.id}.offer-1`, w.deps), (err: Error & { code?: string }) => err.code === 'OFFER.NOT_OPEN');
    assert.equal((await w.tasks.read(task.id))!.value.state, 'offered', 'nothing changed: the timeout rings it out');
  });

  it('a failed announcement fails the round without an unhandled rejection, and the next round announces it', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    await w.agents.create(makeAgent('ann', [duty('s')], { imCapacity: 3 }));
    for (const key of ['a', 'b', 'c']) await createTask({ serviceId: 's', channel: 'external', idempotencyKey: key }, w.deps);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    // Every store call waits for the next turn of the event loop, as a real one does.
    w.world.beforeIo = () => new Promise((resolve) => setImmediate(resolve));
    const notify = w.deps.notifier.notify.bind(w.deps.notifier);
    let failures = 1;
    const deps = { ...w.deps, notifier: { notify: async (...args: Parameters<typeof notify>) => (failures-- > 0 ? Promise.reject(new Error('notification hub down')) : notify(...args)) } };
    try {
      await assert.rejects(distribute('s', deps), /notification hub down/);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    await distribute('s', deps);
    assert.equal((await w.agents.read('ann'))!.value.offers.length, 3);
    assert.equal([...w.notifier.events.values()].filter((e) => e.event.type === 'offer').length, 3, 'every offer announced, the failed one by the next round');
  });

  it('a slot claim carried into the next batch that fails while the next entries are read fails the round, without an unhandled rejection', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    await w.agents.create(makeAgent('ann', [duty('s')], { imCapacity: 5 }));
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      w.clock.advance(1000);
      ids.push((await createTask({ serviceId: 's', channel: 'external', idempotencyKey: `t${i}` }, w.deps)).task.id);
    }
    // The first batch's last slot claim (the third task's) fails with a store error (a Cosmos 503 or a
    // timeout) while the next batch's entries, read ahead, take longer to come back.
    const agents = w.deps.agents;
    const failing = new Proxy(agents, {
      get(target, name) {
        const member: unknown = Reflect.get(target, name);
        if (typeof member !== 'function') return member;
        if (name !== 'replace') return member.bind(target);
        return (value: Agent, etag: string) => (value.offers.some((o) => o.taskId === ids[2]) ? Promise.reject(new Error('agents store unavailable')) : agents.replace(value, etag));
      },
    });
    let heads = 0;
    w.world.beforeIo = async (label) => {
      if (label === 'queue.first' && ++heads === 2) for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(distribute('s', { ...w.deps, agents: failing }), /agents store unavailable/, 'the round fails, to be delivered again');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled.map(String), [], 'no unhandled rejection');
    w.world.beforeIo = () => Promise.resolve();
    await distribute('s', w.deps);
    assert.deepEqual((await w.agents.read('ann'))!.value.offers.map((o) => o.taskId).sort(), [...ids].sort(), 'the redelivered round offers every task');
  });

  it('a task declined and re-queued while its old queue entry is still being removed is not passed over by the next batch', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    await w.agents.create(makeAgent('ann', [duty('s')]));
    await w.agents.create(makeAgent('bob', [duty('s')]));
    const ids: string[] = [];
    for (const key of ['1', '2', '3']) {
      w.clock.advance(1000);
      ids.push((await createTask({ serviceId: 's', channel: 'external', idempotencyKey: key }, w.deps)).task.id);
    }
    // The first batch offers tasks 1 and 2. While task 1's old entry is being removed, its agent
    // declines (task 1 is re-queued with a new entry), and the removal finishes only after the next
    // batch has read the queue.
    const calls = new Map<string, number>();
    let declined!: () => void;
    const declineDone = new Promise<void>((resolve) => (declined = resolve));
    let queueRead!: () => void;
    const queueReadAgain = new Promise<void>((resolve) => {
      queueRead = resolve;
      setTimeout(resolve, 1000); // never hang: the assertions below say what went wrong
    });
    w.world.beforeIo = async (label) => {
      const call = (calls.get(label) ?? 0) + 1;
      calls.set(label, call);
      if (label === 'agents.query' && call === 2) await declineDone;
      if (label === 'queue.first' && call === 2) queueRead();
      if (label === 'queue.remove' && call === 1) {
        const offer = (await w.tasks.read(ids[0]!))!.value.offers[0]!;
        await declineOffer(offer.agentId, offer.offerId, w.deps);
        declined();
        await queueReadAgain;
      }
    };
    await distribute('s', w.deps);
    assert.ok((calls.get('queue.first') ?? 0) >= 2, 'a second batch read the queue');
    assert.deepEqual(w.world.violations, []);
    const first = (await w.tasks.read(ids[0]!))!.value;
    assert.deepEqual(
      first.offers.map((o) => o.outcome),
      ['declined', 'open'],
      'the re-queued task is offered again, before the later one',
    );
    assert.equal((await w.tasks.read(ids[2]!))!.value.state, 'queued');
  });
});
