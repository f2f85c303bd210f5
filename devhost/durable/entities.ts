// Durable entities: operations queue per entity and run in batches, one batch per entity at a
// time, through the entity function (host.invoke with the SDK's entity batch payload).
import { randomUUID } from 'node:crypto';
import { invokeSafely, type EngineHost } from './invoke';
import type { EntityRecord } from './instance';
import type { InstanceStore } from './store';

export interface EntityOperation {
  id: string;
  name: string;
  signal: boolean;
  /** JSON text of the operation input. */
  input?: string;
  /** The orchestration waiting for the result of a call. */
  replyTo?: { instanceId: string; executionId: string };
  /** The orchestration that sent it, which may hold the entity's lock. */
  owner?: string;
}

/** A critical section's lock request travelling through its entities in order. */
interface LockRequest {
  requestId: string;
  owner: { instanceId: string; executionId: string };
  /** Scheduler ids, sorted as the SDK sorts them. */
  entities: string[];
  position: number;
}

type QueueItem = { kind: 'operation'; operation: EntityOperation } | { kind: 'lock'; request: LockRequest };

export interface OperationResponse {
  /** JSON text of the result, absent when the operation returned nothing. */
  result?: string;
  /** Set when the operation threw. */
  exceptionType?: string;
}

interface EntityBatchResult {
  entityExists?: boolean;
  entityState?: string;
  results?: { isError: boolean; result?: string }[];
  signals?: { target: { name: string; key: string }; name: string; input?: string }[];
}

export function schedulerId(name: string, key: string): string {
  return `@${name.toLowerCase()}@${key}`;
}

/** Splits `@name@key`; undefined when the id is not an entity's. */
export function parseSchedulerId(id: string): { name: string; key: string } | undefined {
  if (!id.startsWith('@')) return undefined;
  const at = id.indexOf('@', 1);
  if (at < 0) return undefined;
  return { name: id.slice(1, at), key: id.slice(at + 1) };
}

export class EntityRunner {
  readonly #store: InstanceStore;
  readonly #respond: (replyTo: NonNullable<EntityOperation['replyTo']>, requestId: string, response: OperationResponse) => void;
  readonly #track: (work: Promise<void>) => void;
  readonly #now: () => Date;
  readonly #queues = new Map<string, QueueItem[]>();
  readonly #running = new Set<string>();
  /** Entity scheduler id -> the orchestration instance holding its lock. */
  readonly #locks = new Map<string, string>();
  readonly #onLockGranted: (request: LockRequest) => void;
  #host: EngineHost | undefined;

  constructor(
    store: InstanceStore,
    respond: (replyTo: NonNullable<EntityOperation['replyTo']>, requestId: string, response: OperationResponse) => void,
    track: (work: Promise<void>) => void,
    now: () => Date,
    onLockGranted: (owner: { instanceId: string; executionId: string }, requestId: string) => void,
  ) {
    this.#onLockGranted = (request) => onLockGranted(request.owner, request.requestId);
    this.#store = store;
    this.#respond = respond;
    this.#track = track;
    this.#now = now;
  }

  start(host: EngineHost): void {
    this.#host = host;
    for (const id of this.#queues.keys()) this.#pump(id);
  }

  functionName(name: string): string | undefined {
    return this.#host?.functions.find((f) => f.name.toLowerCase() === name.toLowerCase() && f.trigger.type === 'entityTrigger')?.name;
  }

  /** Queues an operation; false when no entity function has that name. */
  enqueue(name: string, key: string, operation: Omit<EntityOperation, 'id'> & { id?: string }): boolean {
    if (this.functionName(name) === undefined) return false;
    this.#push(schedulerId(name, key), { kind: 'operation', operation: { ...operation, id: operation.id ?? randomUUID() } });
    return true;
  }

  /** Requests the locks of a critical section; they are taken one entity at a time, in the given (sorted) order. */
  lock(owner: { instanceId: string; executionId: string }, requestId: string, entities: string[]): void {
    const first = entities[0];
    if (first === undefined) return;
    this.#push(first, { kind: 'lock', request: { requestId, owner, entities, position: 0 } });
  }

  /** Releases every lock an orchestration holds (at release() and when the orchestration ends). */
  releaseAll(instanceId: string): void {
    for (const [id, owner] of [...this.#locks]) {
      if (owner !== instanceId) continue;
      this.#locks.delete(id);
      this.#pump(id);
    }
  }

  lockedBy(id: string): string | undefined {
    return this.#locks.get(id);
  }

  #push(id: string, item: QueueItem): void {
    const queue = this.#queues.get(id) ?? [];
    queue.push(item);
    this.#queues.set(id, queue);
    this.#pump(id);
  }

  /**
   * Takes what may run now: while the entity is locked, only its owner's operations; otherwise
   * operations up to the next lock request, which is granted when it reaches the head.
   */
  #take(id: string): EntityOperation[] {
    const queue = this.#queues.get(id) ?? [];
    const batch: EntityOperation[] = [];
    for (let i = 0; i < queue.length; ) {
      const item = queue[i];
      if (item === undefined) break;
      const owner = this.#locks.get(id);
      if (owner !== undefined) {
        if (item.kind === 'operation' && item.operation.owner === owner) {
          batch.push(item.operation);
          queue.splice(i, 1);
        } else {
          i++;
        }
        continue;
      }
      if (item.kind === 'operation') {
        batch.push(item.operation);
        queue.splice(i, 1);
        continue;
      }
      if (batch.length > 0) break;
      queue.splice(i, 1);
      this.#grant(id, item.request);
    }
    if (queue.length === 0) this.#queues.delete(id);
    return batch;
  }

  #grant(id: string, request: LockRequest): void {
    this.#locks.set(id, request.owner.instanceId);
    const next = request.entities[request.position + 1];
    if (next === undefined) this.#onLockGranted(request);
    else this.#push(next, { kind: 'lock', request: { ...request, position: request.position + 1 } });
  }

  #pump(id: string): void {
    if (this.#host === undefined || this.#running.has(id)) return;
    const batch = this.#take(id);
    if (batch.length === 0) return;
    this.#running.add(id);
    this.#track(
      this.#runBatch(id, batch).finally(() => {
        this.#running.delete(id);
        this.#pump(id);
      }),
    );
  }

  async #runBatch(id: string, batch: EntityOperation[]): Promise<void> {
    const host = this.#host;
    const target = parseSchedulerId(id);
    if (host === undefined || target === undefined) return;
    const functionName = this.functionName(target.name) ?? target.name;
    const record: EntityRecord = this.#store.getEntity(id) ?? { schedulerId: id, name: target.name, key: target.key, exists: false, lastOperationTime: this.#now().toISOString() };
    const payload = {
      self: { name: target.name, key: target.key },
      exists: record.exists,
      state: record.state,
      batch: batch.map((op) => ({ id: op.id, name: op.name, signal: op.signal, input: op.input })),
    };
    const outcome = await invokeSafely(host, functionName, JSON.stringify(payload));
    let result: EntityBatchResult | undefined;
    if (outcome.error === undefined) {
      try {
        result = JSON.parse(outcome.returnValue?.json ?? outcome.returnValue?.string ?? 'null') as EntityBatchResult;
      } catch {
        result = undefined;
      }
    }
    if (result === undefined || result === null) {
      // The whole batch failed: state is unchanged and every call learns why.
      const message = outcome.error?.message ?? `entity function '${functionName}' returned no entity state`;
      host.log.error(`Durable: entity ${id}: ${message}`);
      for (const op of batch) if (op.replyTo) this.#respond(op.replyTo, op.id, { result: JSON.stringify(message), exceptionType: 'Error' });
      return;
    }
    const exists = result.entityExists === true;
    this.#store.saveEntity({
      ...record,
      exists,
      ...(exists && result.entityState !== undefined ? { state: result.entityState } : { state: undefined }),
      lastOperationTime: this.#now().toISOString(),
    });
    batch.forEach((op, i) => {
      if (op.replyTo === undefined) return;
      const opResult = result?.results?.[i];
      this.#respond(op.replyTo, op.id, {
        ...(opResult?.result === undefined ? {} : { result: opResult.result }),
        ...(opResult?.isError === true ? { exceptionType: 'Error' } : {}),
      });
    });
    for (const signal of result.signals ?? []) {
      if (!this.enqueue(signal.target.name, signal.target.key, { name: signal.name, signal: true, ...(signal.input ? { input: signal.input } : {}) })) {
        host.log.warn(`Durable: entity ${id} signalled '${signal.target.name}', which is not an entity function.`);
      }
    }
  }
}
