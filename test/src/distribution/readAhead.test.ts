// A round reads the next batch's queue entries while the last slot claim of a batch is under way,
// and uses them only when that claim holds: a task whose slot claim failed goes back to its place
// and is offered before the tasks behind it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import type { DistributionDeps, TaskStore } from '../../../src/distribution/ports';
import { createMemoryDistribution } from '../../support/memoryDistribution';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

async function sixTasks() {
  const w = createMemoryDistribution();
  await w.services.create(makeService('s'));
  await w.agents.create(makeAgent('ann', [duty('s')], { imCapacity: 5, idleSince: '2026-11-21T08:00:00.000Z' }));
  await w.agents.create(makeAgent('bob', [duty('s')], { imCapacity: 5, idleSince: '2026-11-21T08:05:00.000Z' }));
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
  };
  return { ...w.deps, tasks: recording };
}

describe('reading the next batch ahead', () => {
  it('reads the queue for the next batch while the last slot of a batch is claimed', async () => {
    const { w, calls } = await sixTasks();
    w.world.beforeIo = async (label) => void calls.push(label);
    assert.equal((await distribute('s', w.deps)).offers, 6);
    // The first batch (3 tasks, all to Ann, the longest idle): its third and last slot claim is
    // followed by the next read of the queue before anything else of that batch.
    const slotClaims = calls.flatMap((label, i) => (label === 'agents.replace' ? [i] : []));
    const third = slotClaims[2]!;
    assert.equal(calls[third + 1], 'queue.first', 'the next batch is read while the third slot is claimed');
    assert.deepEqual(w.world.violations, []);
  });

  it('reads the queue again when that last slot claim fails, so its task is offered before the tasks behind it', async () => {
    const { w, ids, calls } = await sixTasks();
    const claims: string[] = [];
    w.world.beforeIo = async (label) => {
      calls.push(label);
      // While Ann's third slot (the first batch's last) is claimed, an admin lowers her capacity to
      // 2: the claim fails.
      if (label === 'agents.replace' && calls.filter((l) => l === 'agents.replace').length === 3) {
        const ann = w.agents.docs.get('ann')!;
        w.agents.docs.set('ann', { value: { ...ann.value, imCapacity: 2 }, etag: '"admin-change"' });
      }
    };
    await distribute('s', claimsRecorded(w, claims));
    assert.deepEqual(w.world.violations, []);
    const [t1, t2, t3, t4, t5, t6] = ids as [string, string, string, string, string, string];
    assert.deepEqual(claims, [t1, t2, t3, t3, t4, t5, t6], 'the withdrawn task is claimed again before the one behind it');
    const third = (await w.tasks.read(t3))!.value;
    assert.deepEqual(
      third.offers.map((o) => [o.agentId, o.outcome]),
      [
        ['ann', 'withdrawn'],
        ['bob', 'open'],
      ],
    );
    for (const behind of [t4, t5, t6]) assert.deepEqual((await w.tasks.read(behind))!.value.offers.map((o) => o.agentId), ['bob']);
    assert.equal((await w.agents.read('ann'))!.value.offers.length, 2);
  });
});
