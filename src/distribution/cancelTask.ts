// Ending a task that has not reached an agent yet (in its workflow, queued, or offered but not
// accepted): cancelled by the contact center, or abandoned when the customer left.
import { DomainError } from '../domain/errors';
import { openOffer, settleOffer, transition, type Task } from '../domain/task';
import { update } from './optimistic';
import type { DistributionDeps } from './ports';
import { releaseSettledOffer } from './settledOffers';

export function cancelTask(taskId: string, reason: string, deps: DistributionDeps): Promise<Task> {
  return endWaitingTask(taskId, 'cancelled', reason, deps);
}

export type WaitingTaskEnd = 'cancelled' | 'abandoned';

/**
 * Ends a waiting task as `end`, withdrawing an open offer, removing its queue entry and recording
 * its session. Idempotent: a task already ended this way is returned as it is. A task that reached
 * an agent or ended otherwise gets TASK.ILLEGAL_TRANSITION (abandoning also refuses `created`).
 */
export async function endWaitingTask(taskId: string, end: WaitingTaskEnd, reason: string, deps: DistributionDeps): Promise<Task> {
  const now = deps.clock.now().toISOString();
  const { after } = await update(
    deps.tasks,
    taskId,
    (task) => {
      if (task.state === end) return undefined;
      if (task.state !== 'queued' && task.state !== 'offered' && task.state !== 'in-workflow' && task.state !== 'created') {
        throw new DomainError('TASK.ILLEGAL_TRANSITION', `task ${taskId} is ${task.state}; only a waiting task can be ${end}`, { taskId, from: task.state, to: end });
      }
      const offer = openOffer(task);
      return transition(task, end, {
        offers: offer ? settleOffer(task, offer.offerId, 'cancelled', now) : task.offers,
        outcome: reason,
        timings: { ...task.timings, endedAt: now },
      });
    },
    { code: 'TASK.NOT_FOUND', message: `task ${taskId} not found` },
  );
  const task = after.value;
  await deps.queue.remove(task.serviceId, task.id);
  const cancelledOffer = task.offers.find((o) => o.outcome === 'cancelled');
  if (cancelledOffer) await releaseSettledOffer(task, cancelledOffer, task.serviceId, end, deps);
  // Recorded on every delivery (an upsert of the same record), so a crash before it cannot lose it.
  if (task.state === end) {
    const endedAt = task.timings.endedAt ?? now;
    await deps.sessions.record({
      id: task.id,
      serviceId: task.serviceId,
      taskId: task.id,
      agentId: null,
      outcome: task.outcome ?? end,
      queuedAt: task.timings.queuedAt,
      connectedAt: null,
      endedAt,
      waitSeconds: task.timings.queuedAt ? (Date.parse(endedAt) - Date.parse(task.timings.queuedAt)) / 1000 : null,
      handleSeconds: null,
      codes: task.codes,
      tags: task.tags,
    });
  }
  return task;
}
