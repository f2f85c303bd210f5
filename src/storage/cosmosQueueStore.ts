// The waiting queue in the `queue` container, one partition per service: head, position and
// length are single-partition queries served by the composite index (priority desc, enqueueOrder asc).
import type { Container } from '@azure/cosmos';
import { PreconditionFailedError, type QueueEntry, type QueueStore, type Versioned } from '../distribution/ports';
import { stripSystemProperties } from './cosmosDocumentStore';
import { cosmosStatus } from './cosmosStatus';

type StoredEntry = QueueEntry & { _etag: string };

function versioned(document: StoredEntry): Versioned<QueueEntry> {
  return { value: stripSystemProperties(document) as unknown as QueueEntry, etag: document._etag };
}

export class CosmosQueueStore implements QueueStore {
  readonly #container: Container;

  constructor(container: Container) {
    this.#container = container;
  }

  async put(entry: QueueEntry): Promise<Versioned<QueueEntry>> {
    const { resource } = await this.#container.items.upsert<QueueEntry>({ ...entry });
    if (!resource) throw new Error('Cosmos returned no queue entry');
    return versioned(resource as unknown as StoredEntry);
  }

  async read(serviceId: string, taskId: string): Promise<Versioned<QueueEntry> | undefined> {
    try {
      const { resource } = await this.#container.item(taskId, serviceId).read<StoredEntry>();
      return resource ? versioned(resource) : undefined;
    } catch (err) {
      if (cosmosStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async first(serviceId: string, limit: number): Promise<readonly Versioned<QueueEntry>[]> {
    const { resources } = await this.#container.items
      .query<StoredEntry>(
        {
          query: 'SELECT TOP @limit * FROM q WHERE q.serviceId = @serviceId ORDER BY q.priority DESC, q.enqueueOrder ASC',
          parameters: [
            { name: '@serviceId', value: serviceId },
            { name: '@limit', value: limit },
          ],
        },
        { partitionKey: serviceId },
      )
      .fetchAll();
    return resources.map(versioned);
  }

  async remove(serviceId: string, taskId: string, etag?: string): Promise<boolean> {
    try {
      await this.#container.item(taskId, serviceId).delete(etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : {});
      return true;
    } catch (err) {
      const status = cosmosStatus(err);
      if (status === 404) return false;
      if (status === 412) throw new PreconditionFailedError(`queue entry ${taskId} changed`);
      throw err;
    }
  }

  async countAhead(entry: QueueEntry): Promise<number> {
    const { resources } = await this.#container.items
      .query<number>(
        {
          query: 'SELECT VALUE COUNT(1) FROM q WHERE q.serviceId = @serviceId AND (q.priority > @priority OR (q.priority = @priority AND q.enqueueOrder < @enqueueOrder))',
          parameters: [
            { name: '@serviceId', value: entry.serviceId },
            { name: '@priority', value: entry.priority },
            { name: '@enqueueOrder', value: entry.enqueueOrder },
          ],
        },
        { partitionKey: entry.serviceId },
      )
      .fetchAll();
    return resources[0] ?? 0;
  }

  async length(serviceId: string): Promise<number> {
    const { resources } = await this.#container.items
      .query<number>({ query: 'SELECT VALUE COUNT(1) FROM q WHERE q.serviceId = @serviceId', parameters: [{ name: '@serviceId', value: serviceId }] }, { partitionKey: serviceId })
      .fetchAll();
    return resources[0] ?? 0;
  }
}
