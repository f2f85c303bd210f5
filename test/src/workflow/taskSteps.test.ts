// Workflow task steps against the ETag-checking in-memory stores: idempotent, history-keeping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTask } from '../../../src/distribution/createTask';
import { distribute } from '../../../src/distribution/distribute';
import { endFromWorkflow, failTask, queueFromWorkflow, setParameters, transferTask } from '../../../src/workflow/taskSteps';
import { createMemoryDistribution } from '../../support/memoryDistribution';
import { duty, makeAgent, makeService } from '../../support/distributionFixtures';

async function world() {
  const w = createMemoryDistribution();
  await w.services.create(makeService('sales'));
  await w.services.create(makeService('billing', { maxQueueSize: 1 }));
  const { task } = await createTask({ serviceId: 'sales', channel: 'web', idempotencyKey: 'chat-1', initialState: 'in-workflow' }, w.deps);
  return { w, taskId: task.id };
}

describe('workflow task steps', () => {
  it('queues a task from its workflow once, and says queue full when the service is full', async () => {
    const { w, taskId } = await world();
    assert.equal(await queueFromWorkflow(taskId, w.deps), 'queued');
    assert.equal(await queueFromWorkflow(taskId, w.deps), 'queued', 'a retried Queue Task changes nothing');
    assert.equal(w.queue.ordered('sales').length, 1);
    const { task: other } = await createTask({ serviceId: 'billing', channel: 'web', idempotencyKey: 'x', initialState: 'in-workflow' }, w.deps);
    await queueFromWorkflow(other.id, w.deps);
    const { task: third } = await createTask({ serviceId: 'billing', channel: 'web', idempotencyKey: 'y', initialState: 'in-workflow' }, w.deps);
    assert.equal(await queueFromWorkflow(third.id, w.deps), 'queueFull');
  });

  it('transfers a waiting task to another service, keeping its parameters and call flow; a retry is a no-op', async () => {
    const { w, taskId } = await world();
    await setParameters(taskId, { orderId: 'A-1' }, w.deps);
    await queueFromWorkflow(taskId, w.deps);
    const moved = await transferTask(taskId, 'billing', w.deps);
    assert.equal(moved.state, 'in-workflow');
    assert.equal(moved.serviceId, 'billing');
    assert.deepEqual(moved.parameters, { orderId: 'A-1' });
    assert.deepEqual(moved.callFlow.map((s) => [s.serviceId, s.reason, s.leftAt === null]), [
      ['sales', 'created', false],
      ['billing', 'transferred', true],
    ]);
    assert.equal(w.queue.ordered('sales').length, 0, 'it left the sales queue');
    const again = await transferTask(taskId, 'billing', w.deps);
    assert.equal(again.callFlow.length, 2);
  });

  it('withdraws an open offer when the task is transferred away', async () => {
    const { w, taskId } = await world();
    await w.agents.create(makeAgent('ann', [duty('sales')]));
    await queueFromWorkflow(taskId, w.deps);
    await distribute('sales', w.deps);
    assert.equal((await w.agents.read('ann'))?.value.offers.length, 1);
    await transferTask(taskId, 'billing', w.deps);
    assert.equal((await w.agents.read('ann'))?.value.offers.length, 0);
    assert.equal((await w.tasks.read(taskId))?.value.offers[0]?.outcome, 'withdrawn');
  });

  it('ends a waiting task from its workflow: closed while in the workflow, cancelled once queued; a failure is recorded', async () => {
    const { w, taskId } = await world();
    assert.equal((await endFromWorkflow(taskId, 'disconnected', w.deps)).state, 'closed');
    const { task: queued } = await createTask({ serviceId: 'sales', channel: 'web', idempotencyKey: 'chat-2', initialState: 'in-workflow' }, w.deps);
    await queueFromWorkflow(queued.id, w.deps);
    assert.equal((await endFromWorkflow(queued.id, 'disconnected', w.deps)).state, 'cancelled');
    const { task: failing } = await createTask({ serviceId: 'sales', channel: 'web', idempotencyKey: 'chat-3', initialState: 'in-workflow' }, w.deps);
    await queueFromWorkflow(failing.id, w.deps);
    const failed = await failTask(failing.id, 'calendar missing', w.deps);
    assert.deepEqual([failed.state, failed.outcome], ['failed', 'failed: calendar missing']);
    assert.equal(w.queue.ordered('sales').length, 0);
  });
});
