// Rounds run only when asked for (a `distribute` message): every change that can make a match asks,
// also when it is a retry of a request whose first attempt wrote its change and then died (or whose
// send failed), and also when a direct offer is taken back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setPresence } from '../../../src/distribution/agentState';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import { offerToAgent } from '../../../src/distribution/offerToAgent';
import { createMemoryDistribution, crashingDeps, CrashError, onceBefore } from '../../support/memoryDistribution';
import { annWithOneTask, duty, makeAgent, makeService } from '../../support/distributionFixtures';

describe('a round is asked for', () => {
  it('by an agent’s retried “available” whose first attempt wrote her presence and died: the task waiting for her is offered', async () => {
    const { w, task } = await annWithOneTask({ ann: { presence: 'away', notAvailableRequests: [{ id: 'r1', presence: 'away', reason: 'Lunch', since: '2026-11-21T08:00:00.000Z', expiresAt: '2026-11-28T08:00:00.000Z', filledAt: '2026-11-21T08:00:00.000Z' }] } });
    await distribute('s', w.deps); // nobody can take the task
    w.signal.requests.length = 0;
    await assert.rejects(setPresence('ann', { presence: 'available' }, crashingDeps(w.deps, 1)), CrashError);
    assert.equal((await w.agents.read('ann'))!.value.presence, 'available', 'the first attempt wrote her presence');
    await setPresence('ann', { presence: 'available' }, w.deps); // her client sends it again
    assert.deepEqual(w.signal.requests.map((r) => r.serviceId), ['s']);
    await distribute('s', w.deps);
    assert.equal((await w.tasks.read(task.id))!.value.state, 'offered');
  });

  it('by a task’s retried create (same Idempotency-Key) whose first attempt died after the task’s write or after its queue entry', async () => {
    for (const crashAt of [1, 2]) {
      const w = createMemoryDistribution();
      await w.services.create(makeService('s'));
      await w.agents.create(makeAgent('ann', [duty('s')]));
      const request = { serviceId: 's', channel: 'external', idempotencyKey: 'k' } as const;
      await assert.rejects(createTask(request, crashingDeps(w.deps, crashAt)), CrashError);
      const { task, created } = await createTask(request, w.deps);
      assert.equal(created, false);
      assert.ok(await w.queue.read('s', task.id), `crash after write ${crashAt}: the task is in the queue`);
      assert.deepEqual(w.signal.requests.map((r) => r.serviceId), ['s'], `crash after write ${crashAt}: a round for s is asked for`);
    }
  });

  it('when a direct offer loses the agent’s slot: the task, queued in its service, goes to another agent at once, not after the offer’s ring-out time', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s'));
    await w.agents.create(makeAgent('ann', [duty('s')]));
    await w.agents.create(makeAgent('bob', [duty('s')]));
    const { task } = await createTask({ serviceId: 's', channel: 'web', initialState: 'in-workflow' }, w.deps);
    // The chat is sent to Ann; while her slot is claimed she goes on a break.
    onceBefore(w, 'agents.replace', () => setPresence('ann', { presence: 'away', reason: 'lunch' }, w.deps));
    w.signal.requests.length = 0;
    const after = await offerToAgent(task.id, 'ann', w.deps);
    w.world.beforeIo = () => Promise.resolve();
    assert.equal(after.state, 'queued', 'the offer was withdrawn and the task queued in s');
    assert.deepEqual(w.signal.requests.map((r) => r.serviceId), ['s']);
    await distribute('s', w.deps);
    assert.equal((await w.tasks.read(task.id))!.value.offers.at(-1)?.agentId, 'bob');
  });
});
