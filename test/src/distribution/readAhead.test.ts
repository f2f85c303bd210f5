// A round reads the next batch's queue entries while the last task of a batch is claimed, and that
// task's slot claim goes on while the next batch's first task is claimed. When it fails, both tasks
// go back to their places and are offered in their order, before the tasks behind them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import type { DistributionDeps, TaskStore } from '../../../src/distribution/ports';
import { createMemoryDistribution } from '../../support/memoryDistribution';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

async function sixTasks() {
  const w = createMemoryDistribution();
  // The priority policy, Ann first: she is offered every task she has room for, then Bob.
  await w.services.create(makeService('s', { policy: 'priority' }));
  await w.agents.create(makeAgent('ann', [duty('s', 90)], { imCapacity: 5, idleSince: '2026-11-21T08:00:00.000Z' }));
  await w.agents.create(makeAgent('bob', [duty('s', 10)], { imCapacity: 5, idleSince: '2026-11-21T08:05:00.000Z' }));
  const ids: string[] = [];
  for (let i = 1; i <= 6; i++) {
    w.clock.advance(1000);
    ids.push((await createTask({ serviceId: 's', channel: 'external', idempotencyKey: `t${i}` }, w.deps)).task.id);
  }
  const calls: string[] = [];
  return { w, ids, calls };
}

/** The deps with every claim of a task (queued -> offered) recorded in `claims`, in the order they land. */
function claimsRecorded(w: ReturnType<typeof createMemoryDistribution>, claims: string[]): DistributionDeps {
  const tasks = w.tasks;
  const recording: TaskStore = {
    read: (id) => tasks.read(id),
    create: (value) => tasks.create(value),
    delete: (id, etag) => tasks.delete(id, etag),
    list: (size, token) => tasks.list(size, token),
    replace: async (value, etag) => {
      const before = tasks.docs.get(value.id)?.value.state;
      const stored = await tasks.replace(value, etag);
      if (before === 'queued' && value.state === 'offered') claims.push(value.id);
      return stored;
    },
    offerQueued: async (entry, offer) => {
      const stored = await tasks.offerQueued(entry, offer);
      claims.push(entry.taskId);
      return stored;
    },
    acceptOpenOffer: (taskId, offerId, agentId, at) => tasks.acceptOpenOffer(taskId, offerId, agentId, at),
    finishConnected: (taskId, offerId, agentId, at, acwSeconds) => tasks.finishConnected(taskId, offerId, agentId, at, acwSeconds),
    openIn: (serviceId, limit) => tasks.openIn(serviceId, limit),
  };
  return { ...w.deps, tasks: recording };
}

/** Every store call is recorded as it is issued; a slot claim (agents.replace) answers a turn of the event loop later, as a round trip does. */
function slowSlots(calls: string[], before: (label: string) => void = () => undefined): (label: string) => Promise<void> {
  return async (label) => {
    calls.push(label);
    before(label);
    if (label === 'agents.replace') await new Promise((resolve) => setImmediate(resolve));
  };
}

/**
 * While Ann's third slot (the first batch's last) is claimed, an admin lowers her capacity to 2, so
 * that claim fails; `meanwhile` runs then too.
 */
function annLosesTheThirdSlot(w: ReturnType<typeof createMemoryDistribution>, calls: string[], meanwhile: () => void = () => undefined): void {
  w.world.beforeIo = slowSlots(calls, (label) => {
    if (label === 'agents.replace' && calls.filter((l) => l === 'agents.replace').length === 3) {
      const ann = w.agents.docs.get('ann')!;
      w.agents.docs.set('ann', { value: { ...ann.value, imCapacity: 2 }, etag: '"admin-change"' });
      meanwhile();
    }
  });
}

describe('reading the next batch ahead', () => {
  it('reads the next batch while the last task of a batch is claimed, and claims its first task while that last slot is claimed', async () => {
    const { w, calls } = await sixTasks();
    w.world.beforeIo = slowSlots(calls);
    const agents = w.deps.agents;
    const deps: DistributionDeps = {
      ...w.deps,
      agents: {
        read: (id) => agents.read(id),
        create: (value) => agents.create(value),
        delete: (id, etag) => agents.delete(id, etag),
        list: (size, token) => agents.list(size, token),
        replace: async (value, etag) => {
          const stored = await agents.replace(value, etag);
          calls.push('agents.replace:done');
          return stored;
        },
      },
    };
    assert.equal((await distribute('s', deps)).offers, 6);
    // Two batches of 3 (five to Ann, first by priority, who has room for five; the sixth to Bob).
    assert.deepEqual([(await w.agents.read('ann'))!.value.offers.length, (await w.agents.read('bob'))!.value.offers.length], [5, 1]);
    const nth = (label: string, n: number): number => {
      const at = calls.flatMap((l, i) => (l === label ? [i] : []))[n - 1];
      assert.ok(at !== undefined, `call ${n} of ${label} was made`);
      return at;
    };
    assert.ok(nth('queue.first', 2) < nth('tasks.offerQueued', 3), 'the next batch is read while the third (last) task is claimed');
    assert.ok(nth('tasks.offerQueued', 4) < nth('agents.replace:done', 3), "the next batch's first task is claimed while the third slot is claimed");
    assert.deepEqual(w.world.violations, []);
  });

  it('when that last slot claim fails, its task goes back before the next batch\'s first, and is offered before it', async () => {
    const { w, ids, calls } = await sixTasks();
    const claims: string[] = [];
    annLosesTheThirdSlot(w, calls);
    await distribute('s', claimsRecorded(w, claims));
    assert.deepEqual(w.world.violations, []);
    const [t1, t2, t3, t4, t5, t6] = ids as [string, string, string, string, string, string];
    // The fourth task was claimed for Ann while her third slot was claimed; it went back too.
    assert.deepEqual(claims, [t1, t2, t3, t4, t3, t4, t5, t6], 'the withdrawn tasks are claimed again in their order');
    const offersOf = async (id: string) => (await w.tasks.read(id))!.value.offers.map((o) => [o.agentId, o.outcome]);
    assert.deepEqual(await offersOf(t3), [
      ['ann', 'withdrawn'],
      ['bob', 'open'],
    ]);
    assert.deepEqual(await offersOf(t4), [
      ['ann', 'withdrawn'],
      ['bob', 'open'],
    ]);
    for (const behind of [t5, t6]) assert.deepEqual(await offersOf(behind), [['bob', 'open']]);
    assert.equal(w.notifier.events.has(`${t4}.offer-1`), false, 'the withdrawn offer never reached Ann');
    assert.equal((await w.agents.read('ann'))!.value.offers.length, 2);
  });

  it('when that last slot claim fails as the next batch reads the agents afresh, the entries read ahead are dropped: its task is offered before them', async () => {
    const { w, ids, calls } = await sixTasks();
    const claims: string[] = [];
    // As above, but the third slot claim takes a second: the next batch finds its read of the agents
    // too old, so it settles that claim before reading them again, and the claim has failed.
    annLosesTheThirdSlot(w, calls, () => w.clock.advance(1000));
    await distribute('s', claimsRecorded(w, claims));
    assert.deepEqual(w.world.violations, []);
    const [t1, t2, t3, t4, t5, t6] = ids as [string, string, string, string, string, string];
    assert.deepEqual(claims, [t1, t2, t3, t3, t4, t5, t6], 'the third task is claimed again before the ones read ahead behind it');
    const offersOf = async (id: string) => (await w.tasks.read(id))!.value.offers.map((o) => [o.agentId, o.outcome]);
    assert.deepEqual(await offersOf(t3), [
      ['ann', 'withdrawn'],
      ['bob', 'open'],
    ]);
    for (const behind of [t4, t5, t6]) assert.deepEqual(await offersOf(behind), [['bob', 'open']]);
  });
});
