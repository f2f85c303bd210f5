// A task enters a service: straight into its queue (the external task API), or into its workflow
// (chats), which queues it later with queueTask.
import { createHash, randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { enqueueOrderKey } from '../domain/queueOrder';
import { beingDeletedError, isBeingDeleted } from '../domain/service';
import type { Task } from '../domain/task';
import { cancelTask } from './cancelTask';
import { queueEntry, requeue } from './requeue';
import { AlreadyExistsError, type DistributionDeps, type Versioned } from './ports';

export interface NewTask {
  readonly serviceId: string;
  readonly channel: string;
  readonly priority?: number;
  readonly parameters?: Readonly<Record<string, string>>;
  /** A client's idempotency key: the same key always yields the same task. */
  readonly idempotencyKey?: string;
  /**
   * 'queued' (the default): into the queue, and a distribution round is asked for. 'in-workflow':
   * no queue entry and no round; the task's workflow decides when it is queued (queueTask).
   */
  readonly initialState?: 'queued' | 'in-workflow';
}

/** What a keyed create request asks for; a retry with the same key must ask for the same. */
function fingerprint(request: NewTask): string {
  const asked = { channel: request.channel, priority: request.priority ?? null, parameters: Object.entries(request.parameters ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)), initialState: request.initialState ?? 'queued' };
  return createHash('sha256').update(JSON.stringify(asked)).digest('base64url');
}

function taskIdFor(request: NewTask): string {
  if (!request.idempotencyKey) return randomUUID();
  const hash = createHash('sha256').update(`${request.serviceId}\n${request.idempotencyKey}`).digest('hex');
  return `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
}

export async function createTask(request: NewTask, deps: DistributionDeps): Promise<{ task: Task; created: boolean }> {
  const service = (await deps.services.read(request.serviceId))?.value;
  if (!service) throw new DomainError('SERVICE.NOT_FOUND', `service ${request.serviceId} not found`, { serviceId: request.serviceId });
  if (!service.imEnabled) throw new DomainError('SERVICE.IM_DISABLED', `service ${service.id} does not take IM tasks`, { serviceId: service.id });
  if (isBeingDeleted(service, deps.clock.now())) throw beingDeletedError(service.id);
  const id = taskIdFor(request);
  // Only a keyed request can be a retry of an earlier one; a fresh random id needs no look-up.
  const existing = request.idempotencyKey ? await deps.tasks.read(id) : undefined;
  if (existing) {
    // Tasks created before fingerprints were kept have none: they are taken as the same request.
    if (existing.value.requestFingerprint !== undefined && existing.value.requestFingerprint !== fingerprint(request)) {
      throw new DomainError('IDEMPOTENCY.KEY_REUSED', `Idempotency-Key "${request.idempotencyKey ?? ''}" was used for another request (task ${id}); use a new key for a new task`, { taskId: id });
    }
    // A retried request: finish what the first attempt may have left undone, its round asked for included.
    if (existing.value.state === 'queued') {
      await requeue(existing, deps);
      await deps.signal.requestDistribution(service.id, 'task queued');
    }
    return { task: existing.value, created: false };
  }
  const queued = (request.initialState ?? 'queued') === 'queued';
  // A task in its workflow is not waiting in the queue yet: the queue's limit applies when it is queued.
  const waiting = queued ? await deps.queue.length(service.id) : 0;
  if (queued && waiting >= service.maxQueueSize) {
    throw new DomainError('QUEUE.FULL', `service ${service.id} has ${waiting} tasks waiting, its maximum`, { serviceId: service.id, maxQueueSize: service.maxQueueSize });
  }
  const now = deps.clock.now();
  const at = now.toISOString();
  const task: Task = {
    id,
    serviceId: service.id,
    channel: request.channel,
    state: queued ? 'queued' : 'in-workflow',
    priority: request.priority ?? service.defaultPriority,
    enqueueOrder: enqueueOrderKey(now, id),
    parameters: request.parameters ?? {},
    offers: [],
    assignedAgentId: null,
    codes: [],
    tags: [],
    acw: null,
    callFlow: [{ serviceId: service.id, enteredAt: at, leftAt: null, reason: 'created' }],
    timings: { createdAt: at, queuedAt: queued ? at : null, firstOfferedAt: null, connectedAt: null, wrapUpAt: null, endedAt: null },
    outcome: null,
    ...(request.idempotencyKey ? { requestFingerprint: fingerprint(request) } : {}),
  };
  let stored: Versioned<Task>;
  try {
    stored = await deps.tasks.create(task);
  } catch (err) {
    if (err instanceof AlreadyExistsError) return createTask(request, deps);
    throw err;
  }
  // Its first entry: no put from an older read of a task just created can race it, so no check.
  if (queued) {
    await deps.queue.put(queueEntry(stored, now));
    await deps.signal.requestDistribution(service.id, 'task queued');
  }
  // After the round is asked for, so the look costs a task's way to an agent nothing.
  await undoIfServiceGoing(task, deps);
  return { task, created: true };
}

/**
 * A task written while its service's delete was checking that nothing refers to it: the delete
 * either saw the task (and was refused) or marked the service before the task was written, which
 * this second look sees. Then the task is cancelled, so it is not left in a service that is gone.
 */
async function undoIfServiceGoing(task: Task, deps: DistributionDeps): Promise<void> {
  const service = (await deps.services.read(task.serviceId))?.value;
  if (service && !isBeingDeleted(service, deps.clock.now())) return;
  await cancelTask(task.id, 'refused: its service was being deleted', deps);
  throw service ? beingDeletedError(task.serviceId) : new DomainError('SERVICE.NOT_FOUND', `service ${task.serviceId} not found`, { serviceId: task.serviceId });
}
