// Tasks in the `tasks` container (partitioned by /id): a document store, plus the distributor's
// claim of a queued task, the agent's accept of a claimed one and their finish of an accepted one,
// each as one ETag-conditional patch of the task as it was then, so that none needs a read.
import type { PatchOperation } from '@azure/cosmos';
import { offerIndex, type Offer, type Task } from '../domain/task';
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
    return this.#patchIf(entry.taskId, entry.taskEtag, operations, 'since it was queued');
  }

  /**
   * The patch makes the change the domain's `accepted` makes to the task as it was claimed (offered,
   * the offer open): state, the offer settled, the agent assigned, the time connected.
   */
  async acceptClaimed(taskId: string, taskEtag: string, offerId: string, agentId: string, at: string): Promise<Versioned<Task>> {
    const offer = `/offers/${offerIndex(offerId)}`;
    const operations: PatchOperation[] = [
      { op: 'set', path: '/state', value: 'connected' },
      { op: 'set', path: `${offer}/outcome`, value: 'accepted' },
      { op: 'set', path: `${offer}/decidedAt`, value: at },
      { op: 'set', path: '/assignedAgentId', value: agentId },
      { op: 'set', path: '/timings/connectedAt', value: at },
    ];
    return this.#patchIf(taskId, taskEtag, operations, `since offer ${offerId} was made`);
  }

  /**
   * The patch makes the change the domain's `finished` makes to the task as it was accepted
   * (connected, no outcome yet): into wrap-up with its ACW, or closed as handled when there is none.
   */
  async finishAccepted(taskId: string, taskEtag: string, at: Date, acwSeconds: number): Promise<Versioned<Task>> {
    const when = at.toISOString();
    const acw = { endsAt: new Date(at.getTime() + acwSeconds * 1000).toISOString(), extensions: 0 };
    const operations: PatchOperation[] = [
      { op: 'set', path: '/state', value: acwSeconds === 0 ? 'closed' : 'wrap-up' },
      { op: 'set', path: '/acw', value: acw },
      { op: 'set', path: '/timings/wrapUpAt', value: when },
      ...(acwSeconds === 0
        ? [
            { op: 'set' as const, path: '/outcome', value: 'handled' },
            { op: 'set' as const, path: '/timings/endedAt', value: when },
          ]
        : []),
    ];
    return this.#patchIf(taskId, taskEtag, operations, 'since it was accepted');
  }

  async #patchIf(taskId: string, etag: string, operations: PatchOperation[], since: string): Promise<Versioned<Task>> {
    try {
      const { resource } = await this.container.item(taskId, taskId).patch(operations, { accessCondition: { type: 'IfMatch', condition: etag } });
      return this.versioned(resource);
    } catch (err) {
      const status = cosmosStatus(err);
      if (status === 412 || status === 404) throw new PreconditionFailedError(`tasks/${taskId} changed ${since} (${String(status)})`);
      throw err;
    }
  }
}
