// What a workflow does to its task: queue it, save parameters, transfer it, end it. Each step is
// idempotent (it reads the task and writes only what is not yet so), so a retried activity is harmless.
import { DomainError } from '../domain/errors';
import { openOffer, settleOffer, transition, type Task, type TaskState } from '../domain/task';
import { cancelTask } from '../distribution/cancelTask';
import { changePriority } from '../distribution/changePriority';
import { update } from '../distribution/optimistic';
import { queueTask } from '../distribution/queueTask';
import type { DistributionDeps } from '../distribution/ports';
import { releaseSettledOffer } from '../distribution/settledOffers';

const taskMissing = (taskId: string) => ({ code: 'TASK.NOT_FOUND' as const, message: `task ${taskId} not found` });

export async function readTask(taskId: string, deps: DistributionDeps): Promise<Task> {
  const task = (await deps.tasks.read(taskId))?.value;
  if (!task) throw new DomainError('TASK.NOT_FOUND', `task ${taskId} not found`, { taskId });
  return task;
}

/** States in which a task still waits for an agent. */
export const waitingStates: readonly TaskState[] = ['in-workflow', 'queued', 'offered'];
export const isWaiting = (task: Task): boolean => waitingStates.includes(task.state);

export type QueueOutcome = 'queued' | 'queueFull' | 'connected' | 'ended';

/** Queue Task: hands the task to the distributor (or finds it already there, or past it). */
export async function queueFromWorkflow(taskId: string, deps: DistributionDeps): Promise<QueueOutcome> {
  try {
    const task = await queueTask(taskId, deps);
    if (task.state === 'connected' || task.state === 'wrap-up') return 'connected';
    return task.state === 'queued' || task.state === 'offered' ? 'queued' : 'ended';
  } catch (err) {
    if (err instanceof DomainError && err.code === 'QUEUE.FULL') return 'queueFull';
    if (err instanceof DomainError && err.code === 'TASK.ILLEGAL_TRANSITION') return 'ended';
    throw err;
  }
}

export async function setParameters(taskId: string, values: Readonly<Record<string, string>>, deps: DistributionDeps): Promise<Task> {
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => (Object.entries(values).every(([k, v]) => task.parameters[k] === v) ? undefined : { ...task, parameters: { ...task.parameters, ...values } }),
    taskMissing(taskId),
  );
  return after.value;
}

export async function setPriority(taskId: string, priority: number, deps: DistributionDeps): Promise<Task> {
  const task = await readTask(taskId, deps);
  return isWaiting(task) ? changePriority(taskId, priority, deps) : task;
}

/**
 * Transfer: the task leaves its service (queue entry and any open offer go) and enters the target
 * service in-workflow, keeping its parameters and its call flow with a step for each service.
 */
export async function transferTask(taskId: string, toServiceId: string, deps: DistributionDeps): Promise<Task> {
  const target = (await deps.services.read(toServiceId))?.value;
  if (!target || !target.imEnabled) throw new DomainError('SERVICE.NOT_FOUND', `transfer target ${toServiceId} is not an IM service`, { serviceId: toServiceId });
  const now = deps.clock.now().toISOString();
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => {
      if (task.serviceId === toServiceId && task.callFlow.at(-1)?.reason === 'transferred') return undefined; // a retried transfer
      if (!isWaiting(task)) throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}; only a waiting task can be transferred`, { taskId, from: task.state });
      const offer = openOffer(task);
      // An offered task first goes back to queued (its offer withdrawn): only waiting states transfer.
      const from = task.state === 'offered' && offer ? transition(task, 'queued', { offers: settleOffer(task, offer.offerId, 'withdrawn', now) }) : task;
      const moved = transition(from, 'transferred');
      return transition(moved, 'in-workflow', {
        serviceId: toServiceId,
        callFlow: [...task.callFlow.map((step, i) => (i === task.callFlow.length - 1 && step.leftAt === null ? { ...step, leftAt: now } : step)), { serviceId: toServiceId, enteredAt: now, leftAt: null, reason: 'transferred' }],
      });
    },
    taskMissing(taskId),
  );
  // Clean up from what the task records, not from the state read first: a retried transfer finds the
  // task moved already and must still clear the old service's queue entry and the withdrawn offer's slot.
  const previousServiceId = after.value.callFlow.at(-2)?.serviceId;
  if (previousServiceId !== undefined) await deps.queue.remove(previousServiceId, taskId);
  // The offer the transfer withdrew (decided as it entered the new service), if the task was offered.
  const transferredAt = after.value.callFlow.at(-1)?.enteredAt;
  const withdrawn = after.value.offers.find((o) => o.outcome === 'withdrawn' && o.decidedAt === transferredAt);
  if (withdrawn && previousServiceId !== undefined) await releaseSettledOffer(after.value, withdrawn, previousServiceId, 'transferred', deps);
  return after.value;
}

/** Disconnect: the workflow ends the chat; a waiting task ends (closed, or cancelled when it was queued). */
export async function endFromWorkflow(taskId: string, outcome: 'disconnected' | 'handled', deps: DistributionDeps): Promise<Task> {
  const task = await readTask(taskId, deps);
  if (task.state === 'queued' || task.state === 'offered') return cancelTask(taskId, outcome === 'handled' ? 'handled by the workflow' : 'disconnected by the workflow', deps);
  if (task.state !== 'in-workflow') return task;
  const now = deps.clock.now().toISOString();
  const { after } = await update(
    deps.tasks,
    taskId,
    (current) => (current.state === 'in-workflow' ? transition(current, 'closed', { outcome: current.outcome ?? outcome, timings: { ...current.timings, endedAt: now } }) : undefined),
    taskMissing(taskId),
  );
  return after.value;
}

export async function markHandled(taskId: string, deps: DistributionDeps): Promise<Task> {
  const { after } = await update(deps.tasks, taskId, (task) => (task.outcome === 'handled' ? undefined : { ...task, outcome: 'handled' }), taskMissing(taskId));
  return after.value;
}

/** A workflow that fails ends its task as failed with the reason, rather than leaving it stuck. */
export async function failTask(taskId: string, reason: string, deps: DistributionDeps): Promise<Task> {
  const now = deps.clock.now().toISOString();
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => (task.state === 'in-workflow' || task.state === 'queued' ? transition(task, 'failed', { outcome: `failed: ${reason}`, timings: { ...task.timings, endedAt: now } }) : undefined),
    taskMissing(taskId),
  );
  await deps.queue.remove(after.value.serviceId, taskId);
  return after.value;
}
