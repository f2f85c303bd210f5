// Tasks in the `tasks` container (partitioned by /id): a document store, plus the distributor's
// claim of a queued task as one ETag-conditional patch, so that claiming needs no read.
import type { PatchOperation } from '@azure/cosmos';
import type { Offer, Task } from '../domain/task';
import { PreconditionFailedError, type QueueEntry, type TaskStore, type Versioned } from '../distribution/ports';
import { CosmosDocumentStore } from './cosmosDocumentStore';
import { cosmosStatus } from './cosmosStatus';

export class CosmosTaskStore extends CosmosDocumentStore<Task> implements TaskStore {
  /**
   * The patch makes the change the domain's `offered` makes to the task the entry describes: state,
   * the open offer appended, and the first offer's time when it had none (a task has a first-offer
   * time exactly when it has offers).
   */
  async offerQueued(entry: QueueEntry, offer: Offer): Promise<Versioned<Task>> {
    const operations: PatchOperation[] = [
      { op: 'set', path: '/state', value: 'offered' },
      { op: 'add', path: '/offers/-', value: offer },
      ...(entry.offerCount === 0 ? [{ op: 'set' as const, path: '/timings/firstOfferedAt', value: offer.offeredAt }] : []),
    ];
    try {
      const { resource } = await this.container.item(entry.taskId, entry.taskId).patch(operations, { accessCondition: { type: 'IfMatch', condition: entry.taskEtag } });
      return this.versioned(resource);
    } catch (err) {
      const status = cosmosStatus(err);
      if (status === 412 || status === 404) throw new PreconditionFailedError(`tasks/${entry.taskId} changed since it was queued (${String(status)})`);
      throw err;
    }
  }
}
