// A task going back to its service's queue at its old place: its entry is written again from the
// task as stored, keeping its priority and arrival order.
import { rangOutBy, refusedBy, type Task } from '../domain/task';
import { PreconditionFailedError, type DistributionDeps, type QueueEntry, type Versioned } from './ports';

/**
 * Puts a queued task's entry back with its old priority and arrival order: it keeps its place.
 *
 * Entries are put whole, so puts race: one made from an older read of the task can land after one
 * made from a newer (a priority raised meanwhile, the task offered, cancelled or moved to another
 * service), and would put the task at a place it no longer has, or in a queue it has left. So after
 * its put each caller reads the task again: changed since, it puts the entry again from what the task
 * says now, or takes its own entry back (conditional on the entry's ETag) when the task is no longer
 * waiting in that service. The last put is always checked by whoever made it, so the entry ends as
 * the task says. Except for a task offered since: a round may have claimed it from this very entry,
 * and it removes the entry only once the agent is told (a round that dies before is resumed from it,
 * and the ring-out timer takes an entry still there for an offer never told). So the entry stays,
 * and a round is asked for: a stale one is dropped by it, finishing nothing twice.
 */
export async function requeue(stored: Versioned<Task>, deps: DistributionDeps): Promise<void> {
  let current = stored;
  for (;;) {
    const put = await deps.queue.put(queueEntry(current, deps.clock.now()));
    const now = await deps.tasks.read(current.value.id);
    if (now?.etag === current.etag) return;
    if (now?.value.state === 'offered' && now.value.serviceId === current.value.serviceId) {
      await deps.signal.requestDistribution(now.value.serviceId, 'queue entry of an offered task');
      return;
    }
    if (!now || now.value.state !== 'queued' || now.value.serviceId !== current.value.serviceId) await removeOwnEntry(put, deps);
    if (!now || now.value.state !== 'queued') return;
    current = now;
  }
}

/** Removes the entry this put wrote, unless it was written over since (by a newer put, which is checked by its maker). */
async function removeOwnEntry(put: Versioned<QueueEntry>, deps: DistributionDeps): Promise<void> {
  try {
    await deps.queue.remove(put.value.serviceId, put.value.taskId, put.etag);
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
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
    rangOutBy: rangOutBy(task),
  };
}
