// Tasks in the `tasks` container (partitioned by /id): a document store, plus the distributor's
// claim of a queued task as one ETag-conditional patch, so that claiming needs no read.
import type { Container, PatchOperation } from '@azure/cosmos';
import type { Offer, Task } from '../domain/task';
import { PreconditionFailedError, type QueueEntry, type TaskStore, type Versioned } from '../distribution/ports';
import { CosmosDocumentStore, stripSystemProperties } from './cosmosDocumentStore';
import { cosmosStatus } from './cosmosStatus';

export class CosmosTaskStore extends CosmosDocumentStore<Task> implements TaskStore {
  readonly #container: Container;

  constructor(container: Container) {
    super(container);
    this.#container = container;
  }

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
      const { resource } = await this.#container.item(entry.taskId, entry.taskId).patch<Task & { _etag: string }>(operations, { accessCondition: { type: 'IfMatch', condition: entry.taskEtag } });
      if (!resource?._etag) throw new Error(`Cosmos returned no task or no ETag for ${entry.taskId}`);
      return { value: stripSystemProperties(resource) as unknown as Task, etag: resource._etag };
    } catch (err) {
      const status = cosmosStatus(err);
      if (status === 412 || status === 404) throw new PreconditionFailedError(`tasks/${entry.taskId} changed since it was queued (${String(status)})`);
      throw err;
    }
  }
}
