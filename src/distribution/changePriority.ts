// Raising or lowering a waiting task's priority moves it in the queue (its arrival order stays).
import { DomainError } from '../domain/errors';
import type { Task } from '../domain/task';
import { requeue } from './requeue';
import { update } from './optimistic';
import type { DistributionDeps } from './ports';

export async function changePriority(taskId: string, priority: number, deps: DistributionDeps): Promise<Task> {
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => {
      if (task.state !== 'queued' && task.state !== 'offered' && task.state !== 'in-workflow') {
        throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}; only a waiting task's priority can change`, { taskId, from: task.state });
      }
      return task.priority === priority ? undefined : { ...task, priority };
    },
    { code: 'TASK.NOT_FOUND', message: `task ${taskId} not found` },
  );
  if (after.value.state === 'queued') {
    await requeue(after, deps);
    await deps.signal.requestDistribution(after.value.serviceId, 'priority changed');
  }
  return after.value;
}
