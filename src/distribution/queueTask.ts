// A task leaves its workflow for its service's queue (in-workflow -> queued): a chat whose service
// has no workflow right after it starts, or a workflow's Queue Task activity.
import { DomainError } from '../domain/errors';
import { enqueueOrderKey } from '../domain/queueOrder';
import { transition, type Task } from '../domain/task';
import { requeue } from './requeue';
import { update } from './optimistic';
import type { DistributionDeps } from './ports';

/**
 * Queues the task and asks for a distribution round. Idempotent: a task already queued (or further
 * on: offered, connected...) is returned as it is, its queue entry repaired when it is queued.
 * Throws QUEUE.FULL when the service's queue is at its maximum, TASK.ILLEGAL_TRANSITION when the
 * task ended meanwhile.
 */
export async function queueTask(taskId: string, deps: DistributionDeps): Promise<Task> {
  const current = (await deps.tasks.read(taskId))?.value;
  if (!current) throw new DomainError('TASK.NOT_FOUND', `task ${taskId} not found`, { taskId });
  if (current.state === 'in-workflow') {
    const service = (await deps.services.read(current.serviceId))?.value;
    if (!service) throw new DomainError('SERVICE.NOT_FOUND', `service ${current.serviceId} not found`, { serviceId: current.serviceId });
    const waiting = await deps.queue.length(service.id);
    if (waiting >= service.maxQueueSize) {
      throw new DomainError('QUEUE.FULL', `service ${service.id} has ${waiting} tasks waiting, its maximum`, { serviceId: service.id, maxQueueSize: service.maxQueueSize });
    }
  }
  const now = deps.clock.now();
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => {
      if (task.state !== 'in-workflow') return undefined;
      // Arrival in the queue is what orders it, not how long the workflow took before.
      return transition(task, 'queued', { enqueueOrder: enqueueOrderKey(now, task.id), timings: { ...task.timings, queuedAt: now.toISOString() } });
    },
    { code: 'TASK.NOT_FOUND', message: `task ${taskId} not found` },
  );
  const task = after.value;
  if (task.state === 'cancelled' || task.state === 'abandoned' || task.state === 'failed' || task.state === 'closed') {
    throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}; it cannot be queued`, { taskId, from: task.state, to: 'queued' });
  }
  if (task.state === 'queued') {
    // Also on a repeated call: a crash between the task's write and its entry must not lose its place.
    await requeue(after, deps);
    await deps.signal.requestDistribution(task.serviceId, 'task queued');
  }
  return task;
}
