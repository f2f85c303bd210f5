// A task leaves its workflow for its service's queue (in-workflow -> queued): a chat whose service
// has no workflow right after it starts, or a workflow's Queue Task activity.
import { DomainError } from '../domain/errors';
import { enqueueOrderKey } from '../domain/queueOrder';
import { queueFullError, type Service } from '../domain/service';
import { transition, type Task } from '../domain/task';
import { recountWithin } from './createTask';
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
  // Counted before this call queues it; a repeated call finds it queued and only repairs its entry.
  let counted: { service: Service; waiting: number } | undefined;
  if (current.state === 'in-workflow') {
    const service = (await deps.services.read(current.serviceId))?.value;
    if (!service) throw new DomainError('SERVICE.NOT_FOUND', `service ${current.serviceId} not found`, { serviceId: current.serviceId });
    const waiting = await deps.queue.length(service.id);
    if (waiting >= service.maxQueueSize) throw queueFullError(service, waiting);
    counted = { service, waiting };
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
    if (counted && counted.waiting >= counted.service.maxQueueSize - recountWithin) await backIfOverfull(task, counted.service, deps);
    await deps.signal.requestDistribution(task.serviceId, 'task queued');
  }
  return task;
}

/**
 * The queue counted again once the task is in it, as createTask does (refuseIfOverfull): over its
 * maximum, the task goes back to its workflow (which takes its queue-full exit) and its entry goes.
 * A task offered meanwhile is kept.
 */
async function backIfOverfull(task: Task, service: Service, deps: DistributionDeps): Promise<void> {
  const waiting = await deps.queue.length(service.id);
  if (waiting <= service.maxQueueSize) return;
  const { after } = await update(
    deps.tasks,
    task.id,
    (current) => (current.state === 'queued' ? transition(current, 'in-workflow', { timings: { ...current.timings, queuedAt: null } }) : undefined),
    { code: 'TASK.NOT_FOUND', message: `task ${task.id} not found` },
  );
  if (after.value.state !== 'in-workflow') return;
  await deps.queue.remove(service.id, task.id);
  throw queueFullError(service, service.maxQueueSize);
}
