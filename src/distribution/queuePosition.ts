// A waiting task's exact place in its service's queue, and an estimate of its wait.
import { DomainError } from '../domain/errors';
import type { TaskState } from '../domain/task';
import type { DistributionDeps } from './ports';

export interface QueuePosition {
  readonly taskId: string;
  readonly serviceId: string;
  readonly state: TaskState;
  /** 1 for the head of the queue; null when the task is not waiting in the queue. */
  readonly position: number | null;
  readonly queueLength: number;
  /**
   * position x average handle time / staffed capacity (the on-duty agents signed in); null until the
   * service has history, and while none of its on-duty agents is signed in (no estimate would hold).
   */
  readonly estimatedWaitSeconds: number | null;
}

/** Sessions the handle-time average is taken over. */
const historyWindow = 50;

export async function queuePosition(taskId: string, deps: DistributionDeps): Promise<QueuePosition> {
  const task = (await deps.tasks.read(taskId))?.value;
  if (!task) throw new DomainError('TASK.NOT_FOUND', `task ${taskId} not found`, { taskId });
  const entry = task.state === 'queued' ? await deps.queue.read(task.serviceId, task.id) : undefined;
  const queueLength = await deps.queue.length(task.serviceId);
  if (!entry) return { taskId, serviceId: task.serviceId, state: task.state, position: null, queueLength, estimatedWaitSeconds: null };
  const position = (await deps.queue.countAhead(entry.value)) + 1;
  const averageHandle = await deps.sessions.averageHandleSeconds(task.serviceId, historyWindow);
  const capacity = await deps.directory.staffedCapacity(task.serviceId);
  const estimatedWaitSeconds = averageHandle === undefined || capacity === 0 ? null : Math.ceil((position * averageHandle) / capacity);
  return { taskId, serviceId: task.serviceId, state: task.state, position, queueLength, estimatedWaitSeconds };
}
