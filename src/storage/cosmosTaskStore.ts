// Tasks in the `tasks` container (partitioned by /id): a document store, plus the distributor's
// claim of a queued task (conditional on its ETag when queued), the agent's accept of an offer and
// their finish of a chat (conditional on what the domain requires of the task), each as one patch,
// so that none needs a read.
import type { PatchOperation } from '@azure/cosmos';
import { acwFrom, offerIndex, terminalStates, type Offer, type Task } from '../domain/task';
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
    return this.#patchIf(entry.taskId, { etag: entry.taskEtag }, operations, 'it changed since it was queued');
  }

  /** The patch makes the change the domain's `accepted` makes, on the condition the domain's `acceptable` states. */
  async acceptOpenOffer(taskId: string, offerId: string, agentId: string, at: string): Promise<Versioned<Task>> {
    const index = offerIndex(offerId);
    const offer = `c.offers[${index}]`;
    const condition = where([
      `c.state = 'offered'`,
      `${offer}.offerId = ${literal(offerId)}`,
      `${offer}.agentId = ${literal(agentId)}`,
      `${offer}.outcome = 'open'`,
      `${offer}.expiresAt > ${literal(at)}`,
    ]);
    const operations: PatchOperation[] = [
      { op: 'set', path: '/state', value: 'connected' },
      { op: 'set', path: `/offers/${index}/outcome`, value: 'accepted' },
      { op: 'set', path: `/offers/${index}/decidedAt`, value: at },
      { op: 'set', path: '/assignedAgentId', value: agentId },
      { op: 'set', path: '/timings/connectedAt', value: at },
    ];
    return this.#patchIf(taskId, { condition }, operations, `offer ${offerId} is not open to agent ${agentId}`);
  }

  /** The patch makes the change the domain's `finished` makes, on the condition the domain's `finishable` states. */
  async finishConnected(taskId: string, offerId: string, agentId: string, at: Date, acwSeconds: number): Promise<Versioned<Task>> {
    const offer = `c.offers[${offerIndex(offerId)}]`;
    const condition = where([
      `c.state = 'connected'`,
      `c.assignedAgentId = ${literal(agentId)}`,
      `(IS_NULL(c.outcome) OR c.outcome = 'handled')`,
      `${offer}.offerId = ${literal(offerId)}`,
      `${offer}.outcome = 'accepted'`,
      `${offer}.afterCallWork.durationSeconds = ${acwSeconds}`,
    ]);
    const when = at.toISOString();
    const operations: PatchOperation[] = [
      { op: 'set', path: '/state', value: acwSeconds === 0 ? 'closed' : 'wrap-up' },
      { op: 'set', path: '/acw', value: acwFrom(at, acwSeconds) },
      { op: 'set', path: '/timings/wrapUpAt', value: when },
      ...(acwSeconds === 0
        ? [
            { op: 'set' as const, path: '/outcome', value: 'handled' },
            { op: 'set' as const, path: '/timings/endedAt', value: when },
          ]
        : []),
    ];
    return this.#patchIf(taskId, { condition }, operations, `it is not the chat agent ${agentId} accepted with ${offerId}`);
  }

  async openIn(serviceId: string, limit: number): Promise<readonly string[]> {
    const { resources } = await this.container.items
      .query<string>({
        query: 'SELECT TOP @limit VALUE c.id FROM c WHERE c.serviceId = @serviceId AND NOT ARRAY_CONTAINS(@over, c.state)',
        parameters: [
          { name: '@serviceId', value: serviceId },
          { name: '@over', value: [...terminalStates] },
          { name: '@limit', value: limit },
        ],
      })
      .fetchAll();
    return resources;
  }

  /** A patch on a condition: the task's ETag, or a filter predicate. PreconditionFailedError (saying `refused`) when it does not hold or the task is gone. */
  async #patchIf(taskId: string, on: { etag: string } | { condition: string }, operations: PatchOperation[], refused: string): Promise<Versioned<Task>> {
    try {
      const item = this.container.item(taskId, taskId);
      const { resource } = 'etag' in on ? await item.patch(operations, { accessCondition: { type: 'IfMatch', condition: on.etag } }) : await item.patch({ operations, condition: on.condition });
      return this.versioned(resource);
    } catch (err) {
      const status = cosmosStatus(err);
      if (status === 412 || status === 404) throw new PreconditionFailedError(`tasks/${taskId}: ${refused} (${String(status)})`);
      throw err;
    }
  }
}

/** A patch condition (Cosmos DB's filter predicate) of all the clauses. */
function where(clauses: readonly string[]): string {
  return `FROM c WHERE ${clauses.join(' AND ')}`;
}

/** A string as a Cosmos SQL literal. */
function literal(value: string): string {
  return JSON.stringify(value);
}
