// A task going back to its service's queue at its old place: its entry is written again from the
// task as stored, keeping its priority and arrival order.
import { refusedBy, type Task } from '../domain/task';
import type { DistributionDeps, QueueEntry, Versioned } from './ports';

/** Puts a queued task's entry back with its old priority and arrival order: it keeps its place. */
export async function requeue(stored: Versioned<Task>, deps: DistributionDeps): Promise<void> {
  await deps.queue.put(queueEntry(stored, deps.clock.now()));
}

/** The queue entry of a queued task as stored (`stored` is the task's latest write). */
export function queueEntry({ value: task, etag }: Versioned<Task>, now: Date): QueueEntry {
  return {
    id: task.id,
    serviceId: task.serviceId,
    taskId: task.id,
    priority: task.priority,
    enqueueOrder: task.enqueueOrder,
    enqueuedAt: task.timings.queuedAt ?? now.toISOString(),
    taskEtag: etag,
    offerCount: task.offers.length,
    refusedBy: refusedBy(task),
  };
}
